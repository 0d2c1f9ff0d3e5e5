"""L2_NORMALIZATION over the last axis (float32 and int8).

Ports ``tensorflow/lite/micro/kernels/l2norm.cc``, ``reference_ops::L2Normalization`` (float:
``x / max(sqrt(sum x^2), 1e-6)``) and ``reference_integer_ops::L2Normalization`` (int8): the
int32 sum of squares of ``x - zp`` goes through ``GetInvSqrtQuantizedMultiplierExp``
(``tensorflow/lite/kernels/internal/common.h``: gemmlowp fixed-point Newton-Raphson, 5
iterations, in Q3.28), then ``MBQM(x - zp, inv, shift + 7)`` clamped to int8 (output scale
1/128 is implied).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.kernels.quant import INT32_MAX, INT32_MIN, mbqm, rdbpot, srdhm
from mcuml.ops import Op, OpContext, register
from mcuml.ops._shape_util import check_shape, n_inputs, same_type_io


@dataclass(frozen=True, slots=True)
class L2NormParams:
    integer: bool
    input_zero_point: int


def _sat_shl(x: np.ndarray, e: int) -> np.ndarray:
    """gemmlowp ``SaturatingRoundingMultiplyByPOT<e>`` for e > 0 on int32 raws."""
    threshold = (1 << (31 - e)) - 1
    return np.where(x > threshold, INT32_MAX, np.where(x < -threshold, INT32_MIN, x << e))


def inv_sqrt_quantized_multiplier_exp(acc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vectorized ``GetInvSqrtQuantizedMultiplierExp(acc, kReverseShift=-1)`` -> (multiplier, shift)."""
    x_in = np.asarray(acc, dtype=np.int64)
    small = x_in <= 1
    v = np.where(small, 2, x_in)
    shift = np.full(v.shape, 11, dtype=np.int64)
    while (v >= (1 << 29)).any():
        big = v >= (1 << 29)
        v = np.where(big, v // 4, v)
        shift += big
    bit_length = np.zeros(v.shape, dtype=np.int64)
    for k in range(32):
        bit_length += (v >> k) > 0
    clz = 32 - bit_length
    pairs = (clz - 1) // 2 - 1
    shift -= pairs
    v = v << (2 * pairs)
    fx_input = v >> 1
    fx_half_input = rdbpot(fx_input, 1)
    half_three = (1 << 28) + (1 << 27)
    x = np.full(v.shape, 1 << 28, dtype=np.int64)  # F3::One()
    for _ in range(5):
        x3 = _sat_shl(srdhm(srdhm(x, x), x), 6)
        x = _sat_shl(srdhm(half_three, x) - srdhm(fx_half_input, x3), 3)
    x = srdhm(x, 1518500250)
    neg = shift < 0
    x = np.where(neg, x << np.where(neg, -shift, 0), x)
    shift = np.where(neg, 0, shift)
    return np.where(small, INT32_MAX, x), np.where(small, 0, -shift)


@register("L2_NORMALIZATION")
class L2Normalization(Op):
    tflm_types = frozenset({DType.float32, DType.int8})

    def prepare(self, node: Operator, ctx: OpContext) -> L2NormParams:
        n_inputs(node, ctx, 1)
        x, y = same_type_io(node, ctx, (DType.float32, DType.int8))
        if len(x.shape) > 4 or len(x.shape) < 1:
            ctx.shape_error("L2_NORMALIZATION supports 1-D to 4-D inputs")
        check_shape(ctx, y, x.shape)
        if node.options is not None and node.options.get("fused_activation_function", 0) != 0:
            ctx.fail("fused activation must be NONE")
        integer = x.dtype == DType.int8
        return L2NormParams(integer, x.zero_point if integer else 0)

    def eval(self, p: L2NormParams, inputs, outputs) -> None:
        x, y = inputs[0], outputs[0]
        if not p.integer:
            sq = np.zeros(x.shape[:-1], dtype=np.float32)
            for c in range(x.shape[-1]):  # float32 accumulation in the reference order
                sq += x[..., c] * x[..., c]
            y[...] = x / np.maximum(np.sqrt(sq), np.float32(1e-6))[..., None]
            return
        d = x.astype(np.int64) - p.input_zero_point
        mult, shift = inv_sqrt_quantized_multiplier_exp((d * d).sum(axis=-1))
        r = mbqm(d, mult[..., None], shift[..., None] + 7)
        y[...] = np.clip(r, -128, 127)
