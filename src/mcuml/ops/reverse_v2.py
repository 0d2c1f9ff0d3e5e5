"""REVERSE_V2: flip the given axes.

Ports ``tensorflow/lite/micro/kernels/reverse.cc``: int32 axes that must be in range and
contiguous (TFLM: "Non-contiguous `axes` not supported"), rank <= 8; float32, int8, int16, int32,
int64, uint8, bool. Axes must be constant (static shapes).
"""

from __future__ import annotations

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.ops import OpContext, register
from mcuml.ops._index_map import IndexMapOp, IndexMapParams, source
from mcuml.ops._shape_util import check_shape, const_ints, n_inputs, require_dtype, same_type_io, tensor_in

_TYPES = (DType.float32, DType.int8, DType.int16, DType.int32, DType.int64, DType.uint8, DType.bool)


@register("REVERSE_V2")
class ReverseV2(IndexMapOp):
    tflm_types = frozenset({DType.float32, DType.int8, DType.int16, DType.int32, DType.int64, DType.uint8, DType.bool})

    def prepare(self, node: Operator, ctx: OpContext) -> IndexMapParams:
        n_inputs(node, ctx, 2)
        x, y = same_type_io(node, ctx, _TYPES)
        check_shape(ctx, y, x.shape)
        axis_t = tensor_in(node, 1, ctx, "axis")
        require_dtype(ctx, axis_t, (DType.int32,))
        rank = len(x.shape)
        # reverse.cc wraps negative axes (axis += rank) before its range check
        axes = sorted(int(a) + rank if int(a) < 0 else int(a) for a in const_ints(node, 1, ctx, "axis").ravel())
        if len(axes) > rank or any(not 0 <= a < rank for a in axes):
            ctx.shape_error(f"axes {axes} out of range for rank {rank}")
        if any(b - a != 1 for a, b in zip(axes, axes[1:])):
            ctx.fail("Non-contiguous `axes` not supported")
        return IndexMapParams.build(np.flip(source(tuple(x.shape)), axis=tuple(axes)))
