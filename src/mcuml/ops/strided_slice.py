"""STRIDED_SLICE.

Ports ``tensorflow/lite/micro/kernels/strided_slice.cc`` / ``strided_slice_common.cc`` with the
index logic of ``tensorflow/lite/kernels/internal/strided_slice_logic.h``
(``StridedSliceStartForAxis`` / ``StridedSliceEndForAxis``) and ``reference/strided_slice.h``.

TFLM semantics, deliberately: begin/end/strides must be constant; input rank <= 4;
``begin_mask``, ``end_mask`` and ``shrink_axis_mask`` are honoured, while TFLM's
``BuildStridedSliceParams`` sets ``ellipsis_mask`` and ``new_axis_mask`` to 0 and never copies
``offset`` (so those attributes are ignored, exactly as on the device). Negative strides walk
backwards; the output's element count must equal the slice's (TFLM's ``CheckOutputSize``).
"""

from __future__ import annotations

from dataclasses import dataclass

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.ops import Op, OpContext, register
from mcuml.ops._shape_util import check_shape, const_ints, n_inputs, same_type_io

_TYPES = (DType.float32, DType.int8, DType.int16, DType.int32, DType.bool)


@dataclass(frozen=True, slots=True)
class StridedSliceParams:
    index: tuple[slice, ...]  # batched: leading slice(None) for the sample axis
    out_shape: tuple[int, ...]


def _clamp(v: int, lo: int, hi: int) -> int:
    return hi if v > hi else lo if v < lo else v


def start_for_axis(begin: int, stride: int, begin_masked: bool, size: int) -> int:
    start = begin + size if begin < 0 else begin
    start = _clamp(start, 0, size) if stride > 0 else _clamp(start, -1, size - 1)
    if begin_masked:
        start = 0 if stride > 0 else size - 1
    return start


def end_for_axis(end: int, stride: int, end_masked: bool, shrink: bool, size: int, start: int) -> int:
    if shrink:
        return start if start >= size else start + 1
    end = end + size if end < 0 else end
    end = _clamp(end, 0, size) if stride > 0 else _clamp(end, -1, size - 1)
    if end_masked:
        end = size if stride > 0 else -1
    return end


def axis_slice(start: int, stop: int, stride: int) -> tuple[slice, int]:
    """A Python slice walking ``for (i = start; stride > 0 ? i < stop : i > stop; i += stride)``."""
    n = len(range(start, stop, stride))
    if n == 0:
        return slice(0, 0), 0
    last = start + (n - 1) * stride
    nxt = last + (1 if stride > 0 else -1)
    return slice(start, nxt if nxt >= 0 else None, stride), n


@register("STRIDED_SLICE")
class StridedSlice(Op):
    tflm_types = frozenset({DType.float32, DType.int8, DType.int16, DType.int32, DType.bool})

    def prepare(self, node: Operator, ctx: OpContext) -> StridedSliceParams:
        n_inputs(node, ctx, 4)
        x, y = same_type_io(node, ctx, _TYPES)
        rank = len(x.shape)
        if rank > 4:
            ctx.fail("input dim should not exceed 4")
        begin = const_ints(node, 1, ctx, "begin").ravel()
        end = const_ints(node, 2, ctx, "end").ravel()
        strides = const_ints(node, 3, ctx, "strides").ravel()
        if min(begin.size, end.size, strides.size) < rank:
            ctx.shape_error(f"begin/end/strides need {rank} entries")
        o = node.options
        bm = int(o.get("begin_mask", 0)) if o is not None else 0
        em = int(o.get("end_mask", 0)) if o is not None else 0
        sm = int(o.get("shrink_axis_mask", 0)) if o is not None else 0
        index: list[slice] = [slice(None)]
        shape: list[int] = []
        for a, size in enumerate(x.shape):
            stride = int(strides[a])
            if stride == 0:
                ctx.invalid("stride value has to be non-zero")
            start = start_for_axis(int(begin[a]), stride, bool(bm >> a & 1), size)
            stop = end_for_axis(int(end[a]), stride, bool(em >> a & 1), bool(sm >> a & 1), size, start)
            sl, n = axis_slice(start, stop, stride)
            index.append(sl)
            if not sm >> a & 1:
                shape.append(n)
            elif n != 1:  # TFLM would leave the output unwritten
                ctx.shape_error(f"shrink axis {a}: index {int(begin[a])} out of range for size {size}")
        check_shape(ctx, y, shape, tflm_checks=True)
        return StridedSliceParams(tuple(index), tuple(y.shape))

    def eval(self, p: StridedSliceParams, inputs, outputs) -> None:
        x = inputs[0]
        outputs[0][...] = x[p.index].reshape((x.shape[0], *p.out_shape))
