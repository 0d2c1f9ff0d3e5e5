"""SQUARED_DIFFERENCE: ``(x1 - x2)^2`` with broadcasting (up to 4-D): float32, int32, int8, int16.

Ports ``tensorflow/lite/micro/kernels/squared_difference.cc`` (``PrepareQuantized``,
``SquaredDifference``). Quantized: both inputs rescaled to ``2 * max(s1, s2)`` after a
``left_shift`` of 7 (int8) or 0 (int16) bits (``MBQM_SmallerThanOneExp``), their difference
squared in int32 and requantized with ``MBQM(sq, output_multiplier, output_shift)`` where
``output_multiplier`` comes from ``(2 max s)^2 / (2^(2 left_shift) s_out)``; ``+ zp_out``,
clamped to the type range (no fused activation). int16 needs zero points of 0. int32 wraps
like C's ``d * d``; float32 squares in float32. The int8 path is a 64K table.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.kernels.quant import mbqm, quantize_multiplier, rdbpot, srdhm, type_range, wrap_int32
from mcuml.ops import OpContext, register
from mcuml.ops._binary import binary_io
from mcuml.ops._pointwise import BinaryOp, BinaryParams, binary_params, require_quantized
from mcuml.ops.add import smaller_than_one

TYPES = (DType.float32, DType.int32, DType.int8, DType.int16)


def squared_difference_q(in1_offset: int, in2_offset: int, out_offset: int, left_shift: int, m1: int, s1: int,
                         m2: int, s2: int, mo: int, so: int, qmin: int, qmax: int, a: np.ndarray,
                         b: np.ndarray) -> np.ndarray:
    scaled1 = rdbpot(srdhm((a.astype(np.int64) + in1_offset) << left_shift, m1), -s1)
    scaled2 = rdbpot(srdhm((b.astype(np.int64) + in2_offset) << left_shift, m2), -s2)
    raw_diff = scaled1 - scaled2
    out = mbqm(wrap_int32(raw_diff * raw_diff), mo, so) + out_offset
    return np.clip(out, qmin, qmax)


def squared_difference_float(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    d = a.astype(np.float32) - b.astype(np.float32)
    return d * d


def squared_difference_int32(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    d = wrap_int32(a.astype(np.int64) - b.astype(np.int64))
    return wrap_int32(d * d)


@register("SQUARED_DIFFERENCE")
class SquaredDifference(BinaryOp):
    tflm_types = frozenset({DType.float32, DType.int8, DType.int16, DType.int32})

    def prepare(self, node: Operator, ctx: OpContext) -> BinaryParams:
        x1, x2, y = binary_io(node, ctx, TYPES, max_broadcast_rank=4)
        if y.dtype == DType.float32:
            return binary_params(ctx, x1, x2, y, squared_difference_float)
        if y.dtype == DType.int32:
            return binary_params(ctx, x1, x2, y, squared_difference_int32)
        require_quantized(ctx, x1, x2, y)
        if y.dtype == DType.int16:
            if x1.zero_point or x2.zero_point or y.zero_point:
                ctx.fail("int16 SQUARED_DIFFERENCE needs zero points of 0")
            left_shift = 0
        else:
            left_shift = 7  # 255^2 * 2^14 still fits in int32
        twice_max = 2.0 * float(max(np.float32(x1.scale), np.float32(x2.scale)))
        m1, s1 = smaller_than_one(ctx, float(x1.scale) / twice_max, "input1")
        m2, s2 = smaller_than_one(ctx, float(x2.scale) / twice_max, "input2")
        # (1 << 2 left_shift) * scale is a float32 product in the C++ (exact: a power of two)
        mo, so = quantize_multiplier(twice_max * twice_max / float(np.float32((1 << (2 * left_shift)) * y.scale)))
        qmin, qmax = type_range(y.dtype.numpy)
        fn = partial(squared_difference_q, -x1.zero_point, -x2.zero_point, y.zero_point, left_shift, m1, s1, m2, s2,
                     mo, so, qmin, qmax)
        return binary_params(ctx, x1, x2, y, fn, lut_dtype=np.int8 if y.dtype == DType.int8 else None)
