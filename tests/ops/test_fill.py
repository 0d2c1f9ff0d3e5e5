import numpy as np
import pytest

from mcuml.ir.build import ModelBuilder
from oracle import random_input
from shapeops_util import check, qkw


@pytest.mark.parametrize("dtype", ["int8", "float32", "int32"])
def test_fill_const_value_plus_concat(dtype):
    # FILL's output feeds CONCATENATION so the model has a settable (non-scalar) input
    b = ModelBuilder()
    dims = b.const("dims", np.array([2, 3], np.int32))
    v = b.const("v", np.array(7, dtype), **qkw(dtype))
    f = b.tensor("f", (2, 3), dtype, **qkw(dtype))
    b.op("FILL", [dims, v], [f], "FillOptions")
    x = b.input("x", (2, 3), dtype, **qkw(dtype))
    y = b.tensor("y", (4, 3), dtype, **qkw(dtype))
    b.op("CONCATENATION", [x, f], [y], "ConcatenationOptions", axis=0)
    b.output(y)
    check(b, [random_input((2, 3), np.dtype(dtype), np.random.default_rng(0))])


@pytest.mark.parametrize("dtype", ["int8", "float32", "int32", "int16"])
@pytest.mark.parametrize("shape,target", [((3,), (2, 3)), ((2, 1), (2, 4)), ((1, 1, 3), (2, 4, 3)),
                                          ((4, 1, 2), (3, 4, 5, 2))])
def test_broadcast_to(dtype, shape, target):
    b = ModelBuilder()
    x = b.input("x", shape, dtype, **qkw(dtype))
    s = b.const("shape", np.array(target, np.int32))
    y = b.tensor("y", target, dtype, **qkw(dtype))
    b.op("BROADCAST_TO", [x, s], [y], "BroadcastToOptions")
    b.output(y)
    check(b, [random_input(shape, np.dtype(dtype), np.random.default_rng(1))])
