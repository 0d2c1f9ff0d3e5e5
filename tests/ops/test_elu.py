import numpy as np
import pytest

from pw_util import all_int8, check, rand, unary_model


@pytest.mark.parametrize("seed", range(12))
def test_int8_all_values(seed):
    rng = np.random.default_rng(500 + seed)
    qi = (float(10 ** rng.uniform(-3, 0.5)), int(rng.integers(-128, 128)))
    qo = (float(10 ** rng.uniform(-3, 0)), [-128, 127, 0, int(rng.integers(-128, 128))][seed % 4])
    check(unary_model("ELU", (1, 256), "int8", qi=qi, qo=qo), [all_int8()])


def test_int8_shapes():
    rng = np.random.default_rng(1)
    x = rand((2, 5, 5, 3), "int8", rng)
    check(unary_model("ELU", x.shape, "int8", qi=(0.05, 10), qo=(0.03, -20)), [x])


def test_float():
    rng = np.random.default_rng(2)
    x = rand((3, 50), "float32", rng, 3.0)
    check(unary_model("ELU", x.shape, "float32"), [x])
