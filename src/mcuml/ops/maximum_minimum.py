"""MAXIMUM and MINIMUM with broadcasting: the raw values are compared, without requantization.

Ports ``tensorflow/lite/micro/kernels/maximum_minimum.cc`` (``reference_ops::
MaximumMinimumBroadcastSlow``): float32, int8, int16, int32, int64. Quantized inputs are
assumed to share the output's quantization, as in TFLM.
"""

from __future__ import annotations

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.ops import OpContext, register
from mcuml.ops._binary import binary_io
from mcuml.ops._pointwise import BinaryOp, BinaryParams, binary_params

TYPES = (DType.float32, DType.int8, DType.int16, DType.int32, DType.int64)


class MaxMin(BinaryOp):
    cmsis_nn = True  # kernels/cmsis_nn/ has it

    tflm_types = frozenset({DType.float32, DType.int8, DType.int16, DType.int32, DType.int64})  # maximum_minimum.cc

    def prepare_temps(self, node: Operator) -> list:
        """maximum_minimum.cc: no Prepare (registered with a nullptr prepare), so no temporary tensors."""
        return []

    def prepare(self, node: Operator, ctx: OpContext) -> BinaryParams:
        x1, x2, y = binary_io(node, ctx, TYPES)
        # TFLM's float path: op(a, b) as (a > b ? a : b); np.maximum differs only for NaN
        fn = _max if self.name == "MAXIMUM" else _min
        return binary_params(ctx, x1, x2, y, fn)


def _max(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.where(a > b, a, b)


def _min(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.where(a < b, a, b)


register("MAXIMUM")(type("Maximum", (MaxMin,), {"name": "MAXIMUM"}))
register("MINIMUM")(type("Minimum", (MaxMin,), {"name": "MINIMUM"}))
