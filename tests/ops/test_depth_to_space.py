import numpy as np
import pytest

from mcuml.ir.build import ModelBuilder
from oracle import random_input
from shapeops_util import check, qkw


@pytest.mark.parametrize("dtype", ["int8", "float32"])
@pytest.mark.parametrize("shape,bs", [((1, 3, 4, 8), 2), ((2, 2, 2, 27), 3), ((1, 1, 1, 4), 2)])
def test_depth_to_space(dtype, shape, bs):
    n, h, w, c = shape
    b = ModelBuilder()
    x = b.input("x", shape, dtype, **qkw(dtype))
    y = b.tensor("y", (n, h * bs, w * bs, c // bs // bs), dtype, **qkw(dtype))
    b.op("DEPTH_TO_SPACE", [x], [y], "DepthToSpaceOptions", block_size=bs)
    b.output(y)
    check(b, [random_input(shape, np.dtype(dtype), np.random.default_rng(0))])


@pytest.mark.parametrize("dtype", ["int8", "float32"])
@pytest.mark.parametrize("shape,bs", [((1, 4, 6, 3), 2), ((2, 6, 3, 2), 3)])
def test_space_to_depth(dtype, shape, bs):
    n, h, w, c = shape
    b = ModelBuilder()
    x = b.input("x", shape, dtype, **qkw(dtype))
    y = b.tensor("y", (n, h // bs, w // bs, c * bs * bs), dtype, **qkw(dtype))
    b.op("SPACE_TO_DEPTH", [x], [y], "SpaceToDepthOptions", block_size=bs)
    b.output(y)
    check(b, [random_input(shape, np.dtype(dtype), np.random.default_rng(1))])
