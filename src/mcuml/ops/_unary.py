"""Prepare step shared by the unary element-wise ops (activations, ELU, HARD_SWISH, LOGISTIC, ...).

TFLM's element-wise kernels (``activations.cc``, ``elementwise.cc``, ``elu.cc``, ``logistic.cc``,
``tanh.cc``, ``hard_swish.cc``, ...) all begin their Prepare with the same checks: one input, one
output, an input type the kernel takes and an output of that same type. The evaluation machinery
is in :mod:`mcuml.ops._pointwise`.
"""

from __future__ import annotations

from typing import Sequence

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator, Tensor
from mcuml.ops._base import OpContext
from mcuml.ops._pointwise import io, require_types


def unary_io(node: Operator, ctx: OpContext, types: Sequence[DType], *,
             same_size: bool = False) -> tuple[Tensor, Tensor]:
    """The input (of a type from ``types``) and the output (same type; with ``same_size``, as many elements)."""
    (x,), (y,) = io(node, ctx, 1)
    require_types(ctx, x, types)
    if y.dtype != x.dtype:
        ctx.fail(f"output type {y.dtype.name} differs from input type {x.dtype.name}")
    if same_size and x.size != y.size:
        ctx.shape_error(f"input has {x.size} elements, output {y.size}")
    return x, y
