"""Tensor usage records and arena plans: the data every planner shares.

``UsageRecord`` mirrors TFLM's ``AddBuffer(size, first_time_used, last_time_used[, offline_offset])``
and ``ArenaPlan`` what ``GetOffsetForBuffer``/``GetMaximumMemorySize`` return.
Lifetimes follow ``MarkAllocationLifetimes`` in ``tensorflow/lite/micro/micro_allocation_info.cc``
(tflm-reference §1.3): subgraph inputs at t=0, op *i* at t=i+1, subgraph outputs to the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mcuml.ir.model import Model, Operator, Subgraph, Tensor

ALIGNMENT = 16  # MicroArenaBufferAlignment()


def align_up(n: int, a: int = ALIGNMENT) -> int:
    return (n + a - 1) // a * a


@dataclass(frozen=True, slots=True)
class UsageRecord:
    """One planned buffer: aligned size and inclusive lifetime [first_use, last_use]."""

    size: int
    first_use: int
    last_use: int
    offline_offset: int = -1
    tensor: int | None = None  # tensor index in its subgraph, None for a scratch buffer
    op: int | None = None  # requesting op for scratch buffers
    label: str = ""
    subgraph: int = 0  # subgraph of ``tensor``/``op`` (models with IF/WHILE/CALL_ONCE plan every subgraph)

    def overlaps(self, other: "UsageRecord") -> bool:
        """Simultaneously live (touching endpoints count, as in TFLM)."""
        return not (self.first_use > other.last_use or other.first_use > self.last_use)


@dataclass(frozen=True, slots=True)
class ArenaPlan:
    """Offsets (one per record, same order) and the head size ``max(offset + size)``."""

    offsets: tuple[int, ...]
    size: int
    planner: str = "greedy"
    records: tuple[UsageRecord, ...] = field(default=(), repr=False)

    def overlapping_pairs(self) -> list[tuple[int, int]]:
        """Pairs of record indices that are live together and share bytes (must be empty)."""
        bad = []
        recs = self.records
        for i in range(len(recs)):
            for j in range(i + 1, len(recs)):
                a, b = recs[i], recs[j]
                if a.size and b.size and a.overlaps(b):
                    oa, ob = self.offsets[i], self.offsets[j]
                    if oa < ob + b.size and ob < oa + a.size:
                        bad.append((i, j))
        return bad


def needs_allocating(t: Tensor) -> bool:
    """TFLM plans a tensor iff it has no constant data, is not a variable, and is non-empty."""
    return not t.is_constant and not t.is_variable and t.nbytes > 0


def tensor_lifetimes(sg: Subgraph) -> dict[int, tuple[int, int]]:
    """tensor index -> (first, last) per ``MarkAllocationLifetimes`` for a plain (no IF/WHILE) graph."""
    index = {id(t): i for i, t in enumerate(sg.tensors)}
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    for t in sg.inputs:
        i = index[id(t)]
        first[i] = 0
        last[i] = 0
    scope = 0
    for op in sg.operators:
        scope += 1
        for t in op.outputs:
            first.setdefault(index[id(t)], scope)
        for t in op.inputs:
            if t is not None:
                last[index[id(t)]] = scope
        for t in op.outputs:
            last[index[id(t)]] = scope
    for t in sg.outputs:
        i = index[id(t)]
        first.setdefault(i, scope)
        last[i] = scope
    return {i: (first.get(i, -1), last.get(i, -1)) for i in set(first) | set(last)}


def tensor_records(sg: Subgraph) -> list[UsageRecord]:
    """Usage records for the planned tensors of one subgraph, in tensor-index order."""
    lt = tensor_lifetimes(sg)
    recs = []
    for i, t in enumerate(sg.tensors):
        if not needs_allocating(t):
            continue
        first, last = lt.get(i, (-1, -1))
        recs.append(UsageRecord(align_up(t.nbytes), first, last, tensor=i, label=t.name))
    return recs


def called_subgraphs(op: Operator) -> tuple[int, ...]:
    """Subgraphs a control-flow op invokes, in TFLM's order (``MarkSubgraphLifetimesIfNecessary``)."""
    o = op.options
    if o is None:
        return ()
    if op.name == "IF":
        return (int(o.then_subgraph_index), int(o.else_subgraph_index))
    if op.name == "WHILE":
        return (int(o.cond_subgraph_index), int(o.body_subgraph_index))
    if op.name == "CALL_ONCE":
        return (int(o.init_subgraph_index),)
    return ()


Lifetimes = dict[tuple[int, int], tuple[int, int]]


def model_lifetimes(model: Model, scratch: dict[int, list[int]] | None = None) -> tuple[Lifetimes, Lifetimes]:
    """``MarkAllocationLifetimes`` from subgraph 0 with its recursion into called subgraphs.

    Returns (subgraph, tensor) -> (first, last) and (subgraph, op) -> (first, last) for scratch
    buffers (``scratch`` lists, per subgraph, the ops that request any). One scope counter runs
    through all subgraphs: entering a called subgraph takes a fresh scope, so its tensors live
    strictly inside the calling op's step while the op's own inputs/outputs span all of it.
    Entries never visited are absent (TFLM keeps them at -1). Like TFLM, the first-created mark
    is overwritten on every visit (a subgraph called twice keeps its last lifetimes).
    """
    tensors: Lifetimes = {}
    scratch_lt: Lifetimes = {}
    scope = 0
    stack: list[int] = []

    def created(key: tuple[int, int]) -> None:
        tensors[key] = (scope, scope)

    def used(key: tuple[int, int]) -> None:
        first = tensors.get(key, (-1, -1))[0]
        tensors[key] = (first, scope)

    def mark(s: int) -> None:
        nonlocal scope
        if s in stack:
            raise ValueError(f"subgraph {s} calls itself (through {stack}): TFLM cannot plan recursion")
        if not 0 <= s < len(model.subgraphs):
            raise ValueError(f"a control-flow op calls subgraph {s}, but the model has {len(model.subgraphs)}")
        stack.append(s)
        sg = model.subgraphs[s]
        index = {id(t): i for i, t in enumerate(sg.tensors)}
        for t in sg.inputs:
            created((s, index[id(t)]))
        for t in sg.outputs:
            created((s, index[id(t)]))
        for k, op in enumerate(sg.operators):
            scope += 1
            for t in op.outputs:
                created((s, index[id(t)]))
            start = scope
            for callee in called_subgraphs(op):
                scope += 1
                mark(callee)
            for t in op.inputs:
                if t is not None:
                    used((s, index[id(t)]))
            for t in op.outputs:
                used((s, index[id(t)]))
            if scratch is not None and k in scratch.get(s, ()):
                scratch_lt[(s, k)] = (start, scope)
        for t in sg.outputs:
            used((s, index[id(t)]))
        stack.pop()

    mark(0)
    return tensors, scratch_lt
