import numpy as np
import pytest

from oracle import mcuml_run
from pw_util import INT8_ALL, check, rand, unary_model


def _q(rng, lo=-2.5, hi=0.0):
    return float(10 ** rng.uniform(lo, hi)), int(rng.integers(-128, 128))


@pytest.mark.parametrize("op", ["RELU", "RELU6", "LEAKY_RELU", "HARD_SWISH"])
@pytest.mark.parametrize("seed", range(8))
def test_int8_all_values(op, seed):
    rng = np.random.default_rng(seed + 1000 * len(op))
    qi, qo = _q(rng), _q(rng)
    if seed < 3:
        qi = (qi[0], [-128, 127, 0][seed])
        qo = (qo[0], [127, -128, 0][seed])
    kw = {}
    if op == "LEAKY_RELU":
        kw = dict(options_kind="LeakyReluOptions", alpha=[0.2, 0.01, -0.5, 1.7, 0.0, 0.3, 0.1, 2.0][seed])
    if op == "HARD_SWISH":
        qo = (max(qo[0], qi[0] / 128 * 1.01), qo[1])  # TFLM needs output multiplier exponent <= 0
    m = unary_model(op, (1, 256), "int8", qi=qi, qo=qo, **kw)
    check(m, [INT8_ALL.reshape(1, 256)])


@pytest.mark.parametrize("op", ["RELU", "RELU6", "LEAKY_RELU"])
@pytest.mark.parametrize("seed", range(4))
def test_int16(op, seed):
    rng = np.random.default_rng(seed + 77)
    zero = op == "RELU"
    qi = (float(10 ** rng.uniform(-4, -1)), 0 if zero else int(rng.integers(-500, 500)))
    qo = (float(10 ** rng.uniform(-4, -1)), 0 if zero else int(rng.integers(-500, 500)))
    kw = dict(options_kind="LeakyReluOptions", alpha=float(rng.uniform(-1, 1))) if op == "LEAKY_RELU" else {}
    m = unary_model(op, (2, 3, 50), "int16", qi=qi, qo=qo, **kw)
    check(m, [rand((2, 3, 50), "int16", rng)])


@pytest.mark.parametrize("op", ["RELU", "RELU6", "LEAKY_RELU", "HARD_SWISH"])
def test_float(op):
    rng = np.random.default_rng(5)
    x = rand((2, 4, 33), "float32", rng, 5.0)
    kw = dict(options_kind="LeakyReluOptions", alpha=0.15) if op == "LEAKY_RELU" else {}
    check(unary_model(op, x.shape, "float32", **kw), [x])


def test_relu_n1_to_1_float():
    """TFLM has no RELU_N1_TO_1 kernel: check TFLite's reference semantics directly."""
    x = np.linspace(-3, 3, 61, dtype=np.float32).reshape(1, 61)
    got = mcuml_run(unary_model("RELU_N1_TO_1", x.shape, "float32"), [x])[0]
    assert np.array_equal(got, np.clip(x, -1, 1))


@pytest.mark.parametrize("qi,qo", [((0.02, 5), (1 / 127, 0)), ((0.05, -128), (0.01, -3)), ((0.004, 100), (0.02, 120))])
def test_relu_n1_to_1_int8(qi, qo):
    from mcuml.kernels.quant import mbqm, quantize_multiplier

    x = INT8_ALL.reshape(1, 256)
    got = mcuml_run(unary_model("RELU_N1_TO_1", x.shape, "int8", qi=qi, qo=qo), [x])[0]
    m, s = quantize_multiplier(np.float32(qi[0]).item() / np.float32(qo[0]).item())
    lo = max(-128, qo[1] + int(np.round(-1 / np.float32(qo[0]))))
    hi = min(127, qo[1] + int(np.round(1 / np.float32(qo[0]))))
    want = np.clip(qo[1] + mbqm(x.astype(np.int64) - qi[1], m, s), lo, hi)
    assert np.array_equal(got, want)
    # and it approximates clamp(real, -1, 1) to within one output step
    real = np.clip(qi[0] * (x.astype(np.float64) - qi[1]), -1, 1)
    assert np.max(np.abs(qo[0] * (got.astype(np.float64) - qo[1]) - real)) <= qo[0] * 1.01


@pytest.mark.parametrize("seed", range(6))
def test_leaky_relu_int16_all_values(seed):
    """All int16 inputs: sensitive to how the multipliers are rounded (the wheel uses double)."""
    rng = np.random.default_rng(seed)
    qi = (float(10 ** rng.uniform(-4, -1)), int(rng.integers(-500, 500)))
    qo = (float(10 ** rng.uniform(-4, -1)), int(rng.integers(-500, 500)))
    m = unary_model("LEAKY_RELU", (1, 65536), "int16", qi=qi, qo=qo, options_kind="LeakyReluOptions",
                    alpha=float(rng.uniform(-1, 1)))
    check(m, [np.arange(-32768, 32768).astype(np.int16).reshape(1, -1)], batch=False)


@pytest.mark.parametrize("seed", range(6))
def test_relu_int16_all_values(seed):
    rng = np.random.default_rng(seed + 9)
    m = unary_model("RELU", (1, 65536), "int16", qi=(float(10 ** rng.uniform(-4, -1)), 0),
                    qo=(float(10 ** rng.uniform(-4, -1)), 0))
    check(m, [np.arange(-32768, 32768).astype(np.int16).reshape(1, -1)], batch=False)


@pytest.mark.parametrize("op,kind", [("ELU", None), ("TANH", None), ("LOGISTIC", None), ("HARD_SWISH", None),
                                      ("LEAKY_RELU", "LeakyReluOptions")])
def test_output_with_wrong_size_is_a_shape_error_at_prepare(op, kind):
    from mcuml import Interpreter
    from mcuml.errors import ShapeError
    from mcuml.ir.build import ModelBuilder

    b = ModelBuilder()
    x = b.input("x", (1, 8), "float32")
    y = b.tensor("y", (1, 6), "float32")
    b.op(op, [x], [y], kind, **({"alpha": 0.1} if kind else {}))
    b.output(y)
    with pytest.raises(ShapeError, match="input has 8 elements, output 6"):
        Interpreter(model=b.build())
