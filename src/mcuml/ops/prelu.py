"""PRELU: ``x >= 0 ? x : x * alpha`` with alpha broadcast against x: float32, int8, int16 (int8 alpha).

Ports ``tensorflow/lite/micro/kernels/prelu.cc`` / ``prelu_common.cc`` (``CalculatePreluParams``,
``BroadcastPrelu4DSlowFloat``) and ``reference/prelu.h`` (``BroadcastPrelu4DSlow``). Quantized, two
multipliers (double ratios): ``output_multiplier_1 = s_in / s_out`` for ``x - zp_in >= 0``,
``output_multiplier_2 = s_in * s_alpha / s_out`` applied to ``(x - zp_in) * (alpha - zp_alpha)``
otherwise; ``+ zp_out``, clamped to the output type. int8 x int8 is a 64K table. Float broadcasting
is 4-D in TFLM.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.kernels.quant import mbqm, quantize_multiplier, type_range
from mcuml.ops import OpContext, register
from mcuml.ops._pointwise import BinaryOp, BinaryParams, binary_params, io, require_quantized, require_types


def prelu_float(x: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    x = x.astype(np.float32)
    return np.where(x >= 0, x, x * alpha.astype(np.float32))


def prelu_quantized(input_offset: int, alpha_offset: int, output_offset: int, m1: int, s1: int, m2: int, s2: int,
                    qmin: int, qmax: int, x: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    input_value = x.astype(np.int64) + input_offset
    alpha_value = alpha.astype(np.int64) + alpha_offset
    pos = mbqm(input_value, m1, s1)
    neg = mbqm(input_value * alpha_value, m2, s2)
    return np.clip(np.where(input_value >= 0, pos, neg) + output_offset, qmin, qmax)


@register("PRELU")
class Prelu(BinaryOp):
    tflm_types = frozenset({DType.float32, DType.int8})

    def prepare(self, node: Operator, ctx: OpContext) -> BinaryParams:
        (x, alpha), (y,) = io(node, ctx, 2)
        require_types(ctx, x, (DType.float32, DType.int8, DType.int16))
        if y.dtype != x.dtype:
            ctx.fail(f"output type {y.dtype.name} differs from input type {x.dtype.name}")
        if x.dtype == DType.float32:
            require_types(ctx, alpha, (DType.float32,))
            if max(len(x.shape), len(alpha.shape), len(y.shape)) > 4:
                ctx.shape_error("float PRELU broadcasts at most 4-D in TFLM")
            return binary_params(ctx, x, alpha, y, prelu_float)
        require_types(ctx, alpha, (DType.int8,) if x.dtype == DType.int16 else (x.dtype,))
        require_quantized(ctx, x, alpha, y)
        si, sa, so = float(x.scale), float(alpha.scale), float(y.scale)
        m1, s1 = quantize_multiplier(si / so)
        m2, s2 = quantize_multiplier(si * sa / so)
        qmin, qmax = type_range(y.dtype.numpy)
        fn = partial(prelu_quantized, -x.zero_point, -alpha.zero_point, y.zero_point, m1, s1, m2, s2, qmin, qmax)
        return binary_params(ctx, x, alpha, y, fn, lut_dtype=np.int8 if x.dtype == DType.int8 else None)
