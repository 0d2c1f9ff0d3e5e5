"""Operator reordering: a valid topological order that minimizes peak live memory.

The search is the memoized one of tflite-tools (``tflite_tools/optimizer/memory``): a state is the
set of operators already run; running a ready operator from that state costs the bytes live
during its step under TFLM's lifetime rules (its inputs, outputs and scratch, plus every tensor
produced earlier and read later, plus subgraph outputs); the value of a state is the smallest
achievable maximum over the remaining steps. States are memoized; past ``max_states`` the search
gives up and the original order is kept.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Sequence

from mcuml.ir.model import Model, Subgraph
from mcuml.plan.core import align_up, needs_allocating


class _Graph:
    def __init__(self, sg: Subgraph, scratch: dict[int, int]) -> None:
        index = {id(t): i for i, t in enumerate(sg.tensors)}
        self.n = len(sg.operators)
        self.size = [align_up(t.nbytes) if needs_allocating(t) else 0 for t in sg.tensors]
        self.ins = [tuple(sorted({index[id(t)] for t in op.inputs if t is not None})) for op in sg.operators]
        self.outs = [tuple(index[id(t)] for t in op.outputs) for op in sg.operators]
        producer = {t: k for k, outs in enumerate(self.outs) for t in outs}
        self.deps = [frozenset(producer[t] for t in ins if t in producer and producer[t] != k)
                     for k, ins in enumerate(self.ins)]
        self.consumers: dict[int, set[int]] = {}
        for k, ins in enumerate(self.ins):
            for t in ins:
                self.consumers.setdefault(t, set()).add(k)
        self.graph_outputs = frozenset(index[id(t)] for t in sg.outputs)
        self.graph_inputs = tuple(index[id(t)] for t in sg.inputs)
        self.scratch = scratch

    def live_after(self, done: frozenset[int]) -> set[int]:
        """Planned tensors alive between steps: produced (or inputs) and still needed."""
        live = set()
        avail = set(self.graph_inputs)
        for k in done:
            avail.update(self.outs[k])
        for t in avail:
            if t in self.graph_outputs or any(c not in done for c in self.consumers.get(t, ())):
                live.add(t)
        return live

    def step_cost(self, done: frozenset[int], k: int) -> int:
        live = self.live_after(done) | set(self.ins[k]) | set(self.outs[k])
        return sum(self.size[t] for t in live) + self.scratch.get(k, 0)


def best_order(sg: Subgraph, scratch: dict[int, int] | None = None, *, max_states: int = 200_000) -> tuple[list[int], int]:
    """(operator order, its peak live bytes); the original order if the search runs out of states."""
    g = _Graph(sg, scratch or {})
    full = frozenset(range(g.n))
    states = [0]

    @lru_cache(maxsize=None)
    def solve(done: frozenset[int]) -> tuple[int, int]:
        if done == full:
            return 0, -1
        states[0] += 1
        if states[0] > max_states:
            raise _Budget
        best = (1 << 62, -1)
        for k in range(g.n):
            if k in done or not g.deps[k] <= done:
                continue
            cost = max(g.step_cost(done, k), solve(done | {k})[0])
            if cost < best[0]:
                best = (cost, k)
        return best

    original = list(range(g.n))
    try:
        peak, _ = solve(frozenset())
    except _Budget:
        return original, peak_of(sg, original, scratch)
    order, done = [], frozenset()
    while done != full:
        k = solve(done)[1]
        order.append(k)
        done = done | {k}
    return order, peak


class _Budget(Exception):
    pass


def peak_of(sg: Subgraph, order: Sequence[int], scratch: dict[int, int] | None = None) -> int:
    g = _Graph(sg, scratch or {})
    done: frozenset[int] = frozenset()
    peak = 0
    for k in order:
        peak = max(peak, g.step_cost(done, k))
        done = done | {k}
    return peak


def reorder_model(model: Model, order: Sequence[int]) -> Model:
    """A copy of ``model`` (sharing tensors and buffers) whose subgraph 0 runs ops in ``order``."""
    import copy

    new = copy.copy(model)
    sg = copy.copy(model.subgraphs[0])
    sg.operators = [model.subgraphs[0].operators[k] for k in order]
    new.subgraphs = [sg, *model.subgraphs[1:]]
    sigs = []
    for sd in model.signature_defs:
        sd = copy.copy(sd)
        if sd.subgraph is model.subgraphs[0]:
            sd.subgraph = sg
        sigs.append(sd)
    new.signature_defs = sigs
    return new
