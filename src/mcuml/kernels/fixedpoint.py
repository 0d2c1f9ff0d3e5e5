"""gemmlowp fixed-point transcendental functions and TFLM's int16 LUT helpers, vectorized.

Ports (names follow the C++):
- gemmlowp ``fixedpoint/fixedpoint.h``: ``exp_on_negative_values``,
  ``exp_on_interval_between_negative_one_quarter_and_0_excl``, ``one_over_one_plus_x_for_x_in_0_1``,
  ``one_minus_x_over_one_plus_x_for_x_in_0_1``, ``logistic``, ``tanh``, ``Rescale``,
  ``SaturatingRoundingMultiplyByPOT``, ``RoundingHalfSum``.
- ``tensorflow/lite/kernels/internal/common.h``: ``GetReciprocal``, ``CountLeadingZeros``,
  ``LUTPopulateInt16`` (here ``gen_lut``), ``LUTLookup`` for int16, ``sigmoid_table_uint16``.

Every value is an int32 *raw* fixed-point number held in an int64 NumPy array; a
``FixedPoint<int32, IB>`` has ``31 - IB`` fractional bits. Sums the C++ does in int32 are wrapped
with :func:`wrap_int32` where they can overflow.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from mcuml.kernels.quant import INT32_MAX, INT32_MIN, rdbpot, round_half_away, srdhm, wrap_int32

__all__ = [
    "clz32", "exp_on_negative_values", "gen_lut", "get_reciprocal", "logistic", "lut_lookup_int16",
    "one_minus_x_over_one_plus_x_for_x_in_0_1", "one_over_one_plus_x_for_x_in_0_1", "rescale",
    "rounding_half_sum", "sat_mul_pot", "SIGMOID_TABLE_UINT16", "tanh",
]


def _i64(x: np.ndarray | int) -> np.ndarray:
    return np.asarray(x, dtype=np.int64)


def sat_mul_pot(x: np.ndarray, exponent: int) -> np.ndarray:
    """``SaturatingRoundingMultiplyByPOT<exponent>``: saturating left shift or rounding right shift."""
    x = _i64(x)
    if exponent == 0:
        return x
    if exponent < 0:
        return rdbpot(x, -exponent)
    threshold = (1 << (31 - exponent)) - 1
    return np.where(x > threshold, INT32_MAX, np.where(x < -threshold, INT32_MIN, x << exponent))


def rescale(x: np.ndarray, src_bits: int, dst_bits: int) -> np.ndarray:
    """``Rescale<dst_bits>(FixedPoint<int32, src_bits>)``."""
    return sat_mul_pot(x, src_bits - dst_bits)


def rounding_half_sum(a: np.ndarray, b: np.ndarray | int) -> np.ndarray:
    """``RoundingHalfSum`` for int32: (a + b) / 2 rounded away from zero, C truncating division."""
    s = _i64(a) + _i64(b)
    s = s + np.where(s >= 0, 1, -1)
    return np.where(s >= 0, s >> 1, -((-s) >> 1))


def _exp_on_interval_between_negative_one_quarter_and_0_excl(a: np.ndarray) -> np.ndarray:
    # Taylor expansion around -1/8 in Q0.31 (constants from gemmlowp: exp(-1/8) and 1/3)
    constant_term = 1895147668
    constant_1_over_3 = 715827883
    x = _i64(a) + (1 << 28)
    x2 = srdhm(x, x)
    x3 = srdhm(x2, x)
    x4 = srdhm(x2, x2)
    x4_over_4 = rdbpot(x4, 2)
    poly = rdbpot(wrap_int32(srdhm(wrap_int32(x4_over_4 + x3), constant_1_over_3) + x2), 1)
    return wrap_int32(constant_term + srdhm(constant_term, wrap_int32(x + poly)))


# (exponent k, raw Q0.31 of exp(-2^k)) for gemmlowp's barrel shifter
_EXP_BARREL = ((-2, 1672461947), (-1, 1302514674), (0, 790015084), (1, 290630308), (2, 39332535),
               (3, 720401), (4, 242))


def exp_on_negative_values(a: np.ndarray, integer_bits: int) -> np.ndarray:
    """exp(a) for a <= 0 given as ``FixedPoint<int32, integer_bits>``; result in Q0.31."""
    a = _i64(a)
    frac_bits = 31 - integer_bits
    one_quarter = 1 << (frac_bits - 2)
    a_mod_quarter_minus_one_quarter = (a & (one_quarter - 1)) - one_quarter
    result = _exp_on_interval_between_negative_one_quarter_and_0_excl(
        rescale(a_mod_quarter_minus_one_quarter, integer_bits, 0))
    remainder = wrap_int32(a_mod_quarter_minus_one_quarter - a)
    for exponent, multiplier in _EXP_BARREL:
        if integer_bits > exponent:
            bit = np.int64(1) << (frac_bits + exponent)
            result = np.where((remainder & bit) != 0, srdhm(result, multiplier), result)
    if integer_bits > 5:
        clamp = -(1 << (36 - integer_bits))
        result = np.where(a < clamp, 0, result)
    return np.where(a == 0, INT32_MAX, result)


def _newton_reciprocal(half_denominator: np.ndarray) -> np.ndarray:
    """The shared Newton-Raphson loop of gemmlowp's 1/(1+x) helpers; returns x in Q2.29."""
    constant_48_over_17 = 1515870810
    constant_neg_32_over_17 = -1010580540
    one_f2 = 1 << 29
    x = wrap_int32(constant_48_over_17 + srdhm(half_denominator, constant_neg_32_over_17))
    for _ in range(3):
        half_denominator_times_x = srdhm(half_denominator, x)
        one_minus = wrap_int32(one_f2 - half_denominator_times_x)
        x = wrap_int32(x + rescale(srdhm(x, one_minus), 4, 2))
    return x


