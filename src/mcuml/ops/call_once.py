"""CALL_ONCE: run the init subgraph on the first invoke only (initialises resource variables).

Ports ``tensorflow/lite/micro/kernels/call_once.cc``: no inputs or outputs; ``has_run`` is set
after the first ``InvokeSubgraph`` and the kernel has no reset callback, so after
``Interpreter.reset()`` the init subgraph does not run again (its variables are then reset to
their fill value by ``MicroResourceVariables::ResetAll``), exactly as in TFLM.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mcuml.ir.model import Operator
from mcuml.ops import Cost, Op, OpContext, register
from mcuml.ops.if_ import subgraph_index


@dataclass(frozen=True, slots=True)
class CallOnceParams:
    init_subgraph_index: int


@dataclass(frozen=True, slots=True)
class CallOnceCall:
    """CallOnceParams bound to an interpreter's runtime; ``key`` names the node's has-run flag."""

    graph: Any
    init_subgraph_index: int
    key: tuple[int, int]


@register("CALL_ONCE")
class CallOnce(Op):
    subgraph_options = ("init_subgraph_index",)

    def prepare(self, node: Operator, ctx: OpContext) -> CallOnceParams:
        ctx.require(node.options is not None, "CALL_ONCE needs CallOnceOptions")
        ctx.require(not node.inputs and not node.outputs, "CALL_ONCE takes no inputs or outputs")
        return CallOnceParams(subgraph_index(ctx, node.options.init_subgraph_index, "init_subgraph_index"))

    def bind(self, p: CallOnceParams, graph: Any, s: int, node: int) -> CallOnceCall:
        return CallOnceCall(graph, p.init_subgraph_index, (s, node))

    def eval(self, p: CallOnceCall, inputs, outputs) -> None:
        g = p.graph
        if p.key in g.done:
            return
        g.invoke(p.init_subgraph_index, [])
        g.done.add(p.key)

    def cost(self, node: Operator) -> Cost:
        return Cost(elementwise=1)  # one flag test; the init subgraph's ops are costed there
