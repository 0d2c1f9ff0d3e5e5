"""All requantization arithmetic of TFLM, vectorized over NumPy int64 arrays.

Ports (same names as the C++):
- ``tensorflow/lite/kernels/internal/quantization_util.cc``: ``QuantizeMultiplier``,
  ``QuantizeMultiplierSmallerThanOneExp`` / ``GreaterThanOne``, ``PreprocessSoftmaxScaling``.
- ``tensorflow/lite/kernels/internal/common.h``: ``MultiplyByQuantizedMultiplier`` in its default
  **double-rounding** form (``TFLITE_SINGLE_ROUNDING`` is never defined in TFLM builds), the
  64-bit-input overload used by int16x8 kernels, and the conv family's in-place output stage
  (``mbqm_inplace``, ``requantize_acc``). The exact float64 form of that stage is the sibling
  module ``kernels.quant_float``.
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


def mbqm_inplace(x: np.ndarray, multiplier: np.ndarray, shift: np.ndarray, wrap: bool = True) -> np.ndarray:
    """``MultiplyByQuantizedMultiplier(int32 x, ...)`` (double rounding) on an int64 array, in place.

    Same values as ``mbqm(wrap_int32(x), ...)`` with a third of the passes, using two
    identities valid for the multipliers ``QuantizeMultiplier`` produces (0 <= q < 2^31):
    SRDHM's nudge-then-truncate equals ``(a*q + 2^30) >> 31`` (floor) for either sign, and
    ``RoundingDivideByPOT(v, e)`` equals ``(v + 2^(e-1) - (v < 0)) >> e`` for e >= 1.
    """
    multiplier = np.asarray(multiplier, dtype=np.int64)
    shift = np.asarray(shift, dtype=np.int64)
    if wrap:
        x += 1 << 31
        x &= 0xFFFFFFFF
        x -= 1 << 31
    left = np.maximum(shift, 0)
    if left.any():
        x <<= left
        x += 1 << 31
        x &= 0xFFFFFFFF
        x -= 1 << 31
    right = np.maximum(-shift, 0)
    x *= multiplier
    x += 1 << 30
    x >>= 31
    neg = x >> 63  # -1 where negative: half away from zero
    if not (right > 0).all():
        neg *= (right > 0)
    x += (np.int64(1) << right) >> 1
    x += neg
    x >>= right
    return x


def requantize_acc(acc: np.ndarray, multiplier: np.ndarray, shift: np.ndarray, output_offset: int,
               act_min: int, act_max: int, out_dtype: np.dtype, int64_acc: bool = False,
               wrap: bool = True) -> np.ndarray:
    """int64 accumulator (consumed) -> output type: ``MultiplyByQuantizedMultiplier`` + offset + clamp.

    ``int64_acc`` selects the int64 overload (int16x8 kernels with int64 bias); otherwise the
    accumulator wraps to int32 as the C++ ``int32_t acc`` does (``wrap=False`` when prepare proved
    it cannot overflow).
    """
    if int64_acc:
        scaled = mbqm_int64(acc, multiplier, shift)
    else:
        scaled = mbqm_inplace(acc, multiplier, shift, wrap)
    if output_offset:
        scaled += output_offset
    np.clip(scaled, act_min, act_max, out=scaled)
    return scaled.astype(out_dtype)


def mbqm_positive(acc: np.ndarray, multiplier: np.ndarray, left: np.ndarray, right: np.ndarray,
                  has_left: bool) -> np.ndarray:
    """``MultiplyByQuantizedMultiplier`` (double rounding) for positive multipliers, in seven NumPy passes.

    Same result as :func:`mbqm` (LSTM/SVDF: shifts split into ``left``/``right`` per lane).
    SRDHM's ``(ab + nudge) / 2^31`` truncated,
    with nudge ``2^30`` or ``1 - 2^30`` by sign, equals ``floor((ab + 2^30) / 2^31)`` for both signs
    (and cannot overflow: the multiplier is positive). RDBPOT's half-away-from-zero shift by
    ``e > 0`` equals ``floor((x + 2^(e-1) - [x < 0]) / 2^e)``.
    """
    x = acc
    if has_left:
        x = ((x << left) + (1 << 31) & 0xFFFFFFFF) - (1 << 31)
    hi = (x * multiplier + (1 << 30)) >> 31
    half = (np.int64(1) << right) >> 1
    return (hi + (half - ((hi < 0) & (right > 0)))) >> right


def wrap_int32_scalar(x: int) -> int:
    """:func:`wrap_int32` for one Python int (scalar fixed-point code: NumPy's per-call cost dominates there)."""
    return ((x + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)


def srdhm_scalar(a: int, b: int) -> int:
    """:func:`srdhm` for Python ints."""
    if a == b == INT32_MIN:
        return INT32_MAX
    s = a * b + ((1 << 30) if a * b >= 0 else 1 - (1 << 30))
    return s >> 31 if s >= 0 else -((-s) >> 31)


def rdbpot_scalar(x: int, e: int) -> int:
    """:func:`rdbpot` for Python ints."""
    mask = (1 << e) - 1
    return (x >> e) + ((x & mask) > (mask >> 1) + (x < 0))


def wrap_int16(x: np.ndarray) -> np.ndarray:
    """int16 two's complement wrap of int64 values."""
    return ((np.asarray(x, dtype=np.int64) + 32768) & 0xFFFF) - 32768


def srdhm16(a: np.ndarray, b: int) -> np.ndarray:
    """gemmlowp ``SaturatingRoundingDoublingHighMul`` for int16."""
    ab = a * b
    s = ab + np.where(ab >= 0, 1 << 14, 1 - (1 << 14))
    res = wrap_int16(np.where(s >= 0, s >> 15, -((-s) >> 15)))
    return np.where((a == -32768) & (b == -32768), 32767, res)


def sdhm16(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """hard_swish.h ``SaturatingDoublingHighMul`` for int16 (no rounding nudge, truncating division)."""
    ab = a * b
    res = wrap_int16(np.where(ab >= 0, ab >> 15, -((-ab) >> 15)))
    return np.where((a == -32768) & (b == -32768), 32767, res)


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
