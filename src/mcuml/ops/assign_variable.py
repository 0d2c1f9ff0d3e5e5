"""ASSIGN_VARIABLE: store input 1 as the value of the resource variable whose id is input 0.

Ports ``tensorflow/lite/micro/kernels/assign_variable.cc`` (``MicroResourceVariables::Allocate``
at prepare, ``Assign`` at eval). The variable's buffer size and fill value are fixed at compile
time from the first ASSIGN_VARIABLE of each handle (``mcuml.compile``); the store is the
interpreter's (:class:`mcuml.interp.graph.Graph`), one value per sample in ``run()``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.ops import Cost, Op, OpContext, register
from mcuml.ops._base import io_bytes


@dataclass(frozen=True, slots=True)
class AssignVariableParams:
    nbytes: int


@dataclass(frozen=True, slots=True)
class AssignVariableCall:
    graph: Any
    nbytes: int


@register("ASSIGN_VARIABLE")
class AssignVariable(Op):
    def prepare(self, node: Operator, ctx: OpContext) -> AssignVariableParams:
        ctx.require(len(node.inputs) == 2 and not node.outputs, "ASSIGN_VARIABLE has two inputs and no outputs")
        h, v = node.inputs
        ctx.require(h is not None and v is not None, "ASSIGN_VARIABLE inputs cannot be omitted")
        if h.dtype not in (DType.resource, DType.int32):
            ctx.unsupported_type(h, (DType.resource, DType.int32))
        if h.size != 1:
            ctx.shape_error(f"resource handle must have one element, has {h.size}")
        if not isinstance(v.dtype, DType) or v.dtype in (DType.resource, DType.variant, DType.string):
            ctx.fail(f"ASSIGN_VARIABLE cannot store a {getattr(v.dtype, 'name', v.dtype)} tensor")
        return AssignVariableParams(v.nbytes)

    def bind(self, p: AssignVariableParams, graph: Any, s: int, node: int) -> AssignVariableCall:
        return AssignVariableCall(graph, p.nbytes)

    def eval(self, p: AssignVariableCall, inputs, outputs) -> None:
        p.graph.assign(int(inputs[0].flat[0]), inputs[1])

    def cost(self, node: Operator) -> Cost:
        v = node.inputs[1]
        return Cost(elementwise=v.size, bytes_in=io_bytes(node.inputs), bytes_out=v.nbytes)
