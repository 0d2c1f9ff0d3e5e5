"""FLOOR_DIV (float32 only, as TFLM): ``floor(double(a) / double(b))`` with 4-D broadcasting.

Ports ``tensorflow/lite/micro/kernels/floor_div.cc`` and ``reference/floor_div.h``. The quotient is
formed in double, floored, and stored as float32. TFLM fails the invoke when any denominator is 0;
mcuml checks a constant denominator in prepare, and a runtime zero gives +-inf/nan instead.
"""

from __future__ import annotations

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.ops import OpContext, register
from mcuml.ops._binary import binary_io
from mcuml.ops._pointwise import BinaryOp, BinaryParams, binary_params


def floor_div_float(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.floor(a.astype(np.float64) / b.astype(np.float64)).astype(np.float32)


@register("FLOOR_DIV")
class FloorDiv(BinaryOp):
    tflm_types = frozenset({DType.float32})

    def prepare(self, node: Operator, ctx: OpContext) -> BinaryParams:
        x1, x2, y = binary_io(node, ctx, (DType.float32,), max_broadcast_rank=4)
        if x2.is_constant and np.any(x2.data == 0):
            ctx.fail("constant denominator contains 0 (TFLM fails with 'Division by 0')")
        return binary_params(ctx, x1, x2, y, floor_div_float)
