"""FLOOR_MOD (float32 only, as TFLM): the remainder with the divisor's sign, 4-D broadcasting.

Ports ``tensorflow/lite/micro/kernels/floor_mod.cc`` and ``reference/floor_mod.h``: ``r = fmodf(a, b)``
(exact), then ``r + b`` when ``r != 0`` and ``r`` and ``b`` differ in sign (a float32 addition).
"""

from __future__ import annotations

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.ops import OpContext, register
from mcuml.ops._binary import binary_io
from mcuml.ops._pointwise import BinaryOp, BinaryParams, binary_params


def floor_mod_float(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a.astype(np.float32)
    b = b.astype(np.float32)
    with np.errstate(invalid="ignore"):
        trunc_mod = np.fmod(a, b)
    return np.where((trunc_mod != 0) & ((b < 0) != (trunc_mod < 0)), trunc_mod + b, trunc_mod)


@register("FLOOR_MOD")
class FloorMod(BinaryOp):
    tflm_types = frozenset({DType.float32})

    def prepare(self, node: Operator, ctx: OpContext) -> BinaryParams:
        x1, x2, y = binary_io(node, ctx, (DType.float32,), max_broadcast_rank=4)
        return binary_params(ctx, x1, x2, y, floor_mod_float)
