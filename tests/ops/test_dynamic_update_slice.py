import numpy as np
import pytest

from mcuml.ir.build import ModelBuilder
from oracle import random_input
from shapeops_util import check, qkw


@pytest.mark.parametrize("dtype", ["int8", "int16", "float32", "int32"])
@pytest.mark.parametrize("shape,ushape,start", [((4, 5), (2, 3), [1, 1]), ((4, 5), (2, 3), [3, -2]),
                                                ((1, 6, 4, 3), (1, 2, 4, 3), [0, 5, 0, 0])])
def test_dynamic_update_slice(dtype, shape, ushape, start):
    rng = np.random.default_rng(0)
    b = ModelBuilder()
    x = b.input("x", shape, dtype, **qkw(dtype))
    u = b.input("u", ushape, dtype, **qkw(dtype))
    s = b.const("start", np.array(start, np.int32))
    y = b.tensor("y", shape, dtype, **qkw(dtype))
    b.op("DYNAMIC_UPDATE_SLICE", [x, u, s], [y])
    b.output(y)
    check(b, [random_input(shape, np.dtype(dtype), rng), random_input(ushape, np.dtype(dtype), rng)])
