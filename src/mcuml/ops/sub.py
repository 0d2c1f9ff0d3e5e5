"""SUB: element-wise difference with broadcasting (up to 6-D) and a fused activation.

Ports ``tensorflow/lite/micro/kernels/sub.cc`` + ``sub_common.cc`` (``CalculateOpDataSub``) and
``reference/sub.h`` (``SubElementwise``, ``BroadcastQuantSubSlow``, ``SubWithActivation``). The
arithmetic is ADD's with the second operand negated, but TFLM's SUB computes the scale ratios in
**float32** (``twice_max_input_scale`` is a float) before widening to double, unlike ADD. int32 SUB
wraps and honours the fused activation (``CalculateActivationRange<int32_t>``).
"""

from __future__ import annotations

from functools import partial

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator, Tensor
from mcuml.ops import OpContext, register
from mcuml.ops._pointwise import (BinaryOp, BinaryParams, binary_params, float_activation_range, fused_activation,
                                  int_activation_range, io, quant_activation_range, require_quantized)
from mcuml.ops.add import QuantAddParams, check_binary_types, float_op, int32_op, quant_add_sub, smaller_than_one

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
    """``CalculateOpDataSub``: ratios in float32, then widened."""
    f32 = np.float32
    left_shift = 15 if y.dtype == DType.int16 else 20
    twice_max = f32(2) * max(f32(x1.scale), f32(x2.scale))
    m1, s1 = smaller_than_one(ctx, float(f32(x1.scale) / twice_max), "input1")
    m2, s2 = smaller_than_one(ctx, float(f32(x2.scale) / twice_max), "input2")
    mo, so = smaller_than_one(ctx, float(twice_max / (f32(1 << left_shift) * f32(y.scale))), "output")
    lo, hi = quant_activation_range(act, y)
    return QuantAddParams(left_shift, -x1.zero_point, m1, s1, -x2.zero_point, m2, s2, y.zero_point, mo, so, lo, hi,
                          sign=-1)
