"""Arena layout of the C engine, fixed at generation time.

Buffers, not tensors, are planned: RESHAPE/SQUEEZE/EXPAND_DIMS outputs *are* their input's
buffer, and an element-wise output may take over an input buffer that dies at that op (same
size). Each buffer's lifetime is the union of its tensors'; the records go through mcuml's
planners (TFLM's greedy port and ``plan_optimal`` with a zero time budget, so that the layout only
depends on the model, never on the machine's speed) and the smaller plan wins. Operator order:
the model's, or ``plan.reorder.best_order``'s when that lowers the arena.
"""

from __future__ import annotations

from dataclasses import dataclass

from mcuml.cengine._emit import Layer
from mcuml.ir.model import Subgraph
from mcuml.plan import UsageRecord, plan_greedy, plan_optimal

ALIGN = 4  # every C kernel needs at most 4-byte alignment (int32/float)


def _align(n: int) -> int:
    return (n + ALIGN - 1) // ALIGN * ALIGN


@dataclass(frozen=True)
class Layout:
    offsets: dict[int, int]  # tensor index -> arena offset
    size: int
    planner: str
    buffers: int  # planned buffers (after aliasing)
    shared: int  # tensors that live in another tensor's buffer
    scratch: dict[int, int]  # layer position -> arena offset of its scratch
    ring: frozenset[int]  # layer positions that run their in-place (row ring) variant


class _Groups:
    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, a: int) -> int:
        self.parent.setdefault(a, a)
        while self.parent[a] != a:
            self.parent[a] = self.parent[self.parent[a]]
            a = self.parent[a]
        return a

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


def plan_layers(sg: Subgraph, layers: list[Layer], *, inplace: bool = True) -> Layout:
    """Offsets of every activation tensor the layers touch (graph inputs/outputs included)."""
    index = {id(t): i for i, t in enumerate(sg.tensors)}
    g_in = [index[id(t)] for t in sg.inputs]
    g_out = [index[id(t)] for t in sg.outputs]
    end = len(layers) + 1
    first: dict[int, int] = {i: 0 for i in g_in}
    last: dict[int, int] = {i: 0 for i in g_in}
    for k, lay in enumerate(layers, start=1):
        for t in lay.outputs:
            first.setdefault(t, k)
            last[t] = max(last.get(t, k), k)
        for t in lay.inputs:
            first.setdefault(t, k)
            last[t] = max(last.get(t, 0), k)
    for t in g_out:
        first.setdefault(t, end)
        last[t] = end
    groups = _Groups()
    for lay in layers:
        if lay.alias:
            groups.union(lay.inputs[0], lay.outputs[0])

    def span(root: int) -> tuple[int, int]:
        members = [t for t in first if groups.find(t) == root]
        return min(first[t] for t in members), max(last[t] for t in members)

    nbytes = {i: sg.tensors[i].nbytes for i in first}
    ring: set[int] = set()
    if inplace:
        for k, lay in enumerate(layers, start=1):
            if lay.alias or len(lay.outputs) != 1 or not (lay.inplace or lay.inplace_call):
                continue
            out = lay.outputs[0]
            cands = [(pos, False) for pos in lay.inplace] + ([(0, True)] if lay.inplace_call else [])
            for pos, is_ring in cands:
                a = lay.inputs[pos]
                ra = groups.find(a)
                if ra == groups.find(out) or span(ra)[1] != k:
                    continue
                if not is_ring and _group_bytes(groups, nbytes, ra) != nbytes[out]:
                    continue
                if sum(1 for t in lay.inputs if groups.find(t) == ra) != 1:
                    continue  # the same buffer feeds two operands
                groups.union(a, out)
                if is_ring:
                    ring.add(k - 1)
                break
    roots = sorted({groups.find(t) for t in first})
    records = []
    for r in roots:
        f, last_use = span(r)
        records.append(UsageRecord(_align(_group_bytes(groups, nbytes, r)), f, last_use, tensor=r))
    scratch_of = {}
    for k, lay in enumerate(layers):
        n = lay.inplace_scratch if k in ring else lay.scratch
        if n > 0:
            scratch_of[k] = len(records)
            records.append(UsageRecord(_align(n), k + 1, k + 1, op=k))
    best = plan_greedy(records)
    if records:
        opt = plan_optimal(records, iterations=0)
        if opt.size < best.size:
            best = opt
    off_root = {r: best.offsets[k] for k, r in enumerate(roots)}
    offsets = {t: off_root[groups.find(t)] for t in first}
    scratch = {k: best.offsets[j] for k, j in scratch_of.items()}
    return Layout(offsets, best.size, best.planner, len(roots), len(first) - len(roots), scratch, frozenset(ring))


def _group_bytes(groups: _Groups, nbytes: dict[int, int], root: int) -> int:
    return max(n for t, n in nbytes.items() if groups.find(t) == root)
