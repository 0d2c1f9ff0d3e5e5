"""RSQRT: ``1 / sqrt(x)`` for float32 and int8 (TFLM's RSQRT prepare accepts no other type).

Ports the RSQRT parts of ``tensorflow/lite/micro/kernels/elementwise.cc``
(``SetRsqrtOutputMultiplier``, ``RsqrtEvalQuantized``) and ``GetInvSqrtQuantizedMultiplierExp``
from ``internal/common.h``. int8: ``value = x - zp_in``; 0 outputs 127; otherwise the
Newton-Raphson inverse square root (Q3 fixed point, 5 iterations) gives (inv_sqrt, shift),
``data = MBQM(1, inv_sqrt, shift + 20)`` and ``out = MBQM(data, multiplier, shift_out - 20) + zp_out``,
clamped, with ``multiplier`` from ``1 / (sqrtf(s_in) * s_out)``. TFLM fails the invoke on a
negative value; eval here has no error path, so those elements output 127 (as for 0). The int8
kernel is a 256-entry table. float32: ``1.f / sqrtf(x)``.
"""

from __future__ import annotations

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.kernels import fixedpoint as fp
from mcuml.kernels.quant import INT32_MAX, mbqm, quantize_multiplier, rdbpot, srdhm, wrap_int32
from mcuml.ops import OpContext, register
from mcuml.ops._pointwise import INT8_VALUES, UnaryOp, UnaryParams, require_quantized, unary_params
from mcuml.ops._unary import unary_io

REVERSE_SHIFT = -1
RSQRT_SHIFT = 20


def inv_sqrt_quantized_multiplier_exp(x: np.ndarray, reverse_shift: int) -> tuple[np.ndarray, np.ndarray]:
    """``GetInvSqrtQuantizedMultiplierExp`` for int32 inputs in [0, 2^29) (all int8 differences are)."""
    x = np.asarray(x, dtype=np.int64)
    small = x <= 1
    inp = np.where(small, 2, x)
    max_left_shift_bits = fp.clz32(inp) - 1
    left_shift_bit_pairs = max_left_shift_bits // 2 - 1
    shift = 11 - left_shift_bit_pairs
    inp = inp << (2 * left_shift_bit_pairs)
    fixedpoint_input = inp >> 1  # F3
    half_input = rdbpot(fixedpoint_input, 1)
    half_three = (1 << 28) + (1 << 27)
    v = np.full_like(inp, 1 << 28)  # F3 one
    for _ in range(5):
        x3 = fp.sat_mul_pot(srdhm(srdhm(v, v), v), 6)  # F9 -> F3
        v = fp.sat_mul_pot(wrap_int32(srdhm(half_three, v) - srdhm(half_input, x3)), 3)  # F6 -> F3
    v = srdhm(v, 1518500250)  # * sqrt(2) / 2
    neg = shift < 0
    v = np.where(neg, wrap_int32(v << np.where(neg, -shift, 0)), v)
    shift = np.where(neg, 0, shift) * reverse_shift
    return np.where(small, INT32_MAX, v), np.where(small, 0, shift)


def rsqrt_table(in_zp: int, out_zp: int, multiplier: int, shift: int) -> np.ndarray:
    value = INT8_VALUES.astype(np.int64) - in_zp
    inv_sqrt, inv_shift = inv_sqrt_quantized_multiplier_exp(np.maximum(value, 0), REVERSE_SHIFT)
    data = mbqm(np.ones_like(value), inv_sqrt, inv_shift + RSQRT_SHIFT)
    out = np.clip(mbqm(data, multiplier, shift - RSQRT_SHIFT) + out_zp, -128, 127)
    return np.where(value <= 0, 127, out).astype(np.int8)


def _rsqrt_float(x: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.float32(1) / np.sqrt(x.astype(np.float32))


@register("RSQRT")
class Rsqrt(UnaryOp):
    tflm_types = frozenset({DType.float32, DType.int8, DType.int16})  # the wheel runs int16 (newer than 90b983c)

    def prepare(self, node: Operator, ctx: OpContext) -> UnaryParams:
        x, y = unary_io(node, ctx, (DType.float32, DType.int8), same_size=True)
        if x.dtype == DType.float32:
            return unary_params(_rsqrt_float, x.dtype, y.dtype)
        require_quantized(ctx, x, y)
        real = 1.0 / float(np.sqrt(np.float32(x.scale)) * np.float32(y.scale))
        multiplier, shift = quantize_multiplier(real)
        return UnaryParams(None, rsqrt_table(x.zero_point, y.zero_point, multiplier, shift), np.uint8)
