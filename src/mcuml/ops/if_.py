"""IF: run the then- or else-subgraph chosen by a boolean condition.

Ports ``tensorflow/lite/micro/kernels/if.cc``: input 0 is the condition (one bool), inputs 1..n
are copied into the chosen branch's inputs, the branch runs (``InvokeSubgraph``) and its outputs
are copied into the IF's outputs. TFLM stages the copies through persistent buffers because the
branch's tensors are planned in the same arena; mcuml's arena follows the same plan, in which
the IF's own inputs and outputs stay live (disjoint from the branch's tensors) during the call.

Batches (``Interpreter.run``): the condition may differ per sample; each branch then runs on the
sub-batch of the samples that chose it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator, Tensor
from mcuml.ops import Cost, Op, OpContext, register
from mcuml.ops._base import io_bytes


@dataclass(frozen=True, slots=True)
class IfParams:
    then_subgraph_index: int
    else_subgraph_index: int


@dataclass(frozen=True, slots=True)
class IfCall:
    """IfParams bound to an interpreter's runtime (:class:`mcuml.interp.graph.Graph`)."""

    graph: Any
    then_subgraph_index: int
    else_subgraph_index: int


def check_io(ctx: OpContext, ours: list[Tensor], theirs: list[Tensor], s: int, what: str) -> None:
    """Same count, types and byte sizes (what TFLM's copies check) between an op's tensors and a subgraph's."""
    if len(ours) != len(theirs):
        ctx.fail(f"{len(ours)} {what}, but subgraph {s} has {len(theirs)}")
    for k, (a, b) in enumerate(zip(ours, theirs)):
        if a.dtype != b.dtype:
            ctx.fail(f"{what} {k} is {a.dtype.name}, subgraph {s}'s is {b.dtype.name}")
        if a.nbytes != b.nbytes:
            ctx.shape_error(f"{what} {k} has {a.nbytes} bytes, subgraph {s}'s has {b.nbytes}")


def subgraph_index(ctx: OpContext, value: Any, field: str) -> int:
    s = int(value)
    if not 0 <= s < len(ctx.model.subgraphs):
        ctx.fail(f"{field} {s} out of range (model has {len(ctx.model.subgraphs)} subgraphs)")
    if s == ctx.subgraph_index:
        ctx.fail(f"{field} {s} is the calling subgraph itself")
    return s


@register("IF")
class If(Op):
    subgraph_options = ("then_subgraph_index", "else_subgraph_index")

    def prepare(self, node: Operator, ctx: OpContext) -> IfParams:
        ctx.require(node.options is not None, "IF needs IfOptions")
        ctx.require(len(node.inputs) > 0 and node.inputs[0] is not None, "IF needs a condition input")
        cond = node.inputs[0]
        if cond.dtype != DType.bool:
            ctx.unsupported_type(cond, (DType.bool,))
        if cond.size != 1:
            ctx.shape_error(f"condition must have one element, has {cond.size}")
        ctx.require(all(t is not None for t in node.inputs[1:]), "IF inputs cannot be omitted")
        then_s = subgraph_index(ctx, node.options.then_subgraph_index, "then_subgraph_index")
        else_s = subgraph_index(ctx, node.options.else_subgraph_index, "else_subgraph_index")
        for s in (then_s, else_s):
            sg = ctx.model.subgraphs[s]
            check_io(ctx, list(node.inputs[1:]), sg.inputs, s, "inputs")
            check_io(ctx, list(node.outputs), sg.outputs, s, "outputs")
        return IfParams(then_s, else_s)

    def bind(self, p: IfParams, graph: Any, s: int, node: int) -> IfCall:
        return IfCall(graph, p.then_subgraph_index, p.else_subgraph_index)

    def eval(self, p: IfCall, inputs, outputs) -> None:
        g = p.graph
        c = inputs[0]
        cond = c.reshape(c.shape[0], -1)[:, 0]
        data = inputs[1:]
        if c.shape[0] == 1 or cond.all() or not cond.any():
            res = g.invoke(p.then_subgraph_index if cond[0] else p.else_subgraph_index, data)
            for o, r in zip(outputs, res):
                o[...] = r.reshape(o.shape)
            return
        for s, mask in ((p.then_subgraph_index, cond), (p.else_subgraph_index, ~cond)):
            sel = np.flatnonzero(mask)
            res = g.invoke(s, [x if x.shape[0] == 1 else x[sel] for x in data], sel)
            for o, r in zip(outputs, res):
                o[sel] = r.reshape((len(sel), *o.shape[1:]))

    def cost(self, node: Operator) -> Cost:
        moved = sum(t.size for t in node.outputs)  # the branch's own ops are costed in their subgraph
        return Cost(elementwise=max(moved, 1), bytes_in=io_bytes(node.inputs), bytes_out=io_bytes(node.outputs))
