"""LOGICAL_AND, LOGICAL_OR (broadcasting) and LOGICAL_NOT on bool tensors.

Ports ``tensorflow/lite/micro/kernels/logical.cc`` / ``logical_common.cc`` and the LOGICAL_NOT
entry of ``elementwise.cc``.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.ops import OpContext, register
from mcuml.ops._pointwise import (BinaryOp, BinaryParams, UnaryOp, UnaryParams, binary_params, io, require_types,
                                  unary_params)


def _logical(fn, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return fn(a, b)


class LogicalBinary(BinaryOp):
    fn = staticmethod(np.logical_and)

    def prepare_temps(self, node: Operator) -> list:
        """logical.cc: no Prepare (registered with a nullptr prepare), so no temporary tensors."""
        return []

    def prepare(self, node: Operator, ctx: OpContext) -> BinaryParams:
        (x1, x2), (y,) = io(node, ctx, 2)
        for t in (x1, x2, y):
            require_types(ctx, t, (DType.bool,))
        return binary_params(ctx, x1, x2, y, partial(_logical, type(self).fn))


@register("LOGICAL_AND")
class LogicalAnd(LogicalBinary):
    fn = staticmethod(np.logical_and)


@register("LOGICAL_OR")
class LogicalOr(LogicalBinary):
    fn = staticmethod(np.logical_or)


@register("LOGICAL_NOT")
class LogicalNot(UnaryOp):
    tflm_types = frozenset({DType.bool})

    def prepare(self, node: Operator, ctx: OpContext) -> UnaryParams:
        (x,), (y,) = io(node, ctx, 1)
        require_types(ctx, x, (DType.bool,))
        require_types(ctx, y, (DType.bool,))
        return unary_params(np.logical_not, x.dtype, y.dtype)
