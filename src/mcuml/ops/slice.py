"""SLICE: ``begin``/``size`` slice (size -1 = to the end).

Ports ``tensorflow/lite/micro/kernels/slice.cc`` (``reference_ops::Slice``): up to 5-D;
float32/int8/int16/int32/bool; int32 or int64 begin/size. TFLM reads begin/size at eval time;
mcuml's shapes are static, so constant begin/size are resolved in prepare and non-constant ones
are read from sample 0 at eval time (the output shape is the model's static one either way).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.ops import Op, OpContext, register
from mcuml.ops._shape_util import check_shape, n_inputs, require_dtype, same_type_io, tensor_in

_TYPES = (DType.float32, DType.int8, DType.int16, DType.int32, DType.bool)


@dataclass(frozen=True, slots=True)
class SliceParams:
    index: tuple[slice, ...] | None  # None: begin/size are activations, read at eval
    in_shape: tuple[int, ...]


def slice_index(begin: np.ndarray, size: np.ndarray, shape: tuple[int, ...]) -> tuple[slice, ...]:
    out = []
    for b, s, d in zip(begin.tolist(), size.tolist(), shape):
        out.append(slice(int(b), d if s == -1 else int(b) + int(s)))
    return tuple(out)


@register("SLICE")
class Slice(Op):
    tflm_types = frozenset({DType.float32, DType.int8, DType.int16, DType.int32, DType.bool})

    def prepare(self, node: Operator, ctx: OpContext) -> SliceParams:
        n_inputs(node, ctx, 3)
        x, y = same_type_io(node, ctx, _TYPES)
        begin_t, size_t = tensor_in(node, 1, ctx, "begin"), tensor_in(node, 2, ctx, "size")
        for t in (begin_t, size_t):
            require_dtype(ctx, t, (DType.int32, DType.int64))
            if len(t.shape) != 1 or t.size != len(x.shape):
                ctx.shape_error(f"{t.name!r} must be a vector of {len(x.shape)} values")
        if len(x.shape) > 5:
            ctx.fail("SLICE supports up to 5-D inputs")
        if not (begin_t.is_constant and size_t.is_constant):
            return SliceParams(None, tuple(x.shape))
        index = slice_index(np.asarray(begin_t.data), np.asarray(size_t.data), tuple(x.shape))
        want = []
        for sl, d in zip(index, x.shape):
            if not 0 <= sl.start <= sl.stop <= d:
                ctx.shape_error(f"slice {sl.start}:{sl.stop} out of range for size {d}")
            want.append(sl.stop - sl.start)
        check_shape(ctx, y, want)
        return SliceParams(index, tuple(x.shape))

    def eval(self, p: SliceParams, inputs, outputs) -> None:
        index = p.index
        if index is None:
            index = slice_index(inputs[1][0], inputs[2][0], p.in_shape)
        outputs[0][...] = inputs[0][(slice(None), *index)]
