"""READ_VARIABLE: copy a resource variable's bytes into the output tensor.

Ports ``tensorflow/lite/micro/kernels/read_variable.cc`` (``MicroResourceVariables::Read``): the
resource id comes from input 0 (a VAR_HANDLE output); the store is the interpreter's
(:class:`mcuml.interp.graph.Graph`), one value per sample in ``run()``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.ops import Cost, Op, OpContext, register
from mcuml.ops._base import io_bytes


@dataclass(frozen=True, slots=True)
class ReadVariableParams:
    nbytes: int


@dataclass(frozen=True, slots=True)
class ReadVariableCall:
    graph: Any
    nbytes: int


@register("READ_VARIABLE")
class ReadVariable(Op):
    def prepare(self, node: Operator, ctx: OpContext) -> ReadVariableParams:
        ctx.require(len(node.inputs) == 1 and len(node.outputs) == 1, "READ_VARIABLE has one input and one output")
        h = node.inputs[0]
        ctx.require(h is not None, "READ_VARIABLE needs a resource handle")
        if h.dtype not in (DType.resource, DType.int32):
            ctx.unsupported_type(h, (DType.resource, DType.int32))
        y = node.outputs[0]
        if not isinstance(y.dtype, DType) or y.dtype in (DType.resource, DType.variant, DType.string):
            ctx.fail(f"READ_VARIABLE cannot output a {getattr(y.dtype, 'name', y.dtype)} tensor")
        return ReadVariableParams(y.nbytes)

    def bind(self, p: ReadVariableParams, graph: Any, s: int, node: int) -> ReadVariableCall:
        return ReadVariableCall(graph, p.nbytes)

    def eval(self, p: ReadVariableCall, inputs, outputs) -> None:
        y = outputs[0]
        y.reshape(y.shape[0], -1).view(np.uint8)[...] = p.graph.read(int(inputs[0].flat[0]))

    def cost(self, node: Operator) -> Cost:
        y = node.outputs[0]
        return Cost(elementwise=y.size, bytes_in=y.nbytes, bytes_out=io_bytes(node.outputs))
