import numpy as np
import pytest

from mcuml.ir.build import ModelBuilder
from oracle import random_input
from shapeops_util import check, qkw


@pytest.mark.parametrize("dtype", ["int8", "float32"])
@pytest.mark.parametrize("shape,block,pads", [((1, 4, 4, 3), [2, 2], [[0, 0], [0, 0]]),
                                              ((2, 5, 3, 2), [2, 3], [[1, 0], [2, 1]]),
                                              ((1, 5, 2), [3], [[1, 0]])])
def test_space_to_batch_nd(dtype, shape, block, pads):
    four = len(shape) == 4
    hp = shape[1] + pads[0][0] + pads[0][1]
    out = [shape[0] * int(np.prod(block)), hp // block[0]]
    if four:
        out.append((shape[2] + pads[1][0] + pads[1][1]) // block[1])
    out.append(shape[-1])
    b = ModelBuilder()
    x = b.input("x", shape, dtype, **qkw(dtype))
    bs = b.const("block", np.array(block, np.int32))
    p = b.const("pads", np.array(pads, np.int32))
    y = b.tensor("y", out, dtype, **qkw(dtype, zero_point=0))
    b.op("SPACE_TO_BATCH_ND", [x, bs, p], [y], "SpaceToBatchNDOptions")
    b.output(y)
    check(b, [random_input(shape, np.dtype(dtype), np.random.default_rng(0))])


@pytest.mark.parametrize("dtype", ["int8", "float32"])
@pytest.mark.parametrize("shape,block,crops", [((4, 2, 2, 3), [2, 2], [[0, 0], [0, 0]]),
                                               ((12, 3, 2, 2), [2, 3], [[1, 0], [2, 1]]),
                                               ((3, 2, 2), [3], [[1, 1]])])
def test_batch_to_space_nd(dtype, shape, block, crops):
    four = len(shape) == 4
    out = [shape[0] // int(np.prod(block)), shape[1] * block[0] - sum(crops[0])]
    if four:
        out.append(shape[2] * block[1] - sum(crops[1]))
    out.append(shape[-1])
    b = ModelBuilder()
    x = b.input("x", shape, dtype, **qkw(dtype))
    bs = b.const("block", np.array(block, np.int32))
    c = b.const("crops", np.array(crops, np.int32))
    y = b.tensor("y", out, dtype, **qkw(dtype))
    b.op("BATCH_TO_SPACE_ND", [x, bs, c], [y], "BatchToSpaceNDOptions")
    b.output(y)
    check(b, [random_input(shape, np.dtype(dtype), np.random.default_rng(1))])