def one_over_one_plus_x_for_x_in_0_1(a: np.ndarray) -> np.ndarray:
    """1 / (1 + a) for a in Q0.31 in [0, 1); result in Q0.31."""
    x = _newton_reciprocal(rounding_half_sum(a, INT32_MAX))
    return rescale(x, 1, 0)  # ExactMulByPot<-1> turns Q2.29 into Q1.30 with the same raw value


def one_minus_x_over_one_plus_x_for_x_in_0_1(a: np.ndarray) -> np.ndarray:
    """(1 - a) / (1 + a) for a in Q0.31 in [0, 1); result in Q0.31."""
    x = _newton_reciprocal(rounding_half_sum(a, INT32_MAX))
    return rescale(wrap_int32(x - (1 << 29)), 2, 0)


def logistic(a: np.ndarray, integer_bits: int) -> np.ndarray:
    """gemmlowp ``logistic`` of ``FixedPoint<int32, integer_bits>``; result in Q0.31."""
    a = _i64(a)
    positive = a > 0
    abs_input = np.where(positive, a, wrap_int32(-a))
    result_if_positive = one_over_one_plus_x_for_x_in_0_1(
        exp_on_negative_values(wrap_int32(-abs_input), integer_bits))
    result_if_negative = INT32_MAX - result_if_positive
    return np.where(a == 0, 1 << 30, np.where(positive, result_if_positive, result_if_negative))


def tanh(a: np.ndarray, integer_bits: int) -> np.ndarray:
    """gemmlowp ``tanh`` of ``FixedPoint<int32, integer_bits>``; result in Q0.31."""
    a = _i64(a)
    negative = a < 0
    n = np.where(negative, a, wrap_int32(-a))
    # neg_tanh_on_negative_values: exp(2n) reads the same raw value with one more integer bit
    t = one_minus_x_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(n, integer_bits + 1))
    return np.where(a == 0, 0, np.where(negative, wrap_int32(-t), t))


def clz32(x: np.ndarray) -> np.ndarray:
    """``CountLeadingZeros`` of uint32 values (32 for 0)."""
    x = _i64(x) & 0xFFFFFFFF
    _, e = np.frexp(x.astype(np.float64))  # exact: x < 2^53
    return np.where(x == 0, 32, 32 - e).astype(np.int64)


def get_reciprocal(x: np.ndarray, x_integer_digits: int) -> tuple[np.ndarray, np.ndarray]:
    """``GetReciprocal``: (Q0.31 reciprocal of the normalized x, num_bits_over_unit)."""
    x = _i64(x)
    headroom_plus_one = clz32(x)
    num_bits_over_unit = x_integer_digits - headroom_plus_one
    shifted_sum_minus_one = wrap_int32(((x & 0xFFFFFFFF) << headroom_plus_one) - (1 << 31))
    return one_over_one_plus_x_for_x_in_0_1(shifted_sum_minus_one), num_bits_over_unit


