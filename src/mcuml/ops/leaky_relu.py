"""LEAKY_RELU: int8, int16, float32.

Ports ``tensorflow/lite/micro/kernels/leaky_relu.cc`` / ``leaky_relu_common.cc``
(``CalculateOpDataLeakyRelu``) and ``reference/leaky_relu.h`` (``QuantizeLeakyRelu``).
``d = x - zp_in``; ``d >= 0``: ``MBQM(d, m_identity, s_identity)``; else ``±MBQM(d, |m_alpha|, s_alpha)``
(TFLM keeps the sign of a negative alpha outside the multiplier); ``+ zp_out``, clamp. The
multipliers ``in_scale * alpha / out_scale`` and ``in_scale / out_scale`` are formed in double:
the tflite-micro source casts a float32 quotient, but the wheel's results match double arithmetic
on every one of 60 random int16 scale sets (float32 matched 15), so mcuml follows the wheel.
Float: ``x > 0 ? x : x * alpha``.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.kernels.quant import mbqm, quantize_multiplier, type_range
from mcuml.ops import OpContext, register
from mcuml.ops._pointwise import UnaryOp, UnaryParams, option, require_quantized, unary_params
from mcuml.ops._unary import unary_io

TYPES = (DType.float32, DType.int8, DType.int16)


def leaky_relu_q(in_zp: int, out_zp: int, m_id: int, s_id: int, m_alpha: int, s_alpha: int, qmin: int, qmax: int,
                 x: np.ndarray) -> np.ndarray:
    d = x.astype(np.int64) - in_zp
    pos = mbqm(d, m_id, s_id)
    neg = mbqm(d, abs(m_alpha), s_alpha)
    neg = -neg if m_alpha < 0 else neg
    return np.clip(out_zp + np.where(d >= 0, pos, neg), qmin, qmax)


def leaky_relu_float(alpha: np.float32, x: np.ndarray) -> np.ndarray:
    x = x.astype(np.float32)
    return np.where(x > 0, x, x * alpha)


@register("LEAKY_RELU")
class LeakyRelu(UnaryOp):
    tflm_types = frozenset({DType.float32, DType.int8, DType.int16})

    def prepare(self, node: Operator, ctx: OpContext) -> UnaryParams:
        x, y = unary_io(node, ctx, TYPES, same_size=True)
        alpha = np.float32(option(node, "alpha", 0.0))
        if x.dtype == DType.float32:
            return unary_params(partial(leaky_relu_float, alpha), x.dtype, y.dtype)
        require_quantized(ctx, x, y)
        si, so = float(x.scale), float(y.scale)
        m_alpha, s_alpha = quantize_multiplier(si * float(alpha) / so)
        m_id, s_id = quantize_multiplier(si / so)
        qmin, qmax = type_range(y.dtype.numpy)
        fn = partial(leaky_relu_q, x.zero_point, y.zero_point, m_id, s_id, m_alpha, s_alpha, qmin, qmax)
        return unary_params(fn, x.dtype, y.dtype)
