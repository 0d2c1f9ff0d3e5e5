import numpy as np
import pytest

from mcuml.ir.build import ModelBuilder
from oracle import random_input
from shapeops_util import check, qkw


@pytest.mark.parametrize("dtype", ["int8", "int16", "float32", "int32", "int64"])
@pytest.mark.parametrize("shape,axes", [((1, 4, 5, 3), [2]), ((1, 4, 5, 3), [1, 2]), ((6,), [0]), ((3, 4), [1]),
                                        ((3, 4), [-1]), ((1, 4, 5, 3), [-3, -2])])
def test_reverse_v2(dtype, shape, axes):
    b = ModelBuilder()
    x = b.input("x", shape, dtype, **qkw(dtype))
    a = b.const("axis", np.array(axes, np.int32))
    y = b.tensor("y", shape, dtype, **qkw(dtype))
    b.op("REVERSE_V2", [x, a], [y], "ReverseV2Options")
    b.output(y)
    check(b, [random_input(shape, np.dtype(dtype), np.random.default_rng(0))])
