"""Prepare steps shared by the binary element-wise ops (SUB, MUL, DIV, SQUARED_DIFFERENCE, ...).

The evaluation machinery (broadcasting, int8 x int8 tables) is in :mod:`mcuml.ops._pointwise`;
the float32/int32 formulas with their clamps are ADD's (``mcuml.ops.add``). What is here is the
part of TFLM's ``Prepare`` that SUB (``sub_common.cc``), MUL (``mul_common.cc``) and DIV
(``div.cc``) repeat: output type checks, the fused activation range per output type, and the
4-D broadcasting limit of the kernels built on ``BroadcastBinaryFunction4DSlow``.
"""

from __future__ import annotations

from functools import partial
from typing import Callable, Sequence

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator, Tensor
from mcuml.ops._base import OpContext
from mcuml.ops._pointwise import (BinaryFn, BinaryParams, binary_params, float_activation_range, fused_activation,
                                  int_activation_range, io, require_quantized)
from mcuml.ops.add import check_binary_types, float_op

QuantFn = Callable[[OpContext, Tensor, Tensor, Tensor, int], BinaryFn]


def binary_io(node: Operator, ctx: OpContext, types: Sequence[DType], *,
              max_broadcast_rank: int | None = None) -> tuple[Tensor, Tensor, Tensor]:
    """Two inputs and one output, all of one type from ``types``; optionally TFLM's lower broadcast rank."""
    (x1, x2), (y,) = io(node, ctx, 2)
    check_binary_types(ctx, x1, x2, y, types)
    if max_broadcast_rank is not None and tuple(x1.shape) != tuple(x2.shape) and len(y.shape) > max_broadcast_rank:
        ctx.shape_error(f"broadcasting is limited to {max_broadcast_rank}-D in TFLM (output rank {len(y.shape)})")
    return x1, x2, y


def arith_params(node: Operator, ctx: OpContext, types: Sequence[DType], *, float_fn: BinaryFn,
                 int32_fn: Callable[..., np.ndarray], quant_fn: QuantFn,
                 unquantized_int32: Sequence[int] = ()) -> BinaryParams:
    """The prepare of an arithmetic op with a fused activation, by output type.

    float32: ``float_fn`` in float32, clamped to the float activation range. int32:
    ``int32_fn(lo, hi, a, b)`` with ``CalculateActivationRange<int32_t>``; the tensors at
    ``unquantized_int32`` (indices into input1, input2, output) must carry no scale, as TFLM
    rejects them. int8/int16: ``quant_fn(ctx, x1, x2, y, activation)`` builds the exact formula;
    int8 gets the 64K table.
    """
    x1, x2, y = binary_io(node, ctx, types)
    act = fused_activation(node)
    if y.dtype == DType.float32:
        lo, hi = float_activation_range(act)
        return binary_params(ctx, x1, x2, y, partial(float_op, float_fn, lo, hi))
    if y.dtype == DType.int32:
        tensors = (x1, x2, y)
        if any(tensors[i].quantization is not None and tensors[i].quantization.scale for i in unquantized_int32):
            ctx.fail(f"only un-quantized int32 {ctx.op_name} is supported (as in TFLM)")
        lo, hi = int_activation_range(act, y.dtype)
        return binary_params(ctx, x1, x2, y, partial(int32_fn, lo, hi))
    require_quantized(ctx, x1, x2, y)
    return binary_params(ctx, x1, x2, y, quant_fn(ctx, x1, x2, y, act),
                         lut_dtype=np.int8 if y.dtype == DType.int8 else None)
