import numpy as np
import pytest

from mcuml.ir.build import ModelBuilder
from oracle import random_input
from shapeops_util import check, qkw

SIZES = [((4, 5), (8, 10)), ((3, 3), (7, 5)), ((6, 7), (4, 3)), ((5, 5), (1, 1)), ((2, 9), (5, 13)), ((1, 1), (3, 4)),
         ((7, 3), (7, 3)), ((10, 10), (3, 17))]


def model(dtype, in_hw, out_hw, align_corners, half_pixel, channels=3, batch=1):
    shape = (batch, *in_hw, channels)
    b = ModelBuilder()
    x = b.input("x", shape, dtype, **qkw(dtype))
    size = b.const("size", np.array(out_hw, np.int32))
    y = b.tensor("y", (batch, *out_hw, channels), dtype, **qkw(dtype))
    b.op("RESIZE_BILINEAR", [x, size], [y], "ResizeBilinearOptions", align_corners=align_corners,
         half_pixel_centers=half_pixel)
    b.output(y)
    return b, shape


@pytest.mark.parametrize("dtype", ["int8", "float32"])
@pytest.mark.parametrize("align_corners,half_pixel", [(False, False), (True, False), (False, True)])
@pytest.mark.parametrize("in_hw,out_hw", SIZES)
def test_resize_bilinear(dtype, align_corners, half_pixel, in_hw, out_hw):
    b, shape = model(dtype, in_hw, out_hw, align_corners, half_pixel)
    check(b, [random_input(shape, np.dtype(dtype), np.random.default_rng(0))], batch_samples=2)


def test_batch_and_extremes():
    b, shape = model("int8", (6, 4), (13, 9), False, True, channels=5, batch=2)
    x = np.full(shape, -128, np.int8)
    x[:, ::2] = 127
    check(b, [x], batch_samples=2)


def test_rejects_align_corners_with_half_pixel():
    from mcuml import Interpreter
    from mcuml.errors import McumlError

    b, _ = model("int8", (4, 4), (8, 8), True, True)
    with pytest.raises(McumlError, match="half_pixel_centers"):
        Interpreter(model_content=b.build().to_bytes()).allocate_tensors()
