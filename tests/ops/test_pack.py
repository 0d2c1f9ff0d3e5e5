import numpy as np
import pytest

from mcuml.ir.build import ModelBuilder
from oracle import random_input
from shapeops_util import check, qkw


@pytest.mark.parametrize("dtype", ["int8", "int16", "float32", "int32", "int64"])
@pytest.mark.parametrize("shape,n,axis", [((2, 3), 3, 0), ((2, 3), 2, 1), ((2, 3), 4, -1),
                                          ((1, 4, 2), 2, 2)])
def test_pack(dtype, shape, n, axis):
    rng = np.random.default_rng(0)
    b = ModelBuilder()
    xs = [b.input(f"x{i}", shape, dtype, **qkw(dtype)) for i in range(n)]
    out = list(shape)
    out.insert(axis % (len(shape) + 1), n)
    y = b.tensor("y", out, dtype, **qkw(dtype))
    b.op("PACK", xs, [y], "PackOptions", values_count=n, axis=axis)
    b.output(y)
    check(b, [random_input(shape, np.dtype(dtype), rng) for _ in range(n)])


def test_pack_with_constant_scalar():
    # Wake Vision MCUNet: SHAPE -> STRIDED_SLICE(shrink) -> PACK([batch, const]) -> RESHAPE
    b = ModelBuilder()
    x = b.input("x", (1, 1, 1, 2), "int8", scale=0.1, zero_point=0)
    s = b.tensor("s", (4,), "int32")
    b.op("SHAPE", [x], [s], "ShapeOptions", out_type=2)
    begin, end, stride = (b.const(n, np.array([v], np.int32)) for n, v in (("b", 0), ("e", 1), ("st", 1)))
    n0 = b.tensor("n0", (), "int32")
    b.op("STRIDED_SLICE", [s, begin, end, stride], [n0], "StridedSliceOptions", shrink_axis_mask=1)
    c = b.const("c", np.array(-1, np.int32))
    shp = b.tensor("shp", (2,), "int32")
    b.op("PACK", [n0, c], [shp], "PackOptions", values_count=2, axis=0)
    y = b.tensor("y", (1, 2), "int8", scale=0.1, zero_point=0)
    b.op("RESHAPE", [x, shp], [y], "ReshapeOptions", new_shape=[1, 2])
    b.output(y, shp)
    check(b, [random_input((1, 1, 1, 2), np.int8, np.random.default_rng(1))])


@pytest.mark.parametrize("dtype", ["int8", "float32", "int32", "int16"])
@pytest.mark.parametrize("shape,axis", [((3, 4), 0), ((3, 4), 1), ((2, 3, 2), -1)])
def test_unpack(dtype, shape, axis):
    b = ModelBuilder()
    x = b.input("x", shape, dtype, **qkw(dtype))
    a = axis % len(shape)
    rest = [d for i, d in enumerate(shape) if i != a]
    ys = [b.tensor(f"y{i}", rest, dtype, **qkw(dtype)) for i in range(shape[a])]
    b.op("UNPACK", [x], ys, "UnpackOptions", num=shape[a], axis=axis)
    b.output(*ys)
    check(b, [random_input(shape, np.dtype(dtype), np.random.default_rng(2))])
