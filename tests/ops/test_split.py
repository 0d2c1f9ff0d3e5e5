import numpy as np
import pytest

from mcuml.ir.build import ModelBuilder
from oracle import random_input
from shapeops_util import check, qkw


@pytest.mark.parametrize("dtype", ["int8", "int16", "float32", "int32"])
@pytest.mark.parametrize("shape,axis,n", [((1, 4, 6, 8), 3, 2), ((1, 4, 6, 8), -2, 3), ((6, 2), 0, 6)])
def test_split(dtype, shape, axis, n):
    b = ModelBuilder()
    a = b.const("axis", np.array([axis], np.int32))
    x = b.input("x", shape, dtype, **qkw(dtype))
    part = list(shape)
    part[axis] //= n
    ys = [b.tensor(f"y{i}", part, dtype, **qkw(dtype)) for i in range(n)]
    b.op("SPLIT", [a, x], ys, "SplitOptions", num_splits=n)
    b.output(*ys)
    check(b, [random_input(shape, np.dtype(dtype), np.random.default_rng(0))])


@pytest.mark.parametrize("dtype", ["int8", "float32"])
@pytest.mark.parametrize("shape,axis,sizes", [((1, 4, 10), 2, [3, 1, 6]), ((5, 3), -2, [2, 3])])
def test_split_v(dtype, shape, axis, sizes):
    b = ModelBuilder()
    x = b.input("x", shape, dtype, **qkw(dtype))
    st = b.const("sizes", np.array(sizes, np.int32))
    a = b.const("axis", np.array([axis], np.int32))
    ys = []
    for i, s in enumerate(sizes):
        part = list(shape)
        part[axis] = s
        ys.append(b.tensor(f"y{i}", part, dtype, **qkw(dtype)))
    b.op("SPLIT_V", [x, st, a], ys, "SplitVOptions", num_splits=len(sizes))
    b.output(*ys)
    check(b, [random_input(shape, np.dtype(dtype), np.random.default_rng(1))])
