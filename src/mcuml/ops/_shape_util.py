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
        ctx.invalid(f"expected {' or '.join(map(str, allowed))} inputs, got {len(node.inputs)}")


def tensor_in(node: Operator, k: int, ctx: OpContext, what: str = "input") -> Tensor:
    if k >= len(node.inputs) or node.inputs[k] is None:
        ctx.invalid(f"missing {what} (input {k})")
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
        ctx.invalid(f"{a.name!r} (scale {a.scale:g}, zp {a.zero_point}) and {b.name!r} (scale {b.scale:g}, "
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


def check_shape(ctx: OpContext, t: Tensor, want: Sequence[int], *, tflm_checks: bool = False) -> None:
    """``tflm_checks``: TFLM's Prepare compares the output shape too (a mismatch is an invalid model)."""
    if tuple(t.shape) != tuple(int(d) for d in want):
        why = f"output {t.name!r} has shape {list(t.shape)}, expected {list(want)}"
        ctx.invalid(why) if tflm_checks else ctx.shape_error(why)


def batched(x: np.ndarray, b: int) -> np.ndarray:
    """A constant's ``(1, ...)`` array broadcast to ``b`` samples (a view, no copy)."""
    return x if x.shape[0] == b else np.broadcast_to(x, (b, *x.shape[1:]))


def same_type_io(node: Operator, ctx: OpContext, types: Sequence[DType] | None) -> tuple[Tensor, Tensor]:
    """Input 0 (of a type from ``types``; None: any type but string) and output 0, of the same type."""
    if len(node.outputs) != 1:
        ctx.invalid(f"expected 1 output, got {len(node.outputs)}")
    x, y = tensor_in(node, 0, ctx), node.outputs[0]
    if types is None:
        if x.dtype == DType.string:
            ctx.fail("string tensors are not supported")
    else:
        require_dtype(ctx, x, types)
    same_dtype(ctx, x, y)
    return x, y


def resize_io(node: Operator, ctx: OpContext,
              types: Sequence[DType]) -> tuple[Tensor, Tensor, int, int, bool, bool]:
    """RESIZE_* prepare: 4-D NHWC input and output, constant int32 ``size`` [out_h, out_w], the options.

    Returns ``(x, y, out_h, out_w, align_corners, half_pixel_centers)``; the output shape is left
    to the caller.
    """
    n_inputs(node, ctx, 2)
    x, y = same_type_io(node, ctx, types)
    if len(x.shape) != 4:
        ctx.shape_error(f"{ctx.op_name} needs a 4-D NHWC input")
    size_t = tensor_in(node, 1, ctx, "size")
    if size_t.dtype != DType.int32:
        ctx.unsupported_type(size_t, (DType.int32,))
    size = const_ints(node, 1, ctx, "size").ravel()
    if len(size_t.shape) != 1 or size.size != 2:
        ctx.shape_error("size must be a 1-D tensor with 2 elements")
    o = node.options
    align_corners = bool(o.get("align_corners", False)) if o is not None else False
    half_pixel_centers = bool(o.get("half_pixel_centers", False)) if o is not None else False
    return x, y, int(size[0]), int(size[1]), align_corners, half_pixel_centers


def present_inputs(node: Operator, ctx: OpContext) -> list[Tensor]:
    """The inputs of an op that takes a list of tensors (CONCATENATION, PACK): none may be omitted."""
    xs = node.inputs
    if not xs or any(x is None for x in xs):
        ctx.fail(f"{ctx.op_name} needs non-optional inputs")
    return list(xs)  # type: ignore[arg-type]


def axis_option(node: Operator, rank: int, ctx: OpContext) -> int:
    """The ``axis`` builtin option (default 0), wrapped into ``[0, rank)``."""
    o = node.options
    return norm_axis(int(o.get("axis", 0)) if o is not None else 0, rank, ctx)


def windowed_output_shape(node: Operator, k_h: int, k_w: int, out_c: int) -> tuple[int, ...] | None:
    """NHWC output shape of a conv/pool window over input 0 (``ComputeOutSize``), from the node's options."""
    from mcuml.kernels.conv import compute_out_size

    x, o = node.inputs[0] if node.inputs else None, node.options
    if x is None or len(x.shape) != 4 or o is None:
        return None
    pad, sh, sw = int(o.get("padding", 0)), int(o.get("stride_h", 1)), int(o.get("stride_w", 1))
    dh, dw = int(o.get("dilation_h_factor", 1)), int(o.get("dilation_w_factor", 1))
    return (x.shape[0], compute_out_size(pad, x.shape[1], k_h, sh, dh), compute_out_size(pad, x.shape[2], k_w, sw, dw),
            out_c)
