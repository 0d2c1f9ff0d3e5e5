"""CAST: ``static_cast`` element by element (``tensorflow/lite/micro/kernels/cast.cc``).

Inputs int8, int16, int32, uint32, float32, bool; outputs int8, int16, int32, uint32, float32.
Integer narrowing wraps (two's complement). float -> integer truncates toward zero and, in the
wheel, saturates at the target type's range (measured: 70000.5 -> int16 32767, -300.7 -> uint32 0),
so mcuml saturates too; NaN becomes 0. Quantization parameters are ignored, as in TFLM.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.ops import OpContext, register
from mcuml.ops._pointwise import UnaryOp, UnaryParams, io, require_types, unary_params

INPUTS = (DType.int8, DType.int16, DType.int32, DType.uint32, DType.float32, DType.bool)
OUTPUTS = (DType.int8, DType.int16, DType.int32, DType.uint32, DType.float32)


def cast(out: np.dtype, x: np.ndarray) -> np.ndarray:
    if np.issubdtype(x.dtype, np.floating) and out != np.float32:
        info = np.iinfo(out)
        t = np.nan_to_num(np.trunc(x.astype(np.float64)), nan=0.0)
        return np.clip(t, info.min, info.max).astype(out)
    if x.dtype == np.bool_ or out == np.float32:
        return x.astype(out)
    return x.astype(np.int64).astype(out)  # two's complement wrap


@register("CAST")
class Cast(UnaryOp):
    type_boundary = True  # converts types: never "float inside an int8 model"

    tflm_types = frozenset({DType.float32, DType.int8, DType.int16, DType.int32, DType.bool, DType.uint32})  # cast.cc

    def prepare(self, node: Operator, ctx: OpContext) -> UnaryParams:
        (x,), (y,) = io(node, ctx, 1)
        require_types(ctx, x, INPUTS)
        require_types(ctx, y, OUTPUTS)
        if x.size != y.size:
            ctx.shape_error(f"input has {x.size} elements, output {y.size}")
        table = x.dtype in (DType.int8, DType.int16)
        return unary_params(partial(cast, y.dtype.numpy), x.dtype, y.dtype, table=table)
