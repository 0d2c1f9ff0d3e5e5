import numpy as np
import pytest

from mcuml.ir.build import ModelBuilder
from oracle import random_input
from shapeops_util import check, qkw


@pytest.mark.parametrize("dtype", ["int8", "int16", "float32"])
@pytest.mark.parametrize("align_corners,half_pixel", [(False, False), (True, False), (False, True), (True, True)])
@pytest.mark.parametrize("in_hw,out_hw", [((4, 5), (8, 10)), ((3, 3), (7, 5)), ((6, 7), (4, 3)), ((5, 5), (1, 1)),
                                          ((2, 9), (5, 13))])
def test_resize_nearest(dtype, align_corners, half_pixel, in_hw, out_hw):
    shape = (1, *in_hw, 3)
    b = ModelBuilder()
    x = b.input("x", shape, dtype, **qkw(dtype))
    size = b.const("size", np.array(out_hw, np.int32))
    y = b.tensor("y", (1, *out_hw, 3), dtype, **qkw(dtype))
    b.op("RESIZE_NEAREST_NEIGHBOR", [x, size], [y], "ResizeNearestNeighborOptions", align_corners=align_corners,
         half_pixel_centers=half_pixel)
    b.output(y)
    check(b, [random_input(shape, np.dtype(dtype), np.random.default_rng(0))], batch_samples=2)
