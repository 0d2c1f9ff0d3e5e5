"""WHILE: run the body subgraph while the cond subgraph says so, carrying the loop variables.

Ports ``tensorflow/lite/micro/kernels/while.cc``: the op's inputs are copied to its outputs (the
loop variables), then cond runs on them; while cond's first output is true, body runs on the
loop variables and its outputs become the new loop variables, and cond runs again.

Batches (``Interpreter.run``): each sample loops its own number of times; every iteration runs
body and cond on the sub-batch of samples still looping.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.ops import Cost, Op, OpContext, register
from mcuml.ops._base import io_bytes
from mcuml.ops.if_ import check_io, subgraph_index


@dataclass(frozen=True, slots=True)
class WhileParams:
    cond_subgraph_index: int
    body_subgraph_index: int


@dataclass(frozen=True, slots=True)
class WhileCall:
    """WhileParams bound to an interpreter's runtime (:class:`mcuml.interp.graph.Graph`)."""

    graph: Any
    cond_subgraph_index: int
    body_subgraph_index: int


@register("WHILE")
class While(Op):
    subgraph_options = ("cond_subgraph_index", "body_subgraph_index")

    def prepare(self, node: Operator, ctx: OpContext) -> WhileParams:
        ctx.require(node.options is not None, "WHILE needs WhileOptions")
        ctx.require(all(t is not None for t in node.inputs), "WHILE inputs cannot be omitted")
        cond_s = subgraph_index(ctx, node.options.cond_subgraph_index, "cond_subgraph_index")
        body_s = subgraph_index(ctx, node.options.body_subgraph_index, "body_subgraph_index")
        check_io(ctx, list(node.inputs), list(node.outputs), ctx.subgraph_index, "inputs vs outputs")
        cond, body = ctx.model.subgraphs[cond_s], ctx.model.subgraphs[body_s]
        check_io(ctx, list(node.inputs), cond.inputs, cond_s, "inputs")
        check_io(ctx, list(node.inputs), body.inputs, body_s, "inputs")
        check_io(ctx, list(node.outputs), body.outputs, body_s, "outputs")
        if not cond.outputs or cond.outputs[0].dtype != DType.bool:
            ctx.fail(f"cond subgraph {cond_s} must output a bool first")
        return WhileParams(cond_s, body_s)

    def bind(self, p: WhileParams, graph: Any, s: int, node: int) -> WhileCall:
        return WhileCall(graph, p.cond_subgraph_index, p.body_subgraph_index)

    def eval(self, p: WhileCall, inputs, outputs) -> None:
        g = p.graph
        for o, x in zip(outputs, inputs):
            o[...] = x.reshape((x.shape[0], *o.shape[1:]))
        sel: np.ndarray | None = None  # samples still looping (None: all of them)
        c = self._cond(p, outputs, None)
        while True:
            if sel is not None or not c.all():
                sel = np.flatnonzero(c) if sel is None else sel[c]
                if sel.size == 0:
                    return
            ins = outputs if sel is None else [o[sel] for o in outputs]
            res = g.invoke(p.body_subgraph_index, ins, sel)
            for o, r in zip(outputs, res):
                if sel is None:
                    o[...] = r.reshape(o.shape)
                else:
                    o[sel] = r.reshape((len(sel), *o.shape[1:]))
            c = self._cond(p, outputs if sel is None else [o[sel] for o in outputs], sel)

    @staticmethod
    def _cond(p: WhileCall, loop_vars, sel) -> np.ndarray:
        out = p.graph.invoke(p.cond_subgraph_index, loop_vars, sel)[0]
        return out.reshape(out.shape[0], -1)[:, 0].copy()

    def cost(self, node: Operator) -> Cost:
        moved = sum(t.size for t in node.outputs)  # cond/body ops are costed in their subgraphs
        return Cost(elementwise=max(moved, 1), bytes_in=io_bytes(node.inputs), bytes_out=io_bytes(node.outputs))
