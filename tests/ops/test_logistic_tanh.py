import numpy as np
import pytest

from pw_util import INT8_ALL, check, rand, unary_model


@pytest.mark.parametrize("op", ["LOGISTIC", "TANH"])
@pytest.mark.parametrize("seed", range(12))
def test_int8_all_values(op, seed):
    rng = np.random.default_rng(seed)
    scale = float(10 ** rng.uniform(-3, 0.3))
    zp = [-128, 127, 0][seed % 3] if seed < 6 else int(rng.integers(-128, 128))
    qo = (1 / 256, -128) if op == "LOGISTIC" else (1 / 128, 0)
    m = unary_model(op, (1, 256), "int8", qi=(scale, zp), qo=qo)
    check(m, [INT8_ALL.reshape(1, 256)])


@pytest.mark.parametrize("op", ["LOGISTIC", "TANH"])
@pytest.mark.parametrize("scale", [2.0 ** -12, 2.0 ** -11, 2.0 ** -10, 1e-4, 3.3e-4, 1e-3, 0.01, 2.0 ** -15])
def test_int16_all_values(op, scale):
    x = np.arange(-32768, 32768, dtype=np.int16).reshape(1, 256, 256)
    m = unary_model(op, x.shape, "int16", qi=(scale, 0), qo=(2.0 ** -15, 0))
    check(m, [x], batch=False)


@pytest.mark.parametrize("op", ["LOGISTIC", "TANH"])
def test_float(op):
    rng = np.random.default_rng(1)
    x = rand((4, 5, 50), "float32", rng, 6.0)
    x[0, 0, :6] = [-9.5, -9.0, 16.7, 16.6, 0.0, -100.0]
    check(unary_model(op, x.shape, "float32"), [x])
