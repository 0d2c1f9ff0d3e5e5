"""DIV: element-wise quotient with broadcasting and a fused activation (float32, int32, int8).

Ports ``tensorflow/lite/micro/kernels/div.cc`` (``CalculateOpDataDiv``) and ``reference/div.h``
(``DivElementwise``, ``BroadcastDivSlowQuantized``, the templated ``Div``):

* int8: ``output_multiplier`` from ``s1 / (s2 * s_out)`` in double: the tflite-micro source forms
  the ratio in float32, but the wheel rounds a tie (0.05 / (0.02 * 0.1), quotient 87.5) the way
  the double ratio does and the float32 one does not, so mcuml follows the wheel. Per element
  ``a = x1 - zp1``, ``b = x2 - zp2`` (signs flipped when ``b < 0``); ``GetReciprocal(b, 31)`` ->
  (``input2_inv``, ``recip_shift``); ``headroom = CountLeadingSignBits(a)``;
  ``q = MBQM_GreaterThanOne(a, input2_inv, headroom)``;
  ``out = zp_out + MBQM_SmallerThanOneExp(q, output_multiplier, output_shift - recip_shift - headroom)``,
  clamped to the activation range. Evaluated once per int8 pair into a 64K table.
* float32: ``a / b`` in float32, clamped. int32: C's truncating ``a / b``, clamped by
  ``CalculateActivationRange<int32_t>``. TFLM crashes on an integer division by zero (and on
  INT32_MIN / -1); mcuml returns 0 (wrapped quotient) there instead of trapping.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator, Tensor
from mcuml.kernels import fixedpoint as fp
from mcuml.kernels.quant import quantize_multiplier, srdhm, wrap_int32
from mcuml.ops import OpContext, register
from mcuml.ops._binary import arith_params
from mcuml.ops._pointwise import BinaryFn, BinaryOp, BinaryParams, quant_activation_range

TYPES = (DType.float32, DType.int32, DType.int8)


def count_leading_sign_bits(x: np.ndarray) -> np.ndarray:
    """``CountLeadingSignBits`` of int32 values (``__builtin_clrsb``; 31 for 0 and -1)."""
    x = np.asarray(x, dtype=np.int64)
    return fp.clz32(np.where(x < 0, ~x, x)) - 1


def div_quantized(in1_offset: int, in2_offset: int, out_offset: int, output_multiplier: int, output_shift: int,
                  lo: int, hi: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``DivElementwise`` on int64 operands (any broadcastable shapes)."""
    input1_val = a.astype(np.int64) + in1_offset
    input2_val = b.astype(np.int64) + in2_offset
    neg = input2_val < 0
    input1_val = np.where(neg, -input1_val, input1_val)
    input2_val = np.where(neg, -input2_val, input2_val)
    input2_inv, recip_shift = fp.get_reciprocal(input2_val, 31)
    headroom = count_leading_sign_bits(input1_val)
    unscaled_quotient = srdhm(wrap_int32(input1_val << headroom), input2_inv)
    total_shift = output_shift - recip_shift - headroom
    # A positive total_shift (only with absurd scales) would be a negative RDBPOT exponent: UB in C
    result = rdbpot_wide(srdhm(unscaled_quotient, output_multiplier), np.maximum(-total_shift, 0))
    return np.clip(result + out_offset, lo, hi)


def rdbpot_wide(x: np.ndarray, exponent: np.ndarray) -> np.ndarray:
    """gemmlowp ``RoundingDivideByPOT`` on int32 as compiled for x86 when the exponent reaches 32 or more.

    A small numerator has a large headroom, so DIV's exponent exceeds 31 for |quotient| << 1. Then
    the mask ``(1ll << e) - 1`` truncates to -1 (every remainder is "above" the threshold) and the
    int32 ``x >> e`` shifts by ``e & 31`` (the x86 ``sar`` count mask); the wheel shows both
    (0 / b gives zp_out + 1, tiny quotients saturate).
    """
    x = np.asarray(x, dtype=np.int64)
    e = np.asarray(exponent, dtype=np.int64)
    wide = e >= 32
    mask = np.where(wide, -1, (np.int64(1) << np.minimum(e, 31)) - 1)
    threshold = (mask >> 1) + (x < 0)
    return wrap_int32((x >> (e & 31)) + ((x & mask) > threshold))


def div_int32(lo: int, hi: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a.astype(np.int64)
    b = b.astype(np.int64)
    safe_b = np.where(b == 0, 1, b)
    q = np.abs(a) // np.abs(safe_b) * np.sign(a) * np.sign(safe_b)  # C truncates toward zero
    return np.clip(wrap_int32(np.where(b == 0, 0, q)), lo, hi)


@register("DIV")
class Div(BinaryOp):
    tflm_types = frozenset({DType.float32, DType.int8, DType.int32})

    def prepare(self, node: Operator, ctx: OpContext) -> BinaryParams:
        return arith_params(node, ctx, TYPES, float_fn=_fdiv, int32_fn=div_int32, quant_fn=_quant_div,
                            unquantized_int32=(0, 1))


def _quant_div(ctx: OpContext, x1: Tensor, x2: Tensor, y: Tensor, act: int) -> BinaryFn:
    """``CalculateOpDataDiv`` (int8)."""
    real = float(x1.scale) / (float(x2.scale) * float(y.scale))
    mult, shift = quantize_multiplier(real)
    lo, hi = quant_activation_range(act, y)
    return partial(div_quantized, -x1.zero_point, -x2.zero_point, y.zero_point, mult, shift, lo, hi)


def _fdiv(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.divide(a, b)
