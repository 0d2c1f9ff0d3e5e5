"""Tensor usage records and arena plans: the data every planner shares.

``UsageRecord`` mirrors TFLM's ``AddBuffer(size, first_time_used, last_time_used[, offline_offset])``
and ``ArenaPlan`` what ``GetOffsetForBuffer``/``GetMaximumMemorySize`` return.
Lifetimes follow ``MarkAllocationLifetimes`` in ``tensorflow/lite/micro/micro_allocation_info.cc``
(tflm-reference §1.3): subgraph inputs at t=0, op *i* at t=i+1, subgraph outputs to the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mcuml.ir.model import Subgraph, Tensor

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
