"""SUB: element-wise difference with broadcasting (up to 6-D) and a fused activation.

Ports ``tensorflow/lite/micro/kernels/sub.cc`` + ``sub_common.cc`` (``CalculateOpDataSub``) and
``reference/sub.h`` (``SubElementwise``, ``BroadcastQuantSubSlow``, ``SubWithActivation``). The
arithmetic is ADD's with the second operand negated. The tflite-micro source forms SUB's scale
ratios from a float32 ``twice_max_input_scale``, but the wheel's results match ratios formed in
double (as ADD does) on 40 of 40 random int16 scale sets (float32: 5 of 40), so mcuml follows the
wheel. int32 SUB wraps and honours the fused activation (``CalculateActivationRange<int32_t>``).
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator, Tensor
from mcuml.ops import OpContext, register
from mcuml.ops._pointwise import (BinaryOp, BinaryParams, binary_params, float_activation_range, fused_activation,
                                  int_activation_range, io, quant_activation_range, require_quantized)
from mcuml.ops.add import QuantAddParams, check_binary_types, float_op, int32_op, quant_add_sub, quant_params_add

TYPES = (DType.float32, DType.int32, DType.int8, DType.int16)


@register("SUB")
class Sub(BinaryOp):
    def prepare(self, node: Operator, ctx: OpContext) -> BinaryParams:
        (x1, x2), (y,) = io(node, ctx, 2)
        check_binary_types(ctx, x1, x2, y, TYPES)
        act = fused_activation(node)
        if y.dtype == DType.float32:
            lo, hi = float_activation_range(act)
            return binary_params(ctx, x1, x2, y, partial(float_op, np.subtract, lo, hi))
        if y.dtype == DType.int32:
            if any(t.quantization is not None and t.quantization.scale for t in (x1, x2, y)):
                ctx.fail("only un-quantized int32 SUB is supported (as in TFLM)")
            lo, hi = int_activation_range(act, y.dtype)
            return binary_params(ctx, x1, x2, y, partial(int32_op, np.subtract, lo, hi))
        require_quantized(ctx, x1, x2, y)
        p = quant_params_sub(ctx, x1, x2, y, act)
        return binary_params(ctx, x1, x2, y, partial(quant_add_sub, p),
                             lut_dtype=np.int8 if y.dtype == DType.int8 else None)


def quant_params_sub(ctx: OpContext, x1: Tensor, x2: Tensor, y: Tensor, act: int) -> QuantAddParams:
    """``CalculateOpDataSub``: ADD's parameters with the second operand subtracted."""
    return replace(quant_params_add(ctx, x1, x2, y, act), sign=-1)
