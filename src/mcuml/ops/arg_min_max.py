"""ARG_MAX and ARG_MIN.

Ports ``tensorflow/lite/micro/kernels/arg_min_max.cc`` (``reference_ops::ArgMinMax`` with
``GreaterFn``/``LessFn``: strict comparison, so the first extreme index wins, like NumPy).
TFLM accepts float32/int8 input, an int32 axis and an **int32 output only** (int64 outputs are
refused at eval). The axis must be constant (static shapes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.ops import Cost, Op, OpContext, register
from mcuml.ops._base import io_bytes
from mcuml.ops._shape_util import check_shape, const_ints, n_inputs, norm_axis, require_dtype, tensor_in


@dataclass(frozen=True, slots=True)
class ArgParams:
    axis: int  # batched coordinates
    is_max: bool


@register("ARG_MAX", "ARG_MIN")
class ArgMinMax(Op):
    tflm_types = frozenset({DType.float32, DType.int8})

    def prepare_temps(self, node: Operator) -> list:
        """arg_min_max.cc: no Prepare (registered with a nullptr prepare), so no temporary tensors."""
        return []

    def prepare(self, node: Operator, ctx: OpContext) -> ArgParams:
        n_inputs(node, ctx, 2)
        x, y = tensor_in(node, 0, ctx), node.outputs[0]
        require_dtype(ctx, x, (DType.float32, DType.int8))
        require_dtype(ctx, tensor_in(node, 1, ctx, "axis"), (DType.int32,))
        require_dtype(ctx, y, (DType.int32,))
        axis = norm_axis(int(const_ints(node, 1, ctx, "axis").ravel()[0]), len(x.shape), ctx)
        check_shape(ctx, y, [d for i, d in enumerate(x.shape) if i != axis])
        return ArgParams(axis + 1, node.name == "ARG_MAX")

    def eval(self, p: ArgParams, inputs, outputs) -> None:
        f = np.argmax if p.is_max else np.argmin
        outputs[0][...] = f(inputs[0], axis=p.axis)

    def cost(self, node: Operator) -> Cost:
        return Cost(elementwise=node.inputs[0].size, bytes_in=io_bytes(node.inputs), bytes_out=io_bytes(node.outputs))
