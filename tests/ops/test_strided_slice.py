import numpy as np
import pytest

from mcuml.ir.build import ModelBuilder
from mcuml.ops.strided_slice import axis_slice, end_for_axis, start_for_axis
from oracle import random_input
from shapeops_util import check, qkw


def _expected_shape(shape, begin, end, strides, bm, em, sm):
    out = []
    for a, size in enumerate(shape):
        s = start_for_axis(begin[a], strides[a], bool(bm >> a & 1), size)
        e = end_for_axis(end[a], strides[a], bool(em >> a & 1), bool(sm >> a & 1), size, s)
        n = axis_slice(s, e, strides[a])[1]
        if not sm >> a & 1:
            out.append(n)
        elif n != 1:
            return None
    return out


def _model(shape, begin, end, strides, dtype="int8", bm=0, em=0, sm=0, **extra):
    out = _expected_shape(shape, begin, end, strides, bm, em, sm)
    if out is None or 0 in out:
        return None  # empty slices: TFLM cannot allocate zero-sized tensors
    b = ModelBuilder()
    x = b.input("x", shape, dtype, **qkw(dtype))
    ins = [x] + [b.const(n, np.array(v, dtype=np.int32)) for n, v in (("b", begin), ("e", end), ("s", strides))]
    y = b.tensor("y", out, dtype, **qkw(dtype))
    b.op("STRIDED_SLICE", ins, [y], "StridedSliceOptions", begin_mask=bm, end_mask=em, shrink_axis_mask=sm,
         ellipsis_mask=extra.get("ellipsis", 0), new_axis_mask=extra.get("new_axis", 0),
         offset=extra.get("offset", False))
    b.output(y)
    return b


FIXED = [
    ((1, 8, 166, 2), [0, 2, 0, 0], [1, 8, 166, 2], [1, 1, 1, 1], 13, 15, 0),  # seanet_strided_slice0
    ((4,), [1], [2], [1], 0, 0, 1),  # wake-vision SHAPE -> STRIDED_SLICE(shrink)
    ((257,), [5], [241], [1], 0, 0, 0),
    ((10,), [-1], [-11], [-1], 0, 0, 0),  # full reverse
    ((10,), [8], [1], [-3], 0, 0, 0),
    ((3, 7, 5), [2, -2, 0], [0, 0, 5], [-1, -2, 2], 0, 4, 0),
    ((2, 6, 6, 3), [0, 1, 5, 0], [2, 6, 0, 3], [1, 2, -2, 1], 9, 0, 0),
    ((2, 6, 6, 3), [1, 3, 0, -1], [2, 4, 6, 3], [1, 1, 3, 1], 0, 0, 0b1011),
    ((5, 4), [3, -9], [9, 9], [1, 1], 0, 0, 0),  # clamps
]


@pytest.mark.parametrize("dtype", ["int8", "int16", "float32", "int32"])
@pytest.mark.parametrize("case", range(len(FIXED)))
def test_strided_slice_fixed(dtype, case):
    shape, begin, end, strides, bm, em, sm = FIXED[case]
    b = _model(shape, begin, end, strides, dtype, bm, em, sm)
    check(b, [random_input(shape, np.dtype(dtype), np.random.default_rng(case))])


def test_strided_slice_random():
    rng = np.random.default_rng(7)
    done = 0
    for _ in range(60):
        rank = int(rng.integers(1, 5))
        shape = tuple(int(d) for d in rng.integers(1, 7, size=rank))
        begin = [int(v) for v in rng.integers(-8, 8, size=rank)]
        end = [int(v) for v in rng.integers(-8, 8, size=rank)]
        strides = [int(v) or 1 for v in rng.choice([-3, -2, -1, 1, 2, 3], size=rank)]
        bm, em, sm = (int(rng.integers(0, 1 << rank)) for _ in range(3))
        sm &= int(rng.integers(0, 1 << rank))
        b = _model(shape, begin, end, strides, "int8", bm, em, sm)
        if b is None:
            continue
        done += 1
        check(b, [random_input(shape, np.int8, rng)], batch_samples=0)
    assert done >= 15


def test_bool_and_ignored_offset_attribute():
    # TFLM never copies `offset` into its params: end stays absolute
    b = _model((6, 4), [1, 0], [4, 3], [1, 1], "bool", offset=True)
    check(b, [np.random.default_rng(0).random((6, 4)) < 0.5], batch_samples=0)
