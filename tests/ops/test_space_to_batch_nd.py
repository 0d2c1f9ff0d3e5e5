import numpy as np
import pytest

from mcuml.ir.build import ModelBuilder
from oracle import mcuml_run, random_input, tflm_run
from shapeops_util import check, qkw


def _check_defined_positions(b: ModelBuilder, x: np.ndarray) -> None:
    """int8 with padding: TFLM fills padded positions from ``SpaceToBatchParams.output_offset``, which its
    kernel never writes (uninitialised persistent arena: 0 in a fresh arena, anything once the heap reuses
    memory). Those positions are undefined in TFLM, so exact equality is asserted on every other position,
    and mcuml's documented pad value (0) on the padded ones."""
    data = b.build().to_bytes()
    pads = mcuml_run(data, [np.ones_like(x)])[0] == 0  # every real element of an all-ones input is 1
    assert pads.any() and np.count_nonzero(~pads) == x.size  # each input element lands exactly once
    for sample in (x, *(random_input(x.shape, x.dtype, np.random.default_rng(k)) for k in (1, 2, 3))):
        want, got = tflm_run(data, [sample])[0], mcuml_run(data, [sample])[0]
        assert got.dtype == want.dtype and np.array_equal(got[~pads], want[~pads])
        assert not got[pads].any()


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
    data = random_input(shape, np.dtype(dtype), np.random.default_rng(0))
    if dtype == "int8" and np.any(pads):
        _check_defined_positions(b, data)
    else:
        check(b, [data])


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
