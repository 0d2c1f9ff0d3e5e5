"""MUL: element-wise product with broadcasting (up to 6-D) and a fused activation.

Ports ``tensorflow/lite/micro/kernels/mul.cc`` + ``mul_common.cc`` (``CalculateOpDataMul``,
``EvalMulQuantizedReference``) and ``reference/integer_ops/mul.h`` (``MulElementwise``,
``BroadcastMul6DSlow``). Quantized: ``out = MBQM((x1 - zp1)(x2 - zp2), m, s) + zp_out`` with
``m = s1 * s2 / s_out`` in double (may exceed one). int16 requires all zero points to be 0. int32
multiplies with wrap-around and clamps to ``CalculateActivationRange<int32_t>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator, Tensor
from mcuml.kernels.quant import mbqm, quantize_multiplier
from mcuml.kernels.quant import ratio as quant_ratio
from mcuml.ops import OpContext, register
from mcuml.ops._binary import arith_params
from mcuml.ops._pointwise import BinaryFn, BinaryOp, BinaryParams, quant_activation_range
from mcuml.ops.add import int32_op

TYPES = (DType.float32, DType.int32, DType.int8, DType.int16)


@dataclass(frozen=True, slots=True)
class QuantMulParams:
    input1_offset: int
    input2_offset: int
    output_offset: int
    output_multiplier: int
    output_shift: int
    output_activation_min: int
    output_activation_max: int


def quant_mul(p: QuantMulParams, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    prod = (a.astype(np.int64) + p.input1_offset) * (b.astype(np.int64) + p.input2_offset)
    out = mbqm(prod, p.output_multiplier, p.output_shift) + p.output_offset
    return np.clip(out, p.output_activation_min, p.output_activation_max)


@register("MUL")
class Mul(BinaryOp):
    cmsis_nn = True  # kernels/cmsis_nn/ has it

    tflm_types = frozenset({DType.float32, DType.int8, DType.int16, DType.int32})

    def prepare(self, node: Operator, ctx: OpContext) -> BinaryParams:
        return arith_params(node, ctx, TYPES, float_fn=np.multiply, int32_fn=partial(int32_op, np.multiply),
                            quant_fn=_quant_mul)


def _quant_mul(ctx: OpContext, x1: Tensor, x2: Tensor, y: Tensor, act: int) -> BinaryFn:
    """``CalculateOpDataMul`` (quantized part)."""
    if y.dtype == DType.int16 and (x1.zero_point or x2.zero_point or y.zero_point):
        ctx.fail("int16 MUL needs zero points of 0 on both inputs and the output")
    m, s = quantize_multiplier(quant_ratio(float(x1.scale) * float(x2.scale), y.scale))
    lo, hi = quant_activation_range(act, y)
    return partial(quant_mul, QuantMulParams(-x1.zero_point, -x2.zero_point, y.zero_point, m, s, lo, hi))
