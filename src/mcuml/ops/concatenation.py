"""CONCATENATION along one axis.

Ports ``tensorflow/lite/micro/kernels/concatenation.cc`` (``reference_ops::Concatenation``):
TFLM does **not** requantize: int8 inputs must share the output's scale and zero point, int16
needs zero point 0 everywhere, the fused activation must be NONE, and at most 10 inputs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.ops import Op, OpContext, register
from mcuml.ops._shape_util import (axis_option, batched, check_shape, present_inputs, require_dtype, same_dtype,
                                   same_quant)

_TYPES = (DType.float32, DType.int8, DType.int16, DType.int32, DType.int64, DType.bool)
_MAX_INPUTS = 10


@dataclass(frozen=True, slots=True)
class ConcatenationParams:
    axis: int  # in batched coordinates


@register("CONCATENATION")
class Concatenation(Op):
    tflm_types = frozenset({DType.float32, DType.int8, DType.int16, DType.int32, DType.int64, DType.bool})

    def prepare_temps(self, node: Operator) -> list:
        """concatenation.cc ConcatenationPrepare: input 0 and the output, then every input again in its loop."""
        return [node.inputs[0], node.outputs[0], *node.inputs]

    def prepare(self, node: Operator, ctx: OpContext) -> ConcatenationParams:
        y = node.outputs[0]
        xs = present_inputs(node, ctx)
        if len(xs) > _MAX_INPUTS:
            ctx.fail(f"TFLM concatenates at most {_MAX_INPUTS} inputs, got {len(xs)}")
        opts = node.options
        if opts is not None and opts.get("fused_activation_function", 0) != 0:
            ctx.fail("fused activation must be NONE")
        require_dtype(ctx, xs[0], _TYPES)
        same_dtype(ctx, xs[0], y)
        axis = axis_option(node, len(y.shape), ctx)
        for x in xs:
            same_dtype(ctx, x, y)
            if len(x.shape) != len(y.shape) or any(d != e for i, (d, e) in enumerate(zip(x.shape, y.shape))
                                                   if i != axis):
                ctx.shape_error(f"input {x.name!r} {list(x.shape)} does not fit output {list(y.shape)} "
                                f"on axis {axis}")
            if x.dtype == DType.int8:
                same_quant(ctx, x, y)
            elif x.dtype == DType.int16 and x.zero_point != 0:
                ctx.fail(f"int16 input {x.name!r} must have zero point 0")
        if y.dtype == DType.int16 and y.zero_point != 0:
            ctx.fail("int16 output must have zero point 0")
        check_shape(ctx, y, [sum(x.shape[axis] for x in xs) if i == axis else d for i, d in enumerate(y.shape)])
        return ConcatenationParams(axis + 1)

    def eval(self, p: ConcatenationParams, inputs, outputs) -> None:
        y = outputs[0]
        b = y.shape[0]
        np.concatenate([batched(x, b) for x in inputs], axis=p.axis, out=y)
