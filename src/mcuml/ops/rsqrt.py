"""RSQRT: ``1 / sqrt(x)`` for float32, int8 and int16.

Ports the RSQRT parts of ``tensorflow/lite/micro/kernels/elementwise.cc``
(``SetRsqrtOutputMultiplier``, ``RsqrtEvalQuantized``) and ``GetInvSqrtQuantizedMultiplierExp``
from ``internal/common.h``. int8/int16: ``value = x - zp_in``; 0 outputs the type's max; otherwise
the Newton-Raphson inverse square root (Q3 fixed point, 5 iterations) gives (inv_sqrt, shift),
``data = MBQM(1, inv_sqrt, shift + 20)`` and ``out = MBQM(data, multiplier, shift_out - 20) + zp_out``,
clamped, with ``multiplier`` from ``1.0 / (sqrt(double(s_in)) * double(s_out))``.

The 90b983c sources list float32/int8 only and compute that multiplier from the float product
``sqrtf(s_in) * s_out``; the wheel (tflite-micro 0.dev20261023) also runs int16 (zero points must be
0, its prepare checks) and takes the all-double product, as in tflite-micro PR #3274
(commit 0ad70939): the float product is 1 LSB off on a few int16 inputs, the double one matches the wheel on
every input (tests/ops/test_rsqrt.py). TFLM fails the invoke on a negative value; eval here has no
error path, so those elements output the max (as for 0). Quantized kernels are exhaustive tables
(256 or 65,536 entries). float32: ``1.f / sqrtf(x)``.
"""

from __future__ import annotations

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.kernels import fixedpoint as fp
from mcuml.kernels.quant import INT32_MAX, mbqm, quantize_multiplier, rdbpot, srdhm, wrap_int32
from mcuml.ops import OpContext, register
from mcuml.ops._pointwise import INT8_VALUES, INT16_VALUES, UnaryOp, UnaryParams, require_quantized, unary_params
from mcuml.ops._unary import unary_io

REVERSE_SHIFT = -1
RSQRT_SHIFT = 20


def inv_sqrt_quantized_multiplier_exp(x: np.ndarray, reverse_shift: int) -> tuple[np.ndarray, np.ndarray]:
    """``GetInvSqrtQuantizedMultiplierExp`` for int32 inputs in [0, 2^29) (all int8/int16 differences are)."""
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


def rsqrt_output_multiplier(input_scale: float, output_scale: float) -> tuple[int, int]:
    """``SetRsqrtOutputMultiplier`` as the wheel computes it: all in double, then QuantizeMultiplier."""
    real = 1.0 / (float(np.sqrt(float(np.float32(input_scale)))) * float(np.float32(output_scale)))
    return quantize_multiplier(real)


def rsqrt_table(in_zp: int, out_zp: int, multiplier: int, shift: int, dtype: DType = DType.int8) -> np.ndarray:
    """``RsqrtEvalQuantized`` on every int8 (256) or int16 (65,536) input, in unsigned bit-pattern order."""
    values = INT16_VALUES if dtype == DType.int16 else INT8_VALUES
    lo, hi = (-32768, 32767) if dtype == DType.int16 else (-128, 127)
    value = values.astype(np.int64) - in_zp
    inv_sqrt, inv_shift = inv_sqrt_quantized_multiplier_exp(np.maximum(value, 0), REVERSE_SHIFT)
    data = mbqm(np.ones_like(value), inv_sqrt, inv_shift + RSQRT_SHIFT)
    out = np.clip(mbqm(data, multiplier, shift - RSQRT_SHIFT) + out_zp, lo, hi)
    return np.where(value <= 0, hi, out).astype(dtype.numpy)


def _rsqrt_float(x: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.float32(1) / np.sqrt(x.astype(np.float32))


@register("RSQRT")
class Rsqrt(UnaryOp):
    tflm_types = frozenset({DType.float32, DType.int8, DType.int16})  # the wheel runs int16 (newer than 90b983c)

    def prepare(self, node: Operator, ctx: OpContext) -> UnaryParams:
        x, y = unary_io(node, ctx, (DType.float32, DType.int8, DType.int16), same_size=True)
        if x.dtype == DType.float32:
            return unary_params(_rsqrt_float, x.dtype, y.dtype)
        require_quantized(ctx, x, y)
        if x.dtype == DType.int16 and (x.zero_point != 0 or y.zero_point != 0):
            ctx.fail("int16 input and output need zero point 0")
        multiplier, shift = rsqrt_output_multiplier(x.scale, y.scale)
        lut = rsqrt_table(x.zero_point, y.zero_point, multiplier, shift, x.dtype)
        return UnaryParams(None, lut, np.uint16 if x.dtype == DType.int16 else np.uint8)
