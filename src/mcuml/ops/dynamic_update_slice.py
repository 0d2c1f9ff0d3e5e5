"""DYNAMIC_UPDATE_SLICE: write ``update`` into a copy of ``operand`` at clamped start indices.

Ports ``tensorflow/lite/micro/kernels/dynamic_update_slice.cc``: start indices (int32/int64)
clamp to ``[0, operand_dim - update_dim]``; float32/int8/int16/int32. Constant start indices are
resolved in prepare; activation start indices are read from sample 0 at eval time (mcuml's
batched path shares one slice position across the batch).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.ops import Op, OpContext, register
from mcuml.ops._shape_util import check_shape, n_inputs, require_dtype, same_dtype, tensor_in


@dataclass(frozen=True, slots=True)
class DynamicUpdateSliceParams:
    operand_shape: tuple[int, ...]
    update_shape: tuple[int, ...]
    index: tuple[slice, ...] | None  # None: read the start indices at eval


def _index(start: np.ndarray, operand: tuple[int, ...], update: tuple[int, ...]) -> tuple[slice, ...]:
    out = [slice(None)]
    for s, o, u in zip(np.asarray(start).tolist(), operand, update):
        c = int(min(max(0, s), o - u))
        out.append(slice(c, c + u))
    return tuple(out)


@register("DYNAMIC_UPDATE_SLICE")
class DynamicUpdateSlice(Op):
    tflm_types = frozenset({DType.float32, DType.int8, DType.int16, DType.int32})

    def prepare(self, node: Operator, ctx: OpContext) -> DynamicUpdateSliceParams:
        n_inputs(node, ctx, 3)
        x, u, s, y = tensor_in(node, 0, ctx), tensor_in(node, 1, ctx), tensor_in(node, 2, ctx), node.outputs[0]
        require_dtype(ctx, x, (DType.float32, DType.int8, DType.int16, DType.int32))
        same_dtype(ctx, x, u)
        same_dtype(ctx, x, y)
        require_dtype(ctx, s, (DType.int32, DType.int64))
        if len(s.shape) != 1 or s.shape[0] != len(x.shape) or len(u.shape) != len(x.shape):
            ctx.shape_error("start_indices must have one entry per operand dimension; update must match rank")
        if any(a > b for a, b in zip(u.shape, x.shape)):
            ctx.shape_error(f"update {list(u.shape)} larger than operand {list(x.shape)}")
        check_shape(ctx, y, x.shape)
        index = _index(s.data, tuple(x.shape), tuple(u.shape)) if s.is_constant else None
        return DynamicUpdateSliceParams(tuple(x.shape), tuple(u.shape), index)

    def eval(self, p: DynamicUpdateSliceParams, inputs, outputs) -> None:
        y = outputs[0]
        index = p.index if p.index is not None else _index(inputs[2][0], p.operand_shape, p.update_shape)
        y[...] = inputs[0]
        y[index] = inputs[1]
