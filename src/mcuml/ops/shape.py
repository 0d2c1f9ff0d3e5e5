"""SHAPE: the input's (static) shape as an int32 vector.

Ports ``tensorflow/lite/micro/kernels/shape.cc``: only an int32 output is supported. mcuml's
shapes are static, so the value is computed in prepare and written for every sample.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.ops import Cost, Op, OpContext, register
from mcuml.ops._shape_util import check_shape, n_inputs, require_dtype, tensor_in


@dataclass(frozen=True, slots=True)
class ShapeParams:
    shape: tuple[int, ...]


@register("SHAPE")
class Shape(Op):
    type_boundary = True  # converts types: never "float inside an int8 model"

    def prepare(self, node: Operator, ctx: OpContext) -> ShapeParams:
        n_inputs(node, ctx, 1)
        x, y = tensor_in(node, 0, ctx), node.outputs[0]
        require_dtype(ctx, y, (DType.int32,))
        check_shape(ctx, y, [len(x.shape)])
        return ShapeParams(tuple(x.shape))

    def eval(self, p: ShapeParams, inputs, outputs) -> None:
        outputs[0][...] = np.asarray(p.shape, dtype=np.int32)

    def cost(self, node: Operator) -> Cost:
        return Cost(elementwise=node.outputs[0].size, bytes_out=node.outputs[0].nbytes)
