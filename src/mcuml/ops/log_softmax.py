"""LOG_SOFTMAX over the last axis: int8 and float32.

Ports ``tensorflow/lite/micro/kernels/log_softmax.cc`` (``CalculateOpData``),
``reference/log_softmax.h`` (``LogSoftmaxQuantized``, float ``LogSoftmax``) and, from
``internal/common.h``, ``log_x_for_x_greater_than_or_equal_to_1_impl``.

* int8: output scale must be exactly 16/256 and zero point 127 (TFLM rejects anything else).
  ``PreprocessLogSoftmaxScalingExp(beta=1, in_scale, 5)`` gives (input_multiplier,
  input_left_shift) and the reverse_scaling_divisor/shift; ``diff_min = -CalculateInputRadius``.
  Per row: ``sum_of_exps`` (Q12.19) of ``exp_on_negative_values(MBQM(d))`` over ``d >= diff_min``;
  ``log_sum`` (Q5.26) = log of it; elements with ``d > max(diff_min - 1, MBQM(log_sum + INT32_MIN,
  reverse_scaling_divisor, -reverse_scaling_right_shift))`` output
  ``RDBPOT(MBQM(d) - log_sum, 22) + 127`` clamped, the others -128.
* float32: ``x - max - log(sum(exp(x - max)))`` in float32.

``d = x - max`` only takes 256 values, so MBQM(d) and its exp are tables built in prepare; the
logarithm runs once per row, vectorized over rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.kernels import fixedpoint as fp
from mcuml.kernels.lstm import expf, logf
from mcuml.kernels.quant import INT32_MAX, INT32_MIN, mbqm, quantize_multiplier, srdhm, wrap_int32
from mcuml.kernels.quant import rdbpot_scalar as _rdbpot
from mcuml.kernels.quant import srdhm_scalar as _srdhm
from mcuml.kernels.quant import wrap_int32_scalar as _wrap
from mcuml.ops import Op, OpContext, register
from mcuml.ops._pointwise import require_quantized
from mcuml.ops._unary import unary_io
from mcuml.ops.softmax import preprocess_softmax_scaling
from mcuml.ops._facts import I8, Persistent, fixed_output_refusal, opdata, table

INPUT_INTEGER_BITS = 5
ACCUMULATION_INTEGER_BITS = 12
OUTPUT_INTEGER_BITS = 4
OUTPUT_SCALE = np.float32(16.0 / 256)
OUTPUT_ZERO_POINT = 127


@dataclass(frozen=True, slots=True)
class LogSoftmaxParams:
    kind: str  # "int8" or "float"
    diff_in_q5: np.ndarray | None = None  # MBQM(d, input_multiplier, input_left_shift) indexed by -d
    exp_in_q12: np.ndarray | None = None  # Rescale<12>(exp(diff_in_q5)), 0 where d < diff_min
    diff_min: int = 0
    reverse_scaling_divisor: int = 0
    reverse_scaling_left_shift: int = 0  # MBQM shift (<= 0), i.e. -reverse_scaling_right_shift


def _sat_shift_left(x: np.ndarray, exponent: np.ndarray | int) -> np.ndarray:
    """``SaturatingRoundingMultiplyByPOTParam`` for exponents >= 0 (a per-element exponent)."""
    x = np.asarray(x, dtype=np.int64)
    e = np.asarray(exponent, dtype=np.int64)
    threshold = (np.int64(1) << (31 - e)) - 1
    shifted = x << e
    return np.where(e == 0, x, np.where(x > threshold, INT32_MAX, np.where(x < -threshold, INT32_MIN, shifted)))


def _sat_add(a: np.ndarray, b: np.ndarray | int) -> np.ndarray:
    return np.clip(np.asarray(a, dtype=np.int64) + b, INT32_MIN, INT32_MAX)


def log_x_for_x_ge_1(x: np.ndarray, input_integer_bits: int, output_integer_bits: int) -> np.ndarray:
    """``log_x_for_x_greater_than_or_equal_to_1_impl``: raw Q(in) >= 1 -> raw Q(out) of its log."""
    accum_bits = output_integer_bits + 1
    log_2, sqrt_sqrt_half, sqrt_half, one_quarter = 1488522236, 1805811301, 1518500250, 536870912
    alpha_n, alpha_d, alpha_i, alpha_f = 117049297, 127690142, 1057819769, 638450708
    shifted_quarter = fp.rescale(one_quarter, 0, accum_bits)

    z_a = np.asarray(x, dtype=np.int64)
    z_a_headroom_plus_1 = fp.clz32(z_a)
    r_a_tmp = _sat_shift_left(z_a, z_a_headroom_plus_1 - 1)
    r_a_raw = _sat_shift_left(srdhm(r_a_tmp, sqrt_half), 1)
    z_a_pow_2_adj = _sat_add(_sat_shift_left(input_integer_bits - z_a_headroom_plus_1, 31 - accum_bits),
                             shifted_quarter)
    z_b = srdhm(z_a, sqrt_half)
    z_b_headroom = fp.clz32(z_b) - 1
    r_b_raw = _sat_shift_left(z_a, z_b_headroom)
    z_b_pow_2_adj = _sat_add(_sat_shift_left(input_integer_bits - z_b_headroom, 31 - accum_bits),
                             -shifted_quarter)
    r = np.minimum(r_a_raw, r_b_raw)
    z_pow_2_adj = np.maximum(z_a_pow_2_adj, z_b_pow_2_adj)

    p = fp.rounding_half_sum(r, sqrt_sqrt_half)
    q = wrap_int32(r - sqrt_sqrt_half)
    q = wrap_int32(q + q)
    common_sq = srdhm(q, q)
    num = wrap_int32(srdhm(q, r) + srdhm(srdhm(q, common_sq), alpha_n))
    denom_minus_one_0 = wrap_int32(
        srdhm(p, wrap_int32(wrap_int32(alpha_i + q) + srdhm(alpha_d, common_sq))) + srdhm(alpha_f, q))
    recip_denom = fp.one_over_one_plus_x_for_x_in_0_1(denom_minus_one_0)
    num_scaled = fp.rescale(num, 0, accum_bits)
    total = wrap_int32(srdhm(z_pow_2_adj, log_2) + srdhm(num_scaled, recip_denom))
    return fp.rescale(total, accum_bits, output_integer_bits)


# --- the same logarithm on Python ints, for a few rows (numpy's per-call cost dominates there) ---

def _sat_shl(x: int, e: int) -> int:
    if e == 0:
        return x
    threshold = (1 << (31 - e)) - 1
    return INT32_MAX if x > threshold else INT32_MIN if x < -threshold else x << e


def _rescale(x: int, src_bits: int, dst_bits: int) -> int:
    e = src_bits - dst_bits
    return _rdbpot(x, -e) if e < 0 else _sat_shl(x, e)


def _clz32(x: int) -> int:
    return 32 - (x & 0xFFFFFFFF).bit_length()


def _half_sum(a: int, b: int) -> int:
    s = a + b
    s += 1 if s >= 0 else -1
    return s >> 1 if s >= 0 else -((-s) >> 1)


def _one_over_one_plus_x(a: int) -> int:
    half_denominator = _half_sum(a, INT32_MAX)
    x = _wrap(1515870810 + _srdhm(half_denominator, -1010580540))
    for _ in range(3):
        one_minus = _wrap((1 << 29) - _srdhm(half_denominator, x))
        x = _wrap(x + _rescale(_srdhm(x, one_minus), 4, 2))
    return _rescale(x, 1, 0)


def log_x_for_x_ge_1_scalar(z_a: int, input_integer_bits: int, output_integer_bits: int) -> int:
    """:func:`log_x_for_x_ge_1` for one value (tested equal on random and edge inputs)."""
    accum_bits = output_integer_bits + 1
    log_2, sqrt_sqrt_half, sqrt_half, one_quarter = 1488522236, 1805811301, 1518500250, 536870912
    alpha_n, alpha_d, alpha_i, alpha_f = 117049297, 127690142, 1057819769, 638450708
    shifted_quarter = _rescale(one_quarter, 0, accum_bits)
    z_a_headroom_plus_1 = _clz32(z_a)
    r_a_raw = _sat_shl(_srdhm(_sat_shl(z_a, z_a_headroom_plus_1 - 1), sqrt_half), 1)
    z_a_pow_2_adj = min(max(_sat_shl(input_integer_bits - z_a_headroom_plus_1, 31 - accum_bits) + shifted_quarter,
                            INT32_MIN), INT32_MAX)
    z_b_headroom = _clz32(_srdhm(z_a, sqrt_half)) - 1
    r_b_raw = _sat_shl(z_a, z_b_headroom)
    z_b_pow_2_adj = min(max(_sat_shl(input_integer_bits - z_b_headroom, 31 - accum_bits) - shifted_quarter,
                            INT32_MIN), INT32_MAX)
    r = min(r_a_raw, r_b_raw)
    z_pow_2_adj = max(z_a_pow_2_adj, z_b_pow_2_adj)
    p = _half_sum(r, sqrt_sqrt_half)
    q = _wrap(r - sqrt_sqrt_half)
    q = _wrap(q + q)
    common_sq = _srdhm(q, q)
    num = _wrap(_srdhm(q, r) + _srdhm(_srdhm(q, common_sq), alpha_n))
    denom_minus_one_0 = _wrap(_srdhm(p, _wrap(_wrap(alpha_i + q) + _srdhm(alpha_d, common_sq))) + _srdhm(alpha_f, q))
    recip_denom = _one_over_one_plus_x(denom_minus_one_0)
    total = _wrap(_srdhm(z_pow_2_adj, log_2) + _srdhm(_rescale(num, 0, accum_bits), recip_denom))
    return _rescale(total, accum_bits, output_integer_bits)


SCALAR_ROWS = 8  # up to this many rows the Python-int logarithm is faster than the vectorized one


def calculate_input_radius(input_integer_bits: int, input_left_shift: int, total_signed_bits: int = 31) -> int:
    """``CalculateInputRadius`` (double arithmetic, floored)."""
    max_input_rescaled = (1.0 * ((1 << input_integer_bits) - 1) * float(1 << (total_signed_bits - input_integer_bits))
                          / float(1 << input_left_shift))
    return int(math.floor(max_input_rescaled))


@register("LOG_SOFTMAX")
class LogSoftmax(Op):

    tflm_arity = ((1,), 1, (0,), {}, 0)  # TFLM Prepare's tensor counts; ranks the arena model reads
    tflm_types = frozenset({DType.float32, DType.int8})

    def tflm_rejects(self, node: Operator, kernels: str = "reference") -> str | None:
        """log_softmax.cc Prepare: int8 output scale 16/256, zero point 127."""
        return super().tflm_rejects(node, kernels) or fixed_output_refusal(node, {I8: (16 / 256, 127)})

    def persistent(self, node: Operator, target: str = "host", kernels: str = "reference") -> Persistent:
        """log_softmax.cc: int8 allocates its ``LogSoftmaxOpData`` in Prepare (float allocates nothing)."""
        base = opdata(node.name, target, kernels)
        n = table(target)["opdata_prepare"].get(node.name, 0)
        if node.inputs[0].dtype == I8 and n:
            return Persistent(base.init, (n,))
        return base

    def prepare(self, node: Operator, ctx: OpContext) -> LogSoftmaxParams:
        x, y = unary_io(node, ctx, (DType.float32, DType.int8))
        if len(x.shape) < 1:
            ctx.shape_error("LOG_SOFTMAX needs an input of rank >= 1")
        if tuple(x.shape) != tuple(y.shape):
            ctx.shape_error(f"output shape {list(y.shape)} differs from input shape {list(x.shape)}")
        if x.dtype == DType.float32:
            return LogSoftmaxParams("float")
        require_quantized(ctx, x, y)
        if np.float32(y.scale) != OUTPUT_SCALE or y.zero_point != OUTPUT_ZERO_POINT:
            ctx.fail("int8 LOG_SOFTMAX output needs scale exactly 16/256 and zero point 127")
        in_scale = float(np.float32(x.scale))
        if not in_scale * float(1 << (31 - INPUT_INTEGER_BITS)) > 1.0:
            ctx.fail(f"input scale {in_scale:g} is too small for TFLM's LOG_SOFTMAX")
        input_multiplier, input_left_shift = preprocess_softmax_scaling(1.0, in_scale, INPUT_INTEGER_BITS)
        real_reverse = float(1 << (31 - input_left_shift)) / float(input_multiplier)
        if not 0.0 < real_reverse < 1.0:
            ctx.fail(f"reverse scaling divisor {real_reverse:g} is outside (0, 1)")
        reverse_divisor, reverse_left_shift = quantize_multiplier(real_reverse)
        diff_min = -calculate_input_radius(INPUT_INTEGER_BITS, input_left_shift)
        d = -np.arange(256, dtype=np.int64)
        diff_in_q5 = mbqm(d, input_multiplier, input_left_shift)
        exp_q0 = fp.exp_on_negative_values(diff_in_q5, INPUT_INTEGER_BITS)
        exp_in_q12 = np.where(d >= diff_min, fp.rescale(exp_q0, 0, ACCUMULATION_INTEGER_BITS), 0)
        # int32 tables: the C++ arithmetic on them is int32, and half the memory traffic of int64
        return LogSoftmaxParams("int8", diff_in_q5.astype(np.int32), exp_in_q12.astype(np.int32), diff_min,
                                reverse_divisor, reverse_left_shift)

    def eval(self, p: LogSoftmaxParams, inputs, outputs) -> None:
        x = inputs[0]
        if p.kind == "float":
            xf = x.astype(np.float32)
            shifted = xf - xf.max(axis=-1, keepdims=True)
            # TFLM sums left to right in float32; cumsum is sequential (sum() is pairwise); libm's expf/logf
            log_sum = logf(np.cumsum(expf(shifted), axis=-1, dtype=np.float32)[..., -1:])
            outputs[0][...] = shifted - log_sum
            return
        xi = x.astype(np.int32)
        neg_diff = xi.max(axis=-1, keepdims=True) - xi
        sum_of_exps = wrap_int32(p.exp_in_q12[neg_diff].sum(axis=-1, keepdims=True, dtype=np.int64))
        if sum_of_exps.size <= SCALAR_ROWS:
            logs, mins = [], []
            for v in sum_of_exps.ravel().tolist():
                log_sum = log_x_for_x_ge_1_scalar(v, ACCUMULATION_INTEGER_BITS, INPUT_INTEGER_BITS)
                rescaled = _rdbpot(_srdhm(_wrap(log_sum + INT32_MIN), p.reverse_scaling_divisor),
                                   -p.reverse_scaling_left_shift)
                logs.append(log_sum)
                mins.append(max(p.diff_min - 1, rescaled))
            log_sum = np.array(logs, dtype=np.int32).reshape(sum_of_exps.shape)
            adjusted_diff_min = np.array(mins, dtype=np.int64).reshape(sum_of_exps.shape)
        else:
            log_sum = log_x_for_x_ge_1(sum_of_exps, ACCUMULATION_INTEGER_BITS, INPUT_INTEGER_BITS).astype(np.int32)
            adjusted_diff_min = np.maximum(p.diff_min - 1, mbqm(wrap_int32(log_sum + INT32_MIN),
                                                                p.reverse_scaling_divisor, p.reverse_scaling_left_shift))
        v = p.diff_in_q5[neg_diff] - log_sum  # int32, wraps like the C++ (only masked-out elements can)
        exponent = 31 - INPUT_INTEGER_BITS - OUTPUT_INTEGER_BITS
        out = ((v + ((1 << (exponent - 1)) - (v < 0))) >> exponent) + 127  # RDBPOT, half away from zero
        out = np.minimum(np.maximum(out, -128), 127)
        outputs[0][...] = np.where(neg_diff < -adjusted_diff_min, out, -128)
