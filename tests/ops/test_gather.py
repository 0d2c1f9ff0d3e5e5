import numpy as np
import pytest

from mcuml.ir.build import ModelBuilder
from oracle import random_input
from shapeops_util import check, qkw


@pytest.mark.parametrize("dtype", ["int8", "float32"])
@pytest.mark.parametrize("shape,ishape,axis,bd", [((5, 4), (3,), 0, 0), ((2, 5, 4), (2, 3), 1, 0),
                                                   ((3, 6, 2), (3, 4), -2, 1), ((4, 7), (2, 2), 1, 0)])
@pytest.mark.parametrize("const_idx", [True, False])
def test_gather(dtype, shape, ishape, axis, bd, const_idx):
    rng = np.random.default_rng(0)
    a = axis % len(shape)
    idx = rng.integers(0, shape[a], size=ishape).astype(np.int32)
    b = ModelBuilder()
    x = b.input("x", shape, dtype, **qkw(dtype))
    c = b.const("idx", idx) if const_idx else b.input("idx", ishape, "int32")
    y = b.tensor("y", [*shape[:a], *ishape[bd:], *shape[a + 1:]], dtype, **qkw(dtype))
    b.op("GATHER", [x, c], [y], "GatherOptions", axis=axis, batch_dims=bd)
    b.output(y)
    ins = [random_input(shape, np.dtype(dtype), rng)] + ([] if const_idx else [idx])
    check(b, ins, batch_samples=3 if const_idx else 0)


@pytest.mark.parametrize("dtype", ["int8", "float32"])
@pytest.mark.parametrize("shape,ishape", [((4, 5, 3), (2, 2)), ((4, 5, 3), (3, 3)), ((6, 2), (2, 2, 1))])
def test_gather_nd(dtype, shape, ishape):
    rng = np.random.default_rng(1)
    depth = ishape[-1]
    idx = np.stack([rng.integers(0, shape[k], size=ishape[:-1]) for k in range(depth)], -1).astype(np.int32)
    b = ModelBuilder()
    x = b.input("x", shape, dtype, **qkw(dtype))
    c = b.const("idx", idx)
    y = b.tensor("y", [*ishape[:-1], *shape[depth:]], dtype, **qkw(dtype))
    b.op("GATHER_ND", [x, c], [y], "GatherNdOptions")
    b.output(y)
    check(b, [random_input(shape, np.dtype(dtype), rng)])
