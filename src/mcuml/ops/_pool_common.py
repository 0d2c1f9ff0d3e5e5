"""The part of AVERAGE_POOL_2D, MAX_POOL_2D and L2_POOL_2D that is the same: prepare and cost
(``tensorflow/lite/micro/kernels/pooling_common.cc``: one prepare for every pooling kernel)."""

from __future__ import annotations

from typing import ClassVar

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.kernels.pool import PoolParams, pool_cost_elementwise, prepare_pool
from mcuml.ops._base import Cost, Op, OpContext, io_bytes, param_bytes
from mcuml.ops._facts import type_refusal


class Pool2D(Op):
    """A 2-D pooling op: subclasses set ``types`` and implement ``eval``."""

    types: ClassVar[tuple[DType, ...]] = (DType.float32, DType.int8, DType.int16)

    tflm_types: ClassVar[tuple[DType, ...]] = (DType.float32, DType.int8, DType.int16)  # pooling.cc

    def tflm_rejects(self, node: Operator, kernels: str = "reference") -> str | None:
        return type_refusal(node, self.tflm_types)

    def prepare(self, node: Operator, ctx: OpContext) -> PoolParams:
        return prepare_pool(node, ctx, self.types)

    def computed_output_shape(self, node: Operator) -> tuple[int, ...] | None:
        from mcuml.ops._shape_util import windowed_output_shape

        o, x = node.options, node.inputs[0] if node.inputs else None
        if o is None or x is None or len(x.shape) != 4:
            return None
        return windowed_output_shape(node, int(o.get("filter_height", 1)), int(o.get("filter_width", 1)), x.shape[3])

    def cost(self, node: Operator) -> Cost:
        return Cost(elementwise=pool_cost_elementwise(node), param_bytes=param_bytes(node),
                    bytes_in=io_bytes(node.inputs), bytes_out=io_bytes(node.outputs))
