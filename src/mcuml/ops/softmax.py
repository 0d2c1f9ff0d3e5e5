"""SOFTMAX over the last axis: int8->int8, int8->int16, int16->int16 and float32.

Ports ``tensorflow/lite/micro/kernels/softmax.cc`` / ``softmax_common.cc``
(``CalculateSoftmaxParams``, ``InitializeLutForInt16``) and ``reference/softmax.h``.

* int8 input: ``PreprocessSoftmaxScaling(beta, in_scale, 5)`` -> (multiplier, left_shift);
  ``diff_min = -CalculateInputRadius(5, left_shift)``. Per row: ``d = x - max``; for
  ``d >= diff_min`` ``exp_on_negative_values(MBQM_GreaterThanOne(d))`` (Q5.26 in, Q0.31 out),
  summed as Q12.19; ``GetReciprocal``; output ``RDBPOT(SRDHM(recip, e), nbou + 31 - bits) + min``.
  Output: int8 scale 1/256 zp -128, or int16 scale 1/65536 zp -32768.
* int16: input diff rescaled to [-65535, 0] (``QuantizeMultiplier(in_scale·beta / (10/65535))``),
  looked up in a 513-entry exp LUT, summed, normalized and looked up in a 1/(1+x) LUT (both from
  ``LUTPopulateInt16``, float32 arithmetic).
* float32: ``exp((x - max)·beta)`` in float32, divided by the row sum.

``d`` only takes 256 (int8) or 65536 (int16) values, so the per-element exp is a table in prepare.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.kernels import fixedpoint as fp
from mcuml.kernels.lstm import expf
from mcuml.kernels.quant import mbqm, mbqm_greater_than_one, quantize_multiplier, rdbpot, srdhm, wrap_int32
from mcuml.ops import Op, OpContext, register
from mcuml.ops._pointwise import io, option, require_quantized, require_types
from mcuml.ops._facts import F32, I8, I16, Persistent, fixed_output_refusal, opdata, type_refusal

SCALED_DIFF_INTEGER_BITS = 5
ACCUMULATION_INTEGER_BITS = 12


@dataclass(frozen=True, slots=True)
class SoftmaxParams:
    kind: str  # "int8" (int8 input, int8/int16 output), "int16", "float"
    beta: float = 1.0
    exp_table: np.ndarray | None = None  # exp value indexed by -(x - max)
    out_bits: int = 8
    out_min: int = -128
    out_max: int = 127
    one_over_one_plus_x_lut: np.ndarray | None = None


def preprocess_softmax_scaling(beta: float, input_scale: float, input_integer_bits: int) -> tuple[int, int]:
    """``PreprocessSoftmaxScaling`` (double rounding build): multiplier capped at 2^31 - 1."""
    real = min(beta * input_scale * float(1 << (31 - input_integer_bits)), float((1 << 31) - 1))
    return quantize_multiplier(real)


def require_scaling(ctx: OpContext, beta: float, input_scale: float, input_integer_bits: int) -> None:
    """TFLM aborts (``QuantizeMultiplierGreaterThanOne``: ``TFLITE_CHECK_GT(m, 1.)``) unless the scaled
    input multiplier exceeds 1, i.e. for tiny input scales (untrained graphs); refuse instead of crashing later."""
    real = beta * input_scale * float(1 << (31 - input_integer_bits))
    if not real > 1.0:
        ctx.invalid(f"input scale {input_scale:g} (beta {beta:g}) is too small: TFLM aborts in "
                 f"QuantizeMultiplierGreaterThanOne (beta*scale*2^{31 - input_integer_bits} = {real:g} <= 1)")


def int8_exp_table(beta: float, scale: float) -> np.ndarray:
    """Q0.31 exp of every diff in [-255, 0], 0 marks diffs below ``diff_min`` (they output the minimum)."""
    mult, left_shift = preprocess_softmax_scaling(beta, scale, SCALED_DIFF_INTEGER_BITS)
    diff_min = -int(np.floor(float((1 << SCALED_DIFF_INTEGER_BITS) - 1) * float(1 << (31 - SCALED_DIFF_INTEGER_BITS))
                             / 2.0 ** left_shift))
    d = -np.arange(256, dtype=np.int64)
    e = fp.exp_on_negative_values(mbqm_greater_than_one(d, mult, left_shift), SCALED_DIFF_INTEGER_BITS)
    return np.where(d >= diff_min, e, -1)  # exp is never negative, -1 flags "below diff_min"


def int16_tables(beta: float, scale: float) -> tuple[np.ndarray, np.ndarray]:
    rng = 65535
    exp_lut = fp.gen_lut(np.exp, float(np.float32(10.0) / np.float32(rng)), 32767,
                         float(np.float32(2.0) / np.float32(rng)), 0)
    recip_lut = fp.gen_lut(lambda v: np.float32(1) / (np.float32(1) + v), float(np.float32(1.0) / np.float32(rng)),
                           -32768, float(np.float32(2.0) / np.float32(rng)), 0)
    mult, shift = quantize_multiplier(float(scale) * beta / (10.0 / 65535.0))
    d = -np.arange(65536, dtype=np.int64)
    sym = np.clip(mbqm(d, mult, shift) + 32767, -32768, 32767)
    return fp.lut_lookup_int16(sym, exp_lut), recip_lut


@register("SOFTMAX")
class Softmax(Op):
    """Memory (softmax.cc, softmax_common.cc ``CalculateSoftmaxParams``; cmsis_nn/softmax.cc): OpData; int16
    adds the exp and 1/(1+x) LUTs, ``LUTSize<int16_t>()`` = 513 entries each."""

    tflm_arity = ((1,), 1, (0,), {}, 0)  # TFLM Prepare's tensor counts; ranks the arena model reads

    cmsis_nn = True

    def tflm_rejects(self, node: Operator, kernels: str = "reference") -> str | None:
        """softmax_common.cc CalculateSoftmaxParams: the quantized output's fixed scale and zero point."""
        fixed = {I8: (1 / 256, -128), I16: (1 / 65536, -32768)} if node.inputs[0].dtype == I8 else \
            {I16: (1 / 32768, 0)}
        return type_refusal(node, (F32, I8, I16)) or fixed_output_refusal(node, fixed)

    def persistent(self, node: Operator, target: str = "host", kernels: str = "reference") -> Persistent:
        base = opdata(node.name, target, kernels, True)
        if node.inputs[0].dtype == I16:
            return Persistent(base.init, (2 * 513,) * 2)
        return base

    def prepare(self, node: Operator, ctx: OpContext) -> SoftmaxParams:
        (x,), (y,) = io(node, ctx, 1)
        require_types(ctx, x, (DType.float32, DType.int8, DType.int16))
        if len(x.shape) < 1:
            ctx.invalid("SOFTMAX needs an input of rank >= 1")  # softmax_common.cc
        if tuple(x.shape) != tuple(y.shape):
            ctx.shape_error(f"output shape {list(y.shape)} differs from input shape {list(x.shape)}")
        beta = float(np.float32(option(node, "beta", 1.0)))
        if x.dtype == DType.float32:
            require_types(ctx, y, (DType.float32,))
            return SoftmaxParams("float", beta)
        require_quantized(ctx, x, y, tflm_checks=True)  # softmax_common.cc
        if x.dtype == DType.int16:
            require_types(ctx, y, (DType.int16,))
            if x.zero_point != 0 or y.zero_point != 0:
                ctx.fail("int16 SOFTMAX needs zero points of 0")
            if abs(np.float32(y.scale) - np.float32(1 / 32768)) > np.float32(0.001 / 32768):
                ctx.fail(f"int16 SOFTMAX output scale must be 1/32768, got {y.scale:g}")
            exp_table, recip = int16_tables(beta, x.scale)
            return SoftmaxParams("int16", beta, exp_table, 16, 0, 32767, recip)
        require_types(ctx, y, (DType.int8, DType.int16))
        if y.dtype == DType.int16:
            if y.zero_point != -32768 or abs(np.float32(y.scale) - np.float32(1 / 65536)) > np.float32(0.001 / 65536):
                ctx.fail("int8->int16 SOFTMAX output needs scale 1/65536 and zero point -32768")
            bits, lo, hi = 16, -32768, 32767
        else:
            if y.zero_point != -128 or np.float32(y.scale) != np.float32(1 / 256):
                ctx.invalid("int8 SOFTMAX output needs scale exactly 1/256 and zero point -128")
            bits, lo, hi = 8, -128, 127
        require_scaling(ctx, beta, x.scale, SCALED_DIFF_INTEGER_BITS)
        return SoftmaxParams("int8", beta, int8_exp_table(beta, x.scale), bits, lo, hi)

    def eval(self, p: SoftmaxParams, inputs, outputs) -> None:
        x = inputs[0]
        if p.kind == "float":
            xf = x.astype(np.float32)
            e = expf((xf - xf.max(axis=-1, keepdims=True)) * np.float32(p.beta))  # libm's expf, as TFLM's std::exp
            # TFLM sums left to right in float32: cumsum is sequential (sum() is pairwise)
            outputs[0][...] = e / np.cumsum(e, axis=-1, dtype=np.float32)[..., -1:]
            return
        xi = x.astype(np.int32)
        neg_diff = xi.max(axis=-1, keepdims=True) - xi
        e = p.exp_table[neg_diff]
        if p.kind == "int16":
            _softmax_int16(p, e, outputs[0])
            return
        valid = e >= 0
        e = np.where(valid, e, 0)
        sum_of_exps = wrap_int32(rdbpot(e, ACCUMULATION_INTEGER_BITS).sum(axis=-1, keepdims=True))
        recip, num_bits_over_unit = fp.get_reciprocal(sum_of_exps, ACCUMULATION_INTEGER_BITS)
        exponent = num_bits_over_unit + 31 - p.out_bits
        out = rdbpot(srdhm(recip, e), exponent) + p.out_min
        outputs[0][...] = np.where(valid, np.clip(out, p.out_min, p.out_max), p.out_min)


def _softmax_int16(p: SoftmaxParams, e: np.ndarray, out: np.ndarray) -> None:
    sum_of_exps = e.sum(axis=-1, keepdims=True)
    headroom_plus_one = fp.clz32(sum_of_exps)
    shifted_sum = ((sum_of_exps << (headroom_plus_one - 1)) + (1 << 13)) >> 14
    sym = np.clip(shifted_sum - ((1 << 15) + (1 << 16)), -32768, 32767)
    recip = fp.lut_lookup_int16(sym, p.one_over_one_plus_x_lut)
    right_shift = 31 - headroom_plus_one
    result = (e * recip + (np.int64(1) << (right_shift - 1))) >> right_shift
    out[...] = np.clip(result, 0, 32767)
