"""Model -> CompiledModel, exactly once: ops resolved, params prepared, arena planned.

Every error surfaces here (all unsupported ops at once); consumers never re-run ``prepare``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mcuml.errors import McumlError, OpProblem, UnsupportedOpError
from mcuml.ir.model import Model, Operator, Subgraph
from mcuml.ops import Op, OpContext, lookup
from mcuml.plan import ArenaPlan, UsageRecord, plan_greedy, usage_records


@dataclass(frozen=True, slots=True)
class BoundNode:
    """One operator with its resolved kernel and prepared params; indices refer to subgraph tensors."""

    index: int
    node: Operator
    op: Op
    params: Any
    inputs: tuple[int, ...]  # -1 for omitted optional inputs
    outputs: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class CompiledModel:
    model: Model
    subgraph: Subgraph
    nodes: tuple[BoundNode, ...]
    records: tuple[UsageRecord, ...]
    plan: ArenaPlan

    @property
    def arena_bytes(self) -> int:
        """Head size: the planned (non-persistent) part of the arena."""
        return self.plan.size


def compile(model: Model, *, planner: str = "greedy") -> CompiledModel:  # noqa: A001 - public API name
    """Resolve and prepare every operator of subgraph 0 and plan the arena."""
    if not model.subgraphs:
        raise McumlError("model has no subgraphs")
    sg = model.subgraphs[0]
    index = {id(t): i for i, t in enumerate(sg.tensors)}
    nodes: list[BoundNode] = []
    problems: list[OpProblem] = []
    first_error: McumlError | None = None
    for i, node in enumerate(sg.operators):
        op = lookup(node.name)
        if op is None:
            problems.append(OpProblem(node.name, i, f"mcuml has no kernel for {node.name}"))
            continue
        ctx = OpContext(model, sg, 0, i, node.name)
        try:
            params = op.prepare(node, ctx)
        except McumlError as e:
            first_error = first_error or e
            problems.append(OpProblem(node.name, i, e.message))
            continue
        nodes.append(BoundNode(i, node, op, params,
                               tuple(-1 if t is None else index[id(t)] for t in node.inputs),
                               tuple(index[id(t)] for t in node.outputs)))
    if problems:
        if len(problems) == 1 and first_error is not None:
            raise first_error
        lines = "; ".join(f"node {p.node} ({p.op}): {p.reason}" for p in problems)
        raise UnsupportedOpError(f"{len(problems)} operator(s) cannot run: {lines}", problems=tuple(problems))
    records = tuple(usage_records(model))  # TFLM's records: tensors, then kernel scratch (tensor=None)
    if planner != "greedy":
        from mcuml.plan import get_planner  # provided by the planners module

        plan = get_planner(planner)(records)
    else:
        plan = plan_greedy(records)
    return CompiledModel(model, sg, tuple(nodes), records, plan)
