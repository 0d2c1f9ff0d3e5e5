"""All requantization arithmetic of TFLM, vectorized over NumPy int64 arrays.

Ports (same names as the C++):
- ``tensorflow/lite/kernels/internal/quantization_util.cc``: ``QuantizeMultiplier``,
  ``QuantizeMultiplierSmallerThanOneExp`` / ``GreaterThanOne``, ``PreprocessSoftmaxScaling``.
- ``tensorflow/lite/kernels/internal/common.h``: ``MultiplyByQuantizedMultiplier`` in its default
  **double-rounding** form (``TFLITE_SINGLE_ROUNDING`` is never defined in TFLM builds), the
  64-bit-input overload used by int16x8 kernels.
- gemmlowp ``fixedpoint.h``: ``SaturatingRoundingDoublingHighMul`` (SRDHM), ``RoundingDivideByPOT``.
- ``tensorflow/lite/kernels/kernel_util.cc``: ``CalculateActivationRangeQuantized``.

Rounding is C's ``std::round`` (half away from zero): never ``np.round`` (half to even) here.
Every function accepts scalars or arrays; array math is done in int64 with explicit int32
wrapping/saturation where the C++ does it.
"""

from __future__ import annotations

import math

import numpy as np

INT32_MIN = -(1 << 31)
INT32_MAX = (1 << 31) - 1

# TfLiteFusedActivation codes (schema ActivationFunctionType)
ACT_NONE, ACT_RELU, ACT_RELU_N1_TO_1, ACT_RELU6, ACT_TANH, ACT_SIGN_BIT = 0, 1, 2, 3, 4, 5


def round_half_away(x: np.ndarray | float) -> np.ndarray:
    """``std::round``: exact half-away-from-zero rounding for float arrays (no x+0.5 error)."""
    x = np.asarray(x)
    r = np.trunc(x)
    frac = x - r
    return r + np.where(np.abs(frac) >= 0.5, np.sign(x), 0).astype(x.dtype)


def ratio(a: float, b: float) -> float:
    """``a / b`` in double as C computes it: inf or NaN where Python's float division would raise."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return float(np.float64(a) / np.float64(b))


def quantize_multiplier(m: float) -> tuple[int, int]:
    """``QuantizeMultiplier(double)`` -> (int32 multiplier, shift), shift > 0 means left shift.

    A non-finite ``m`` (a scale of 0, inf or NaN somewhere) has no defined result in TFLM (``frexp``
    of inf/NaN): refused with :class:`~mcuml.errors.UnsupportedOpError` instead of computing garbage.
    """
    if not math.isfinite(m):
        from mcuml.errors import UnsupportedOpError

        raise UnsupportedOpError(f"requantization multiplier {m!r} is not finite (a scale is 0, inf or NaN): "
                                 "TFLM's result is undefined")
    if m == 0.0:
        return 0, 0
    sig, shift = math.frexp(m)
    q = int(_round_scalar(sig * (1 << 31)))
    assert q <= (1 << 31)
    if q == (1 << 31):
        q //= 2
        shift += 1
    if shift < -31:
        return 0, 0
    return q, shift


def _round_scalar(x: float) -> float:
    """``std::round`` for a Python float (exact: no x+0.5 rounding error)."""
    t = math.trunc(x)
    if abs(x - t) >= 0.5:
        t += 1 if x > 0 else -1
    return float(t)


def quantize_multipliers(ms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Element-wise ``quantize_multiplier`` (per-channel arrays)."""
    pairs = [quantize_multiplier(float(m)) for m in np.asarray(ms, dtype=np.float64).ravel()]
    q = np.array([p[0] for p in pairs], dtype=np.int64)
    s = np.array([p[1] for p in pairs], dtype=np.int64)
    return q, s