def gen_lut(transform: Callable[[np.ndarray], np.ndarray], input_scale: float, input_zero_point: int,
            output_scale: float, output_zero_point: int) -> np.ndarray:
    """``LUTPopulateInt16<float>``: 513-entry int16 table, every step in float32 as the C++ does.

    ``transform`` receives and returns float32 arrays (it stands for the C++ ``float(float)``).
    """
    f32 = np.float32
    s_in, s_out = f32(input_scale), f32(output_scale)
    input_min = s_in * f32(-32768 - input_zero_point)
    input_max = s_in * f32(32767 - input_zero_point)
    output_min = s_out * f32(-32768 - output_zero_point)
    output_max = s_out * f32(32767 - output_zero_point)
    nb_steps = 512
    step = (input_max - input_min) / f32(nb_steps)
    half_step = step / f32(2)
    output_scaling_inv = f32(65536) / (output_max - output_min)
    i = np.arange(nb_steps, dtype=np.float32)
    base = input_min + i * step
    val = np.asarray(transform(base), dtype=np.float32)
    val_midpoint = np.asarray(transform(base + half_step), dtype=np.float32)
    val_next = np.asarray(transform(input_min + (i + f32(1)) * step), dtype=np.float32)
    sample_val = round_half_away(val * output_scaling_inv)
    midpoint_interp_val = round_half_away((val_next * output_scaling_inv + sample_val) / f32(2))
    midpoint_val = round_half_away(val_midpoint * output_scaling_inv)
    midpoint_err = midpoint_interp_val - midpoint_val
    bias = round_half_away(midpoint_err / f32(2))
    lut = np.empty(nb_steps + 1, dtype=np.int16)
    lut[:nb_steps] = np.clip(sample_val - bias, -32768, 32767).astype(np.int16)
    last = round_half_away(np.asarray(transform(np.array([input_max], dtype=np.float32)),
                                      dtype=np.float32) * output_scaling_inv)
    lut[nb_steps] = np.int16(np.clip(last[0], -32768, 32767))
    return lut


def lut_lookup_int16(value: np.ndarray, lut: np.ndarray) -> np.ndarray:
    """``LUTLookup(int16, lut)``: linear interpolation between 512 base values; int64 result."""
    v = _i64(value)
    index = 256 + (v >> 7)
    offset = v & 0x7F
    table = lut.astype(np.int64)
    base = table[index]
    slope = ((table[index + 1] - base + 32768) & 0xFFFF) - 32768  # int16 wrap of the difference
    delta = (slope * offset + 64) >> 7
    return ((base + delta + 32768) & 0xFFFF) - 32768


# TFLM's sigmoid_table_uint16 (common.h): sigmoid(i/24) in Q0.16, shared by the int16 LOGISTIC and
# TANH kernels. The values are TFLM's exactly (they are not a plain rounding of the formula).
SIGMOID_TABLE_UINT16 = np.array([
    32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498, 40149, 40794, 41432, 42064, 42688,
    43304, 43912, 44511, 45102, 45683, 46255, 46817, 47369, 47911, 48443, 48964, 49475, 49975, 50464, 50942, 51409,
    51865, 52311, 52745, 53169, 53581, 53983, 54374, 54755, 55125, 55485, 55834, 56174, 56503, 56823, 57133, 57433,
    57724, 58007, 58280, 58544, 58800, 59048, 59288, 59519, 59743, 59959, 60168, 60370, 60565, 60753, 60935, 61110,
    61279, 61441, 61599, 61750, 61896, 62036, 62172, 62302, 62428, 62549, 62666, 62778, 62886, 62990, 63090, 63186,
    63279, 63368, 63454, 63536, 63615, 63691, 63765, 63835, 63903, 63968, 64030, 64090, 64148, 64204, 64257, 64308,
    64357, 64405, 64450, 64494, 64536, 64576, 64614, 64652, 64687, 64721, 64754, 64786, 64816, 64845, 64873, 64900,
    64926, 64950, 64974, 64997, 65019, 65039, 65060, 65079, 65097, 65115, 65132, 65149, 65164, 65179, 65194, 65208,
    65221, 65234, 65246, 65258, 65269, 65280, 65291, 65301, 65310, 65319, 65328, 65337, 65345, 65352, 65360, 65367,
    65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425, 65429, 65433, 65438, 65442, 65445, 65449,
    65453, 65456, 65459, 65462, 65465, 65468, 65471, 65474, 65476, 65479, 65481, 65483, 65485, 65488, 65489, 65491,
    65493, 65495, 65497, 65498, 65500, 65501, 65503, 65504, 65505, 65507, 65508, 65509, 65510, 65511, 65512, 65513,
    65514, 65515, 65516, 65517, 65517, 65518, 65519, 65520, 65520, 65521, 65522, 65522, 65523, 65523, 65524, 65524,
    65525, 65525, 65526, 65526, 65526, 65527, 65527, 65528, 65528, 65528, 65529, 65529, 65529, 65529, 65530, 65530,
    65530, 65530, 65531, 65531, 65531, 65531, 65531, 65532, 65532, 65532, 65532, 65532, 65532, 65533, 65533, 65533,
    65533, 65533, 65533, 65533, 65533, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65535,
], dtype=np.int64)
