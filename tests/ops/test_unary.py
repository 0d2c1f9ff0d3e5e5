import numpy as np
import pytest

from pw_util import INT8_ALL, check, rand, unary_model

FLOAT_OPS = ["EXP", "LOG", "SQRT", "RSQRT", "SIN", "COS", "SQUARE", "FLOOR", "CEIL", "ROUND", "ABS", "NEG"]


@pytest.mark.parametrize("op", FLOAT_OPS)
def test_float(op):
    rng = np.random.default_rng(len(op))
    x = rand((3, 40), "float32", rng, 3.0)
    if op in ("LOG", "SQRT", "RSQRT"):
        x = np.abs(x) + np.float32(0.01)
    if op == "ROUND":
        x[0, :8] = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.49, -3.51]
    check(unary_model(op, x.shape, "float32"), [x])


@pytest.mark.parametrize("seed", range(6))
def test_abs_int8(seed):
    rng = np.random.default_rng(seed)
    qi = (float(10 ** rng.uniform(-2, 0)), [-128, 127, 0][seed % 3])
    qo = qi if seed == 0 else (float(10 ** rng.uniform(-2, 0)), int(rng.integers(-128, 128)))
    check(unary_model("ABS", (1, 256), "int8", qi=qi, qo=qo), [INT8_ALL.reshape(1, 256)])


@pytest.mark.parametrize("quantized", [True, False])
def test_abs_int16(quantized):
    rng = np.random.default_rng(4)
    q = dict(qi=(3e-4, 0), qo=(5e-4, 0)) if quantized else {}
    x = rand((2, 100), "int16", rng)
    x[0, 0] = -32768
    check(unary_model("ABS", x.shape, "int16", **q), [x])


def test_neg_int8_rejected_like_tflm():
    from mcuml.errors import McumlError
    from oracle import mcuml_run

    with pytest.raises(McumlError):
        mcuml_run(unary_model("NEG", (1, 4), "int8", qi=(0.1, 0), qo=(0.1, 0)), [np.zeros((1, 4), np.int8)])
