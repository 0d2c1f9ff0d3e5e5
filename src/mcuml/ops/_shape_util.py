"""Helpers shared by the shape, data-movement, reduction and resize ops.

Parameter tensors (axes, paddings, begin/end, perm, size) are read from constant data in
``prepare``, as TFLM does from the flatbuffer; the helpers here raise through ``ctx`` so the
errors carry node context.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator, Tensor
from mcuml.ops._base import OpContext

FLOAT_INT = (DType.float32, DType.int8, DType.int16, DType.int32)


def n_inputs(node: Operator, ctx: OpContext, *allowed: int) -> None:
    if len(node.inputs) not in allowed:
        ctx.fail(f"expected {' or '.join(map(str, allowed))} inputs, got {len(node.inputs)}")


def tensor_in(node: Operator, k: int, ctx: OpContext, what: str = "input") -> Tensor:
    if k >= len(node.inputs) or node.inputs[k] is None:
        ctx.fail(f"missing {what} (input {k})")
    return node.inputs[k]  # type: ignore[return-value]


def require_dtype(ctx: OpContext, t: Tensor, allowed: Sequence[DType]) -> None:
    if t.dtype not in allowed:
        ctx.unsupported_type(t, allowed)


def same_dtype(ctx: OpContext, a: Tensor, b: Tensor) -> None:
    if a.dtype != b.dtype:
        ctx.fail(f"{a.name!r} is {a.dtype.name} but {b.name!r} is {b.dtype.name}")


def same_quant(ctx: OpContext, a: Tensor, b: Tensor) -> None:
    """TFLM's ``TF_LITE_ENSURE_EQ`` on scale (compared as double) and zero point."""
    if float(np.float32(a.scale)) != float(np.float32(b.scale)) or a.zero_point != b.zero_point:
        ctx.fail(f"{a.name!r} (scale {a.scale:g}, zp {a.zero_point}) and {b.name!r} (scale {b.scale:g}, "
                 f"zp {b.zero_point}) must share quantization parameters")


def const_ints(node: Operator, k: int, ctx: OpContext, what: str) -> np.ndarray:
    """The int32/int64 constant data of parameter input ``k`` as int64 (TFLM requires constant data)."""
    t = tensor_in(node, k, ctx, what)
    if not t.is_constant:
        ctx.fail(f"non-constant >{what}< tensor is not supported")
    if t.dtype not in (DType.int32, DType.int64):
        ctx.unsupported_type(t, (DType.int32, DType.int64))
    return np.asarray(t.data, dtype=np.int64)


def norm_axis(axis: int, rank: int, ctx: OpContext) -> int:
    a = axis + rank if axis < 0 else axis
    if not 0 <= a < rank:
        ctx.shape_error(f"axis {axis} out of range for rank {rank}")
    return a


def check_shape(ctx: OpContext, t: Tensor, want: Sequence[int]) -> None:
    if tuple(t.shape) != tuple(int(d) for d in want):
        ctx.shape_error(f"output {t.name!r} has shape {list(t.shape)}, expected {list(want)}")


def batched(x: np.ndarray, b: int) -> np.ndarray:
    """A constant's ``(1, ...)`` array broadcast to ``b`` samples (a view, no copy)."""
    return x if x.shape[0] == b else np.broadcast_to(x, (b, *x.shape[1:]))