def wrap_int32(x: np.ndarray) -> np.ndarray:
    """Two's complement wrap of an int64 array into int32 range (C's int32 overflow on shifts)."""
    return ((np.asarray(x, dtype=np.int64) + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)


def srdhm(a: np.ndarray, b: np.ndarray | int) -> np.ndarray:
    """gemmlowp ``SaturatingRoundingDoublingHighMul`` on int32 values held in int64."""
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    ab = a * b
    nudge = np.where(ab >= 0, 1 << 30, 1 - (1 << 30))
    s = ab + nudge
    res = np.where(s >= 0, s >> 31, -((-s) >> 31))  # C truncating division by 2^31
    overflow = (a == INT32_MIN) & (b == INT32_MIN)
    return np.where(overflow, INT32_MAX, res)


def rdbpot(x: np.ndarray, exponent: np.ndarray | int) -> np.ndarray:
    """gemmlowp ``RoundingDivideByPOT``: arithmetic shift right, rounding half away from zero."""
    x = np.asarray(x, dtype=np.int64)
    e = np.asarray(exponent, dtype=np.int64)
    mask = (np.int64(1) << e) - 1
    rem = x & mask
    threshold = (mask >> 1) + (x < 0)
    return (x >> e) + (rem > threshold)


def mbqm(x: np.ndarray, multiplier: np.ndarray | int, shift: np.ndarray | int) -> np.ndarray:
    """``MultiplyByQuantizedMultiplier(int32 x, int32 q, int shift)``, double rounding.

    Fast exact form for non-negative multipliers (all TFLM multipliers are): SRDHM's
    ``trunc((ab + nudge) / 2^31)`` with a sign-dependent nudge equals ``floor((ab + 2^30) / 2^31)``
    for both signs, and RDBPOT's half-away-from-zero shift by ``e > 0`` equals
    ``floor((h + 2^(e-1) - [h < 0]) / 2^e)``. The general path (``srdhm``/``rdbpot``) handles the rest.
    """
    q = np.asarray(multiplier, dtype=np.int64)
    if q.size and q.min() < 0:
        shift = np.asarray(shift, dtype=np.int64)
        return rdbpot(srdhm(wrap_int32(np.asarray(x, dtype=np.int64) << np.maximum(shift, 0)), q),
                      np.maximum(-shift, 0))
    x = np.asarray(x, dtype=np.int64)
    shift = np.asarray(shift, dtype=np.int64)
    if shift.ndim == 0:
        s = int(shift)
        if s > 0:
            x = wrap_int32(x << s)
        hi = (x * q + (1 << 30)) >> 31
        if s >= 0:
            return hi
        return (hi + ((1 << (-s - 1)) - (hi < 0))) >> -s
    left = np.maximum(shift, 0)
    right = np.maximum(-shift, 0)
    if left.any():
        x = wrap_int32(x << left)
    hi = (x * q + (1 << 30)) >> 31
    half = (np.int64(1) << right) >> 1
    return (hi + (half - ((hi < 0) & (right > 0)))) >> right


def mbqm_smaller_than_one_exp(x: np.ndarray, multiplier: int, left_shift: int) -> np.ndarray:
    """``MultiplyByQuantizedMultiplierSmallerThanOneExp`` (shift <= 0)."""
    return rdbpot(srdhm(x, multiplier), -np.asarray(left_shift, dtype=np.int64))


def mbqm_greater_than_one(x: np.ndarray, multiplier: int, left_shift: int) -> np.ndarray:
    """``MultiplyByQuantizedMultiplierGreaterThanOne`` (shift >= 0)."""
    return srdhm(wrap_int32(np.asarray(x, dtype=np.int64) << left_shift), multiplier)


def mbqm_int64(x: np.ndarray, multiplier: np.ndarray | int, shift: np.ndarray | int) -> np.ndarray:
    """The int64-input overload (int16x8 kernels): multiplier reduced to 16 bits, one rounding shift.

    ``reduced = (q + 2^15) >> 16`` capped at 0x7FFF, ``total_shift = 15 - shift``,
    ``result = (x * reduced + 2^(total_shift-1)) >> total_shift`` in int64, saturated to int32.
    """
    x = np.asarray(x, dtype=np.int64)
    q = np.asarray(multiplier, dtype=np.int64)
    reduced = np.where(q < 0x7FFF0000, (q + (1 << 15)) >> 16, 0x7FFF)
    total_shift = 15 - np.asarray(shift, dtype=np.int64)
    # x is at most 48 bits in these kernels; x * reduced then fits in int64
    res = (x * reduced + (np.int64(1) << (total_shift - 1))) >> total_shift
    return np.clip(res, INT32_MIN, INT32_MAX)


def quantize_value(f: float, scale: float, zero_point: int) -> int:
    """``zp + (int)std::round(f / scale)`` with the division in float32, as kernel_util.cc does."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        v = np.float32(f) / np.float32(scale)
    if not np.isfinite(v):
        from mcuml.errors import UnsupportedOpError

        raise UnsupportedOpError(f"{f:g} / scale {scale!r} is not finite: TFLM's activation range is undefined")
    return int(zero_point + int(round_half_away(np.float32(v))))


def activation_range_quantized(act: int, scale: float, zero_point: int, qmin: int, qmax: int) -> tuple[int, int]:
    """``CalculateActivationRangeQuantized`` for an output of given scale/zero point and type range."""
    if act == ACT_RELU:
        return max(qmin, quantize_value(0.0, scale, zero_point)), qmax
    if act == ACT_RELU6:
        return max(qmin, quantize_value(0.0, scale, zero_point)), min(qmax, quantize_value(6.0, scale, zero_point))
    if act == ACT_RELU_N1_TO_1:
        return (max(qmin, quantize_value(-1.0, scale, zero_point)),
                min(qmax, quantize_value(1.0, scale, zero_point)))
    return qmin, qmax


def activation_range_float(act: int) -> tuple[float, float]:
    """``CalculateActivationRange<float>``."""
    if act == ACT_RELU:
        return 0.0, float("inf")
    if act == ACT_RELU6:
        return 0.0, 6.0
    if act == ACT_RELU_N1_TO_1:
        return -1.0, 1.0
    return float("-inf"), float("inf")


def type_range(dtype: np.dtype) -> tuple[int, int]:
    info = np.iinfo(dtype)
    return int(info.min), int(info.max)
