"""QUANTIZE: float -> int8/int16 (``AffineQuantize``) and integer requantization.

Ports ``tensorflow/lite/micro/kernels/quantize.cc`` / ``quantize_common.cc``
(``PrepareQuantizeReference``, ``EvalQuantizeReference``), ``reference/quantize.h``
(``AffineQuantize``) and ``reference/requantize.h`` (``Requantize``).

* float32 -> int8/int16: ``clamp(zp + (int32)round(x / (float)scale))``; the division is float32
  and ``round`` is half away from zero. A float that does not fit int32 converts to INT32_MIN
  (x86 ``cvttss2si``) before the zero point is added, as in the wheel.
* integer -> integer: ``(m, s) = QuantizeMultiplier(in_scale / out_scale)`` in double, then
  ``clamp(MBQM(x - zp_in, m, s) + zp_out)``. TFLM's int8<->uint8 XOR shortcut gives the same
  values as the general formula, so it needs no special case.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.kernels.quant import mbqm, quantize_multiplier, round_half_away, type_range, wrap_int32
from mcuml.ops import OpContext, register
from mcuml.ops._pointwise import UnaryOp, UnaryParams, io, require_quantized, unary_params
from mcuml.ops._facts import dt_name

# (input, output) pairs EvalQuantizeReference handles
SUPPORTED = {
    (DType.float32, DType.int8), (DType.float32, DType.int16),
    (DType.int32, DType.int8), (DType.int32, DType.int16),
    (DType.int16, DType.int8), (DType.int16, DType.int16), (DType.int16, DType.int32),
    (DType.int8, DType.int8), (DType.int8, DType.uint8), (DType.int8, DType.int16), (DType.int8, DType.int32),
    (DType.uint8, DType.int8),
}


@dataclass(frozen=True, slots=True)
class AffineQuantizeParams:
    scale: np.float32
    zero_point: int
    qmin: int
    qmax: int


@dataclass(frozen=True, slots=True)
class RequantizeParams:
    requantize_output_multiplier: int
    requantize_output_shift: int
    input_zero_point: int
    output_zero_point: int
    qmin: int
    qmax: int


def float_to_int32(r: np.ndarray) -> np.ndarray:
    """C's ``static_cast<int32_t>(float)`` as compiled for x86: out-of-range and NaN give INT32_MIN."""
    r = np.asarray(r, dtype=np.float64)
    ok = (r > -2147483649.0) & (r < 2147483648.0)
    return np.where(ok, np.nan_to_num(r, nan=0.0), -2147483648.0).astype(np.int64)


def affine_quantize(p: AffineQuantizeParams, x: np.ndarray) -> np.ndarray:
    r = round_half_away(np.asarray(x, dtype=np.float32) / p.scale)
    return np.clip(wrap_int32(float_to_int32(r) + p.zero_point), p.qmin, p.qmax)


def requantize(p: RequantizeParams, x: np.ndarray) -> np.ndarray:
    centered = wrap_int32(x.astype(np.int64) - p.input_zero_point)
    out = wrap_int32(mbqm(centered, p.requantize_output_multiplier, p.requantize_output_shift) + p.output_zero_point)
    return np.clip(out, p.qmin, p.qmax)


@register("QUANTIZE")
class Quantize(UnaryOp):
    type_boundary = True  # converts types: never "float inside an int8 model"

    tflm_types = frozenset({DType.float32, DType.int8, DType.int16, DType.int32, DType.uint8})

    # quantize_common.cc PrepareQuantizeReference / EvalQuantizeReference: (input, output) pairs
    _PAIRS = {DType.float32: (DType.int8, DType.int16), DType.int32: (DType.int8, DType.int16),
              DType.int16: (DType.int8, DType.int16, DType.int32),
              DType.int8: (DType.int8, DType.uint8, DType.int16, DType.int32), DType.uint8: (DType.int8,)}

    def tflm_rejects(self, node: Operator, kernels: str = "reference") -> str | None:
        x, y = node.inputs[0], node.outputs[0]
        if y.quantization is None or len(y.quantization.scale) == 0:
            return "output is not quantized: \"output->quantization.type != kTfLiteAffineQuantization\""
        outs = self._PAIRS.get(x.dtype)
        if outs is None or y.dtype not in outs:
            return f"\"Input {dt_name(x).upper()}, output {dt_name(y).upper()} not supported.\""
        return None

    def prepare(self, node: Operator, ctx: OpContext) -> UnaryParams:
        (x,), (y,) = io(node, ctx, 1)
        if (x.dtype, y.dtype) not in SUPPORTED:
            ctx.fail(f"QUANTIZE from {x.dtype.name} to {y.dtype.name} is not supported by TFLM")
        require_quantized(ctx, y, tflm_checks=True)  # quantize_common.cc
        if len(y.quantization.scale) != 1:
            ctx.fail("QUANTIZE supports only per-tensor output quantization")
        if x.size != y.size:
            ctx.shape_error(f"input has {x.size} elements, output {y.size}")
        qmin, qmax = type_range(y.dtype.numpy)
        if x.dtype == DType.float32:
            p = AffineQuantizeParams(np.float32(y.scale), y.zero_point, qmin, qmax)
            return unary_params(partial(affine_quantize, p), x.dtype, y.dtype)
        require_quantized(ctx, x)
        m, s = quantize_multiplier(float(x.scale) / float(y.scale))
        rp = RequantizeParams(m, s, x.zero_point, y.zero_point, qmin, qmax)
        return unary_params(partial(requantize, rp), x.dtype, y.dtype)
