"""Model -> CompiledModel, exactly once: ops resolved, params prepared, arena planned.

Every error surfaces here (all unsupported ops at once); consumers never re-run ``prepare``.

Models with control flow (IF, WHILE, CALL_ONCE) get every subgraph reachable from subgraph 0
prepared (``CompiledModel.subgraphs``) and one arena plan over all subgraphs, as TFLM's
``MicroInterpreterGraph``/``MarkAllocationLifetimes`` do. Ops that call subgraphs or use resource
variables override ``Op.bind``: the interpreter hands them its runtime
(:class:`mcuml.interp.graph.Graph`) and evaluates them with what ``bind`` returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mcuml.errors import InvalidModelError, McumlError, OpProblem, UnsupportedOpError
from mcuml.ir.model import Model, Operator, Subgraph
from mcuml.ops import Op, OpContext, lookup
from mcuml.plan import ArenaPlan, UsageRecord, plan_greedy, usage_records
from mcuml.plan.core import called_subgraphs, model_lifetimes


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
class CompiledSubgraph:
    """The prepared nodes of one subgraph; ``inputs``/``outputs`` are its tensor indices."""

    index: int
    subgraph: Subgraph
    nodes: tuple[BoundNode, ...]
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ResourceSpec:
    """One resource variable (TFLM ``MicroResourceVariable``): its buffer size and fill byte.

    ``nbytes``/``default`` come from the first ASSIGN_VARIABLE prepared for it (``Allocate``):
    the buffer is memset to the value tensor's zero point (as int8), or 0 without quantization.
    """

    container: str | None
    shared_name: str
    nbytes: int = 0
    default: int = 0


@dataclass(frozen=True, slots=True)
class CompiledModel:
    model: Model
    subgraph: Subgraph
    nodes: tuple[BoundNode, ...]
    records: tuple[UsageRecord, ...]
    plan: ArenaPlan
    subgraphs: tuple[CompiledSubgraph | None, ...] = ()  # by subgraph index; None where nothing calls it
    resources: tuple[ResourceSpec, ...] = ()  # by resource id

    @property
    def needs_runtime(self) -> bool:
        """Some op calls a subgraph or holds resource variables (evaluated through ``bind``)."""
        return any(bn.op.needs_graph for cs in self.subgraphs if cs is not None for bn in cs.nodes)

    @property
    def arena_bytes(self) -> int:
        """Head size: the planned (non-persistent) part of the arena."""
        return self.plan.size


def compile(model: Model, *, planner: str = "greedy") -> CompiledModel:  # noqa: A001 - public API name
    """Resolve and prepare every operator of subgraph 0 (and of the subgraphs it calls); plan the arena."""
    from mcuml.validate import check_plan_budget, validate

    validate(model)  # what TFLM's allocator refuses, and what mcuml refuses to compute, before any prepare
    reach = _reachable(model)
    problems: list[OpProblem] = []
    first_error: McumlError | None = None
    invalid: list[int] = []
    compiled: list[CompiledSubgraph | None] = [None] * len(model.subgraphs)
    for s in reach:  # TFLM prepares subgraph by subgraph, in index order
        sg = model.subgraphs[s]
        index = {id(t): i for i, t in enumerate(sg.tensors)}
        nodes: list[BoundNode] = []
        for i, node in enumerate(sg.operators):
            op = lookup(node.name)
            if op is None:
                problems.append(OpProblem(node.name, i, f"mcuml has no kernel for {node.name}"
                                          + (f" (subgraph {s})" if s else "")))
                continue
            ctx = OpContext(model, sg, s, i, node.name)
            try:
                params = op.prepare(node, ctx)
            except McumlError as e:
                first_error = first_error or e
                if isinstance(e, InvalidModelError):
                    invalid.append(i)
                problems.append(OpProblem(node.name, i, e.message))
                continue
            nodes.append(BoundNode(i, node, op, params,
                                   tuple(-1 if t is None else index[id(t)] for t in node.inputs),
                                   tuple(index[id(t)] for t in node.outputs)))
        compiled[s] = CompiledSubgraph(s, sg, tuple(nodes), tuple(index[id(t)] for t in sg.inputs),
                                       tuple(index[id(t)] for t in sg.outputs))
    if problems:
        if len(problems) == 1 and first_error is not None:
            raise first_error
        lines = "; ".join(f"node {p.node} ({p.op}): {p.reason}" for p in problems)
        if invalid:  # TFLM refuses the model too: that is the headline
            raise InvalidModelError(f"{len(problems)} operator(s) cannot run, TFLM refuses {len(invalid)}: {lines}",
                                    problems=tuple(problems))
        raise UnsupportedOpError(f"{len(problems)} operator(s) cannot run: {lines}", problems=tuple(problems))
    records = tuple(usage_records(model))  # TFLM's records: tensors, then kernel scratch (tensor=None)
    if planner != "greedy":
        from mcuml.plan import get_planner  # provided by the planners module

        plan = get_planner(planner)(records)
    else:
        plan = plan_greedy(records)
    check_plan_budget(plan.size + sum(t.nbytes for sg in model.subgraphs for t in sg.tensors if t.is_variable))
    main = compiled[0]
    assert main is not None
    return CompiledModel(model, main.subgraph, main.nodes, records, plan, tuple(compiled), _resources(compiled))


def _reachable(model: Model) -> list[int]:
    """Subgraph 0 and every subgraph an IF/WHILE/CALL_ONCE reaches from it, sorted; no recursion."""
    n = len(model.subgraphs)
    seen = {0}
    todo = [0]
    while todo:
        s = todo.pop()
        for k, op in enumerate(model.subgraphs[s].operators):
            for callee in called_subgraphs(op):
                if not 0 <= callee < n:
                    raise UnsupportedOpError(f"subgraph {s}, node {k} ({op.name}): calls subgraph {callee}, "
                                             f"but the model has {n}", subgraph=s, node=k, op=op.name)
                if callee not in seen:
                    seen.add(callee)
                    todo.append(callee)
    if len(seen) > 1:
        try:
            model_lifetimes(model)
        except ValueError as e:  # recursion: TFLM's planner would not terminate either
            raise UnsupportedOpError(str(e)) from None
    return sorted(seen)


def _resources(compiled: list[CompiledSubgraph | None]) -> tuple[ResourceSpec, ...]:
    """Resource ids and buffers as TFLM's prepare pass leaves them: VAR_HANDLE ids in prepare order,
    each buffer sized by the first ASSIGN_VARIABLE whose handle comes from an already prepared VAR_HANDLE."""
    specs: dict[int, ResourceSpec] = {}
    for cs in compiled:
        if cs is None:
            continue
        handle: dict[int, int] = {}  # tensor index -> resource id of the VAR_HANDLE writing it
        for bn in cs.nodes:
            if bn.node.name == "VAR_HANDLE":
                rid = bn.params.resource_id
                handle[bn.outputs[0]] = rid
                specs.setdefault(rid, ResourceSpec(bn.params.container, bn.params.shared_name))
            elif bn.node.name == "ASSIGN_VARIABLE" and bn.inputs[0] in handle:
                rid = handle[bn.inputs[0]]
                if specs[rid].nbytes == 0:
                    v = bn.node.inputs[1]
                    q = v.quantization
                    default = int(q.zero_point[0]) & 0xFF if q is not None and q.scale and q.zero_point else 0
                    specs[rid] = ResourceSpec(specs[rid].container, specs[rid].shared_name, v.nbytes, default)
    n = max(specs, default=-1) + 1
    return tuple(specs.get(i, ResourceSpec(None, "")) for i in range(n))
