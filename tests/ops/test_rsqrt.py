import numpy as np
import pytest

from oracle import tflm_run
from pw_util import check, rand, unary_model


@pytest.mark.parametrize("seed", range(12))
def test_int8_all_valid_values(seed):
    """Every input at or above the zero point (TFLM fails the invoke below it)."""
    rng = np.random.default_rng(600 + seed)
    zp = [-128, 0, 100, int(rng.integers(-128, 127))][seed % 4]
    qi = (float(10 ** rng.uniform(-3, 1)), zp)
    qo = (float(10 ** rng.uniform(-3, 0)), int(rng.integers(-128, 128)))
    x = np.arange(zp, 128, dtype=np.int64).astype(np.int8).reshape(1, -1)
    check(unary_model("RSQRT", x.shape, "int8", qi=qi, qo=qo), [x])


def test_int8_refused_below_zero_point_by_tflm():
    m = unary_model("RSQRT", (1, 2), "int8", qi=(0.1, 0), qo=(0.05, 0))
    with pytest.raises(RuntimeError, match="invocation failed"):
        tflm_run(m, [np.array([[4, -1]], np.int8)])


def test_float():
    rng = np.random.default_rng(1)
    x = np.abs(rand((4, 30), "float32", rng, 10.0)) + np.float32(0.01)
    check(unary_model("RSQRT", x.shape, "float32"), [x])


INT16_VALID = np.arange(0, 32768, dtype=np.int16).reshape(1, -1)  # TFLM refuses every negative input
# (input scale, output scale): the float32-product multiplier was 1 LSB off on the first two
INT16_SCALES = [(0.001, 0.0001), (1 / 32768, 1 / 1024), (0.01, 0.003), (2.5e-5, 1.2e-5), (0.117, 0.366),
                (3.0e-4, 1 / 32768), (1.0, 1 / 256)]


@pytest.mark.parametrize("qi,qo", INT16_SCALES)
def test_int16_every_valid_input(qi, qo):
    """All 32,768 non-negative int16 inputs (zero points are 0: TFLM's prepare requires it)."""
    check(unary_model("RSQRT", INT16_VALID.shape, "int16", qi=(qi, 0), qo=(qo, 0)), [INT16_VALID], batch=False)


def test_int16_random_scales_and_batched():
    rng = np.random.default_rng(77)
    for _ in range(4):
        qi, qo = float(10 ** rng.uniform(-5, 0)), float(10 ** rng.uniform(-5, 0))
        x = rng.integers(0, 32768, size=(3, 500)).astype(np.int16)
        check(unary_model("RSQRT", x.shape, "int16", qi=(qi, 0), qo=(qo, 0)), [x])


def test_int16_refused_below_zero():
    m = unary_model("RSQRT", (1, 2), "int16", qi=(0.001, 0), qo=(0.0001, 0))
    with pytest.raises(RuntimeError, match="invocation failed"):
        tflm_run(m, [np.array([[4, -1]], np.int16)])


def test_int16_nonzero_zero_point_refused_by_both():
    m = unary_model("RSQRT", (1, 2), "int16", qi=(0.001, 3), qo=(0.0001, 0))
    with pytest.raises(RuntimeError):
        tflm_run(m, [np.array([[4, 5]], np.int16)])
    from mcuml import Interpreter
    from mcuml.errors import McumlError

    with pytest.raises(McumlError, match="zero point 0"):
        Interpreter(model_content=m).run([np.array([[4, 5]], np.int16)])
