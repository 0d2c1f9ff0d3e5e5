"""DEQUANTIZE: int8/int16/uint8 -> float32, ``(float)((double)scale * (x - zero_point))``.

Ports ``tensorflow/lite/micro/kernels/dequantize.cc`` / ``dequantize_common.cc`` and
``reference/dequantize.h``. The product is formed in double and rounded once to float32, so the
256/65536-entry table built in prepare holds exactly TFLM's values.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.ops import OpContext, register
from mcuml.ops._pointwise import UnaryOp, UnaryParams, io, require_quantized, require_types, unary_params
from mcuml.ops._facts import I8, I16, U8, type_refusal


def dequantize(scale: float, zero_point: int, x: np.ndarray) -> np.ndarray:
    return (scale * (x.astype(np.float64) - zero_point)).astype(np.float32)


@register("DEQUANTIZE")
class Dequantize(UnaryOp):
    type_boundary = True  # converts types: never "float inside an int8 model"

    def tflm_rejects(self, node: Operator, kernels: str = "reference") -> str | None:
        return type_refusal(node, (I8, I16, U8))

    def prepare(self, node: Operator, ctx: OpContext) -> UnaryParams:
        (x,), (y,) = io(node, ctx, 1)
        require_types(ctx, x, (DType.int8, DType.int16, DType.uint8))
        require_types(ctx, y, (DType.float32,))
        require_quantized(ctx, x)
        if x.size != y.size:
            ctx.shape_error(f"input has {x.size} elements, output {y.size}")
        return unary_params(partial(dequantize, float(x.scale), x.zero_point), x.dtype, y.dtype)
