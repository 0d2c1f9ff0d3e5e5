import numpy as np
import pytest

from mcuml.ir.build import ModelBuilder
from oracle import random_input
from shapeops_util import check


@pytest.mark.parametrize("shape", [(1, 16), (2, 3, 5), (1, 4, 4, 32), (7,), (1, 300)])
@pytest.mark.parametrize("zp", [0, -5, 40])
def test_l2_norm_int8(shape, zp):
    b = ModelBuilder()
    x = b.input("x", shape, "int8", scale=0.05, zero_point=zp)
    y = b.tensor("y", shape, "int8", scale=1 / 128, zero_point=0)
    b.op("L2_NORMALIZATION", [x], [y], "L2NormOptions", fused_activation_function=0)
    b.output(y)
    rng = np.random.default_rng(len(shape) + abs(zp))
    data = random_input(shape, np.int8, rng)
    if zp == 40:
        data = np.clip(data // 40 + zp, -128, 127).astype(np.int8)  # small norms, incl. all-zero rows
    check(b, [data])


@pytest.mark.parametrize("shape", [(1, 16), (2, 3, 5), (1, 4, 4, 32)])
def test_l2_norm_float(shape):
    b = ModelBuilder()
    x = b.input("x", shape, "float32")
    y = b.tensor("y", shape, "float32")
    b.op("L2_NORMALIZATION", [x], [y], "L2NormOptions", fused_activation_function=0)
    b.output(y)
    check(b, [random_input(shape, np.float32, np.random.default_rng(0))])
