import numpy as np
import pytest

from mcuml.ir.build import ModelBuilder
from oracle import random_input
from shapeops_util import check, qkw


@pytest.mark.parametrize("dtype", ["int8", "int16", "float32", "int32", "bool"])
@pytest.mark.parametrize("shape,begin,size,idx", [
    ((1, 6, 5, 4), [0, 1, 2, 1], [1, 4, -1, 2], "int32"),
    ((7,), [2], [3], "int64"),
    ((3, 4, 5), [1, 0, 4], [2, -1, 1], "int32"),
    ((2, 2, 3, 4, 5), [1, 0, 1, 1, 2], [1, 2, 2, 3, 3], "int32"),
])
def test_slice(dtype, shape, begin, size, idx):
    b = ModelBuilder()
    x = b.input("x", shape, dtype, **qkw(dtype))
    bt = b.const("begin", np.array(begin, idx))
    st = b.const("size", np.array(size, idx))
    out = [d - bb if s == -1 else s for d, bb, s in zip(shape, begin, size)]
    y = b.tensor("y", out, dtype, **qkw(dtype))
    b.op("SLICE", [x, bt, st], [y], "SliceOptions")
    b.output(y)
    rng = np.random.default_rng(0)
    data = rng.random(shape) < 0.5 if dtype == "bool" else random_input(shape, np.dtype(dtype), rng)
    check(b, [data], batch_samples=0 if dtype == "bool" else 2)
