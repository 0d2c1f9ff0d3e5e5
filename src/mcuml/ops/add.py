"""ADD: element-wise sum with broadcasting (up to 6-D) and a fused activation.

Ports ``tensorflow/lite/micro/kernels/add.cc`` + ``add_common.cc`` (``CalculateOpDataAdd``) and
``reference/integer_ops/add.h`` (``AddFunc``) / ``reference/add.h`` (int16 ``AddGeneralParamScale``,
float/int32 ``Add``). Quantized: both inputs are scaled to a common ``2 * max(s1, s2)`` scale with
``left_shift`` = 20 (int8) or 15 (int16) bits of headroom, summed, then requantized; all three
multipliers are below one (``MultiplyByQuantizedMultiplierSmallerThanOneExp``). TFLM always takes
the general-scale int16 path (``pot_scale_int16`` is ignored). int32 ADD wraps and has no clamp.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator, Tensor
from mcuml.kernels.quant import quantize_multiplier, ratio, rdbpot, srdhm, wrap_int32
from mcuml.ops import OpContext, register
from mcuml.ops._pointwise import (BinaryOp, BinaryParams, binary_params, float_activation_range, fused_activation,
                                  io, quant_activation_range, require_quantized, require_types)

TYPES = (DType.float32, DType.int32, DType.int8, DType.int16)


@dataclass(frozen=True, slots=True)
class QuantAddParams:
    """TFLM ``OpDataAdd`` (quantized part); ``sign`` is -1 for SUB."""

    left_shift: int
    input1_offset: int
    input1_multiplier: int
    input1_shift: int
    input2_offset: int
    input2_multiplier: int
    input2_shift: int
    output_offset: int
    output_multiplier: int
    output_shift: int
    output_activation_min: int
    output_activation_max: int
    sign: int = 1


def smaller_than_one(ctx: OpContext, real: float, what: str) -> tuple[int, int]:
    """``QuantizeMultiplierSmallerThanOneExp``: TFLM aborts unless 0 < real < 1."""
    if not 0.0 < real < 1.0:
        ctx.invalid(f"{what} multiplier {real:g} is outside (0, 1); TFLM aborts on these scales")
    return quantize_multiplier(real)


def quant_add_sub(p: QuantAddParams, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``AddFunc`` / the quantized SUB lambda on int64 operands."""
    sa = (a.astype(np.int64) + p.input1_offset) << p.left_shift
    sb = (b.astype(np.int64) + p.input2_offset) << p.left_shift
    sa = rdbpot(srdhm(sa, p.input1_multiplier), -p.input1_shift)
    sb = rdbpot(srdhm(sb, p.input2_multiplier), -p.input2_shift)
    raw = wrap_int32(sa + p.sign * sb)
    out = rdbpot(srdhm(raw, p.output_multiplier), -p.output_shift) + p.output_offset
    return np.clip(out, p.output_activation_min, p.output_activation_max)


def float_op(op, lo: np.float32, hi: np.float32, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    r = op(a.astype(np.float32), b.astype(np.float32))
    return np.minimum(np.maximum(r, lo), hi)


def int32_op(op, lo: int, hi: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.clip(wrap_int32(op(a.astype(np.int64), b.astype(np.int64))), lo, hi)


def check_binary_types(ctx: OpContext, x1: Tensor, x2: Tensor, y: Tensor, types) -> None:
    require_types(ctx, y, types)
    for t in (x1, x2):
        if t.dtype != y.dtype:
            ctx.fail(f"input {t.name!r} is {t.dtype.name} but the output is {y.dtype.name}")


@register("ADD")
class Add(BinaryOp):
    cmsis_nn = True  # kernels/cmsis_nn/ has it

    tflm_types = frozenset({DType.float32, DType.int8, DType.int16, DType.int32})

    def prepare(self, node: Operator, ctx: OpContext) -> BinaryParams:
        (x1, x2), (y,) = io(node, ctx, 2)
        check_binary_types(ctx, x1, x2, y, TYPES)
        act = fused_activation(node)
        if y.dtype == DType.float32:
            lo, hi = float_activation_range(act)
            return binary_params(ctx, x1, x2, y, partial(float_op, np.add, lo, hi))
        if y.dtype == DType.int32:
            if any(t.quantization is not None and t.quantization.scale for t in (x1, x2)):
                ctx.fail("only un-quantized int32 ADD is supported (as in TFLM)")
            return binary_params(ctx, x1, x2, y, partial(int32_op, np.add, -(1 << 31), (1 << 31) - 1))
        require_quantized(ctx, x1, x2, y, tflm_checks=True)  # add_common.cc
        p = quant_params_add(ctx, x1, x2, y, act)
        return binary_params(ctx, x1, x2, y, partial(quant_add_sub, p),
                             lut_dtype=np.int8 if y.dtype == DType.int8 else None)


def quant_params_add(ctx: OpContext, x1: Tensor, x2: Tensor, y: Tensor, act: int) -> QuantAddParams:
    """``CalculateOpDataAdd``: the scale arithmetic in double."""
    left_shift = 15 if y.dtype == DType.int16 else 20
    twice_max = 2.0 * float(max(np.float32(x1.scale), np.float32(x2.scale)))
    m1, s1 = smaller_than_one(ctx, ratio(x1.scale, twice_max), "input1")
    m2, s2 = smaller_than_one(ctx, ratio(x2.scale, twice_max), "input2")
    mo, so = smaller_than_one(ctx, ratio(twice_max, (1 << left_shift) * float(y.scale)), "output")
    lo, hi = quant_activation_range(act, y)
    return QuantAddParams(left_shift, -x1.zero_point, m1, s1, -x2.zero_point, m2, s2, y.zero_point, mo, so, lo, hi)
