"""HARD_SWISH: int8 and float32.

Ports ``tensorflow/lite/micro/kernels/hard_swish.cc`` / ``hard_swish_common.cc``
(``HardSwishPrepare``) and ``reference/hard_swish.h``. The int8 kernel works in int16 fixed point:
the input moves to a 2^-7-finer "hires" scale, a "reluish" gate ``relu6(x + 3) / 6`` is formed at
scale 3/32768 with saturating shifts, and the product is rescaled with an int16 multiplier
(``DownScaleInt32ToInt16Multiplier``). Every int16 wrap and saturation of the C++ is reproduced;
the kernel is evaluated once on the 256 int8 inputs in prepare. Float:
``x * min(6, max(0, x + 3)) / 6`` in float32.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.kernels.quant import quantize_multiplier, rdbpot, sdhm16, srdhm16, wrap_int16
from mcuml.ops import OpContext, register
from mcuml.ops._pointwise import UnaryOp, UnaryParams, require_quantized, unary_params
from mcuml.ops._unary import unary_io
from mcuml.ops._facts import F32, I8, type_refusal


def _sat16(x: np.ndarray) -> np.ndarray:
    return np.clip(x, -32768, 32767)


def downscale_int32_to_int16_multiplier(m: int) -> int:
    if m >= (1 << 31) - 1 - (1 << 15):
        return 32767
    return (m + (1 << 15)) >> 16


def hard_swish_int8(in_zp: int, out_zp: int, out_mult16: int, out_exp: int, relu_mult16: int, relu_exp: int,
                    x: np.ndarray) -> np.ndarray:
    input_value = wrap_int16(x.astype(np.int64) - in_zp)
    hires = wrap_int16(input_value * 128)
    preshift_out_scale = srdhm16(hires, out_mult16)
    reluish = hires
    if relu_exp > 0:
        reluish = _sat16(reluish * (1 << (relu_exp - 1)))
    reluish = srdhm16(reluish, relu_mult16)
    if relu_exp > 0:
        reluish = _sat16(reluish * 2)
    if relu_exp < 0:
        reluish = rdbpot(reluish, -relu_exp)
    reluish = wrap_int16((reluish + (1 << 15)) >> 1)
    preshift_output = sdhm16(reluish, preshift_out_scale)
    out = wrap_int16(rdbpot(preshift_output, -out_exp) + out_zp)
    return np.clip(out, -128, 127)


def hard_swish_float(x: np.ndarray) -> np.ndarray:
    x = x.astype(np.float32)
    return x * np.minimum(np.float32(6), np.maximum(np.float32(0), x + np.float32(3))) / np.float32(6)


@register("HARD_SWISH")
class HardSwish(UnaryOp):
    def tflm_rejects(self, node: Operator, kernels: str = "reference") -> str | None:
        return type_refusal(node, (F32, I8))

    def prepare(self, node: Operator, ctx: OpContext) -> UnaryParams:
        x, y = unary_io(node, ctx, (DType.float32, DType.int8), same_size=True)
        if x.dtype == DType.float32:
            return unary_params(hard_swish_float, x.dtype, y.dtype)
        require_quantized(ctx, x, y)
        hires_input_scale = np.float32(1.0 / 128.0) * np.float32(x.scale)
        reluish_scale = np.float32(3.0) / np.float32(32768.0)
        out_m, out_exp = quantize_multiplier(float(hires_input_scale / np.float32(y.scale)))
        if out_exp > 0:
            ctx.fail("output scale too small for TFLM's int8 HARD_SWISH (output multiplier exponent > 0)")
        relu_m, relu_exp = quantize_multiplier(float(hires_input_scale / reluish_scale))
        fn = partial(hard_swish_int8, x.zero_point, y.zero_point, downscale_int32_to_int16_multiplier(out_m), out_exp,
                     downscale_int32_to_int16_multiplier(relu_m), relu_exp)
        return unary_params(fn, x.dtype, y.dtype)
