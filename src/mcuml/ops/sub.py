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
from mcuml.ops._binary import arith_params
from mcuml.ops._pointwise import BinaryFn, BinaryOp, BinaryParams
from mcuml.ops.add import QuantAddParams, int32_op, quant_add_sub, quant_params_add

TYPES = (DType.float32, DType.int32, DType.int8, DType.int16)


@register("SUB")
class Sub(BinaryOp):
    tflm_types = frozenset({DType.float32, DType.int8, DType.int16, DType.int32})

    def prepare(self, node: Operator, ctx: OpContext) -> BinaryParams:
        return arith_params(node, ctx, TYPES, float_fn=np.subtract, int32_fn=partial(int32_op, np.subtract),
                            quant_fn=_quant_sub, unquantized_int32=(0, 1, 2))


def quant_params_sub(ctx: OpContext, x1: Tensor, x2: Tensor, y: Tensor, act: int) -> QuantAddParams:
    """``CalculateOpDataSub``: ADD's parameters with the second operand subtracted."""
    return replace(quant_params_add(ctx, x1, x2, y, act), sign=-1)


def _quant_sub(ctx: OpContext, x1: Tensor, x2: Tensor, y: Tensor, act: int) -> BinaryFn:
    return partial(quant_add_sub, quant_params_sub(ctx, x1, x2, y, act))
