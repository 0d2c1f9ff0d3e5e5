import numpy as np
import pytest

from mcuml.ir.build import ModelBuilder
from pw_util import check, qkw, rand


def cumsum_model(shape, dtype, axis, exclusive, reverse, qi=(None, None), qo=(None, None)):
    b = ModelBuilder()
    x = b.input("x", shape, dtype, **qkw(dtype, *qi))
    a = b.const("axis", np.array([axis], np.int32))
    y = b.tensor("y", shape, dtype, **qkw(dtype, *qo))
    b.op("CUMSUM", [x, a], [y], "CumsumOptions", exclusive=exclusive, reverse=reverse)
    b.output(y)
    return b.build().to_bytes()


FLAGS = [(False, False), (True, False), (False, True), (True, True)]


@pytest.mark.parametrize("exclusive,reverse", FLAGS)
@pytest.mark.parametrize("shape,axis", [((2, 3, 4), 1), ((2, 3, 4), -1), ((2, 3, 4), 0), ((40,), 0), ((1, 5, 5, 3), 2)])
def test_int8(exclusive, reverse, shape, axis):
    rng = np.random.default_rng(len(shape) * 7 + axis)
    qi = (float(10 ** rng.uniform(-2, 0)), int(rng.integers(-128, 128)))
    qo = (float(qi[0] * rng.uniform(2, 10)), int(rng.integers(-128, 128)))
    check(cumsum_model(shape, "int8", axis, exclusive, reverse, qi, qo), [rand(shape, "int8", rng)])


def test_int8_accumulator_wraps():
    """A long row of maximal values overflows TFLM's int32 accumulator; mcuml wraps the same way."""
    x = np.full((1, 64), 127, np.int8)
    check(cumsum_model(x.shape, "int8", 1, False, False, (0.1, -128), (0.5, 0)), [x])


@pytest.mark.parametrize("exclusive,reverse", FLAGS)
@pytest.mark.parametrize("shape,axis", [((2, 3, 4), 1), ((3, 50), -1), ((4, 2), 0)])
def test_float(exclusive, reverse, shape, axis):
    rng = np.random.default_rng(axis + 5)
    check(cumsum_model(shape, "float32", axis, exclusive, reverse), [rand(shape, "float32", rng, 10.0)])
