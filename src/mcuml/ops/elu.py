"""ELU: ``x < 0 ? exp(x) - 1 : x`` for float32 and int8.

Ports ``tensorflow/lite/micro/kernels/elu.cc`` (``PopulateLookupTable``) and ``reference/elu.h``.
int8 is TFLM's own 256-entry table built in float32: ``dequantized = s_in * (v - zp_in)``,
``transformed = expf(dequantized) - 1`` (negative values only), ``round(transformed * (1 / s_out))``
half away from zero, ``+ zp_out``, truncated to int32 and clamped. ``expf`` is taken as the float32
rounding of the double ``exp`` (glibc's expf is correctly rounded). float32 uses ``expm1``.
"""

from __future__ import annotations

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.kernels.quant import round_half_away
from mcuml.ops import OpContext, register
from mcuml.ops._pointwise import INT8_VALUES, UnaryOp, UnaryParams, require_quantized, unary_params
from mcuml.ops._unary import unary_io


def elu_table(in_scale: float, in_zp: int, out_scale: float, out_zp: int) -> np.ndarray:
    f32 = np.float32
    inverse_scale = f32(1) / f32(out_scale)
    dequantized = f32(in_scale) * (INT8_VALUES.astype(np.int32) - in_zp).astype(np.float32)
    expf = np.exp(np.minimum(dequantized, 0).astype(np.float64)).astype(np.float32)
    transformed = np.where(dequantized < f32(0), expf - f32(1), dequantized)
    rescaled = round_half_away(transformed * inverse_scale)
    quantized = np.trunc(rescaled + f32(out_zp)).astype(np.int64)
    return np.clip(quantized, -128, 127).astype(np.int8)


def _elu_float(x: np.ndarray) -> np.ndarray:
    x = x.astype(np.float32)
    return np.where(x < 0, np.expm1(np.minimum(x, 0)), x)


@register("ELU")
class Elu(UnaryOp):
    tflm_types = frozenset({DType.float32, DType.int8})

    def prepare(self, node: Operator, ctx: OpContext) -> UnaryParams:
        x, y = unary_io(node, ctx, (DType.float32, DType.int8), same_size=True)
        if x.dtype == DType.float32:
            return unary_params(_elu_float, x.dtype, y.dtype)
        require_quantized(ctx, x, y)
        table = elu_table(float(x.scale), x.zero_point, float(y.scale), y.zero_point)
        return UnaryParams(None, table, np.uint8)  # indexed by the uint8 bit pattern, as TFLM's table
