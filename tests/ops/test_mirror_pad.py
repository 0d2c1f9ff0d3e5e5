import numpy as np
import pytest

from mcuml.ir.build import ModelBuilder
from oracle import random_input
from shapeops_util import check, qkw


@pytest.mark.parametrize("dtype", ["int8", "float32"])
@pytest.mark.parametrize("mode", [0, 1])  # REFLECT, SYMMETRIC
@pytest.mark.parametrize("shape,pads", [((1, 5, 6, 3), [[0, 0], [2, 1], [1, 3], [0, 0]]),
                                        ((4, 5), [[3, 2], [0, 4]]), ((6,), [[1, 4]])])
def test_mirror_pad(dtype, mode, shape, pads):
    b = ModelBuilder()
    x = b.input("x", shape, dtype, **qkw(dtype))
    p = b.const("pads", np.array(pads, np.int32))
    y = b.tensor("y", [d + a + c for d, (a, c) in zip(shape, pads)], dtype, **qkw(dtype))
    b.op("MIRROR_PAD", [x, p], [y], "MirrorPadOptions", mode=mode)
    b.output(y)
    check(b, [random_input(shape, np.dtype(dtype), np.random.default_rng(0))])
