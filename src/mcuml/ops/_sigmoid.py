"""Shared prepare math and int16 table kernels of LOGISTIC and TANH.

Ports ``tensorflow/lite/micro/kernels/logistic_common.cc`` / ``tanh.cc`` (prepare) and
``reference/integer_ops/logistic.h`` / ``tanh.h`` (int16: TFLM's ``sigmoid_table_uint16``
interpolation; int8: gemmlowp fixed point with an input radius).
"""

from __future__ import annotations

import math

import numpy as np

from mcuml.ir.model import Tensor
from mcuml.kernels.fixedpoint import SIGMOID_TABLE_UINT16
from mcuml.kernels.quant import round_half_away
from mcuml.ops import OpContext


def int8_input_params(scale: float) -> tuple[int, int, int]:
    """(input_multiplier, input_left_shift, input_range_radius) for 4 input integer bits.

    TFLM uses ``frexp`` directly (not QuantizeMultiplier), so a significand rounding up to 2^31
    converts to INT32_MIN on x86, as reproduced here.
    """
    q, shift = math.frexp(float(scale) * float(1 << 27))
    mult = int(round_half_away(q * float(1 << 31)))
    if mult >= 1 << 31:
        mult = -(1 << 31)
    radius = int(math.floor(15.0 * float(1 << 27) / 2.0 ** shift))  # CalculateInputRadius(4, shift, 31)
    return mult, shift, radius


def checked_log2(x: float) -> tuple[bool, int]:
    """``CheckedLog2`` in float32: (is a power of two within 1e-3, rounded log2)."""
    x_log2 = np.float32(np.log(np.float32(x))) * (np.float32(1.0) / np.float32(np.log(np.float32(2.0))))
    rounded = round_half_away(np.float32(x_log2))
    return bool(abs(np.float32(x_log2 - rounded)) < np.float32(1e-3)), int(rounded)


def int16_input_params(ctx: OpContext, x: Tensor, y: Tensor, pot_shifts: tuple[int, ...]) -> tuple[int, int]:
    """(input_multiplier, input_left_shift) of the int16 kernels; 0 multiplier = power-of-two scale."""
    if x.zero_point != 0 or y.zero_point != 0:
        ctx.fail("int16 input and output need zero point 0")
    pot, log2 = checked_log2(x.scale)
    left_shift = (15 - 3) + log2
    if pot and left_shift in pot_shifts:
        mult = 0
    else:
        multiplier = float(x.scale) * 4096.0 * 3.0
        left_shift = 0
        while multiplier <= 32767.0 / 2.0 and left_shift <= 30:
            left_shift += 1
            multiplier *= 2.0
        mult = int(multiplier)
    ok, out_log2 = checked_log2(y.scale)
    if not ok or out_log2 != -15:
        ctx.fail(f"int16 output scale must be 2^-15, got {y.scale:g}")
    return mult, left_shift


def _scaled_input(x: np.ndarray, mult: int, left_shift: int) -> np.ndarray:
    if mult == 0:
        mult, left_shift = 3 << left_shift, 0
    rnd = (1 << (left_shift - 1)) if left_shift > 0 else 0
    return (x.astype(np.int64) * mult + rnd) >> left_shift


def _table_interp(abs_input: np.ndarray, frac_bits: int, saturated: int) -> np.ndarray:
    uh = abs_input >> frac_bits
    idx = np.minimum(uh, 254)
    ua = SIGMOID_TABLE_UINT16[idx]
    ub = SIGMOID_TABLE_UINT16[idx + 1]
    ut = abs_input & ((1 << frac_bits) - 1)
    return np.where(uh >= 255, saturated, (ua << frac_bits) + ut * (ub - ua))


def logistic_int16(mult: int, left_shift: int, x: np.ndarray) -> np.ndarray:
    v = _scaled_input(x, mult, left_shift)
    result = _table_interp(np.abs(v), 9, 0x7FFF << 10)
    result = np.where(v >= 0, result + (1 << 9), (1 << 25) - result + (1 << 9) - 1) & 0xFFFFFFFF
    return ((result >> 10) & 0xFFFF).astype(np.uint16).view(np.int16)


def tanh_int16(mult: int, left_shift: int, x: np.ndarray) -> np.ndarray:
    v = _scaled_input(x, mult, left_shift)
    result = _table_interp(np.abs(v), 8, 0xFFFF << 8)
    result = np.where(v >= 0, result - (1 << 23) + (1 << 7), -result + (1 << 23) + (1 << 7) - 1)
    return ((result >> 8) & 0xFFFF).astype(np.uint16).view(np.int16)
