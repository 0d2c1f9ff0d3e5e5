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
