"""Planners behind one interface, ``plan(records) -> ArenaPlan``, and the live-bytes lower bound.

* ``greedy``: TFLM's ``GreedyMemoryPlanner`` (:mod:`mcuml.plan.greedy`), the head size TFLM reserves.
* ``linear``: TFLM's ``LinearMemoryPlanner`` (running sum, no reuse).
* ``optimal``: never worse than greedy. Several orderings (size, area, lifetime, start time) crossed
  with first-fit and best-fit placement, a randomized refinement (a fixed seed and number of
  iterations), and for small instances an exact branch-and-bound (a fixed number of steps); the best
  plan wins and greedy's is a candidate. Bounded by work, never by time: the same records give the
  same offsets on every run and machine, whatever the load.
  Offline-fixed records keep their offsets in every planner.
"""

from __future__ import annotations

import random
from typing import Callable, Sequence

from mcuml.errors import UsageError
from mcuml.plan.core import ArenaPlan, UsageRecord
from mcuml.plan.greedy import plan_greedy

Planner = Callable[[Sequence[UsageRecord]], ArenaPlan]


def lower_bound(records: Sequence[UsageRecord]) -> int:
    """Max over time of the bytes simultaneously live: no planner can do better."""
    events: dict[int, int] = {}
    for r in records:
        events[r.first_use] = events.get(r.first_use, 0) + r.size
        events[r.last_use + 1] = events.get(r.last_use + 1, 0) - r.size
    live = best = 0
    for t in sorted(events):
        live += events[t]
        best = max(best, live)
    return best


def plan_linear(records: Sequence[UsageRecord]) -> ArenaPlan:
    offsets, total = [], 0
    for r in records:
        if r.offline_offset != -1:
            offsets.append(r.offline_offset)
            continue
        offsets.append(total)
        total += r.size
    size = max((o + r.size for o, r in zip(offsets, records)), default=0)
    return ArenaPlan(tuple(offsets), size, "linear", tuple(records))


def _place(records: Sequence[UsageRecord], order: Sequence[int], best_fit: bool,
           limit: int | None = None) -> tuple[list[int], int] | None:
    """Place online records in ``order`` after the offline ones; None once the size exceeds ``limit``."""
    n = len(records)
    offsets = [-1] * n
    placed: list[int] = []
    top = 0
    for i, r in enumerate(records):
        if r.offline_offset != -1:
            offsets[i] = r.offline_offset
            placed.append(i)
            top = max(top, r.offline_offset + r.size)
    for i in order:
        r = records[i]
        if r.offline_offset != -1:
            continue
        busy = sorted((offsets[j], offsets[j] + records[j].size) for j in placed
                      if records[j].first_use <= r.last_use and r.first_use <= records[j].last_use
                      and records[j].size)
        cand, best, best_gap = 0, -1, None
        for lo, hi in busy:
            gap = lo - cand
            if gap >= r.size:
                if not best_fit:
                    best = cand
                    break
                if best_gap is None or gap < best_gap:
                    best, best_gap = cand, gap
            cand = max(cand, hi)
        off = best if best != -1 else cand
        offsets[i] = off
        placed.append(i)
        top = max(top, off + r.size)
        if limit is not None and top > limit:
            return None
    return offsets, top


def _orderings(records: Sequence[UsageRecord]) -> list[list[int]]:
    idx = [i for i, r in enumerate(records) if r.offline_offset == -1]
    dur = {i: records[i].last_use - records[i].first_use + 1 for i in idx}
    keys = [
        lambda i: (-records[i].size, -i),
        lambda i: (-records[i].size, i),
        lambda i: (-records[i].size * dur[i], -records[i].size),
        lambda i: (-dur[i], -records[i].size),
        lambda i: (records[i].first_use, -records[i].size),
        lambda i: (-records[i].last_use, -records[i].size),
    ]
    # conflict weight: bytes overlapping in time (denser neighbourhoods first)
    weight = {i: sum(records[j].size for j in idx if j != i and records[j].overlaps(records[i])) for i in idx}
    keys.append(lambda i: (-(weight[i] + records[i].size), -records[i].size))
    return [sorted(idx, key=k) for k in keys]


REFINE_ITERATIONS = 1000  # random re-orderings tried (measured on the shared models: the two that need any reach
# the lower bound after 202 and 305; one iteration costs ~0.3 ms at 80 records, ~2.3 ms at 248)
EXACT_MAX_STEPS = 200_000  # branch-and-bound nodes (exact_max = 9 records: far fewer in practice)


def plan_optimal(records: Sequence[UsageRecord], *, iterations: int = REFINE_ITERATIONS, exact_max: int = 9,
                 seed: int = 0, exact_steps: int = EXACT_MAX_STEPS) -> ArenaPlan:
    """The smallest plan found in ``iterations`` seeded refinements (after the fixed orderings);
    exact for <= ``exact_max`` online records unless the search needs more than ``exact_steps`` nodes.

    Deterministic: ``random.Random(seed)`` drives the refinement and nothing reads a clock.
    """
    records = tuple(records)
    base = plan_greedy(records)
    best_offsets, best_size = list(base.offsets), base.size
    if not records:
        return ArenaPlan((), 0, "optimal", records)
    floor = lower_bound(records)
    orders = _orderings(records)
    for order in orders:
        for bf in (False, True):
            got = _place(records, order, bf, best_size - 1)
            if got is not None and got[1] < best_size:
                best_offsets, best_size = got
            if best_size <= floor:
                return ArenaPlan(tuple(best_offsets), best_size, "optimal", records)
    online = [i for i, r in enumerate(records) if r.offline_offset == -1]
    if len(online) <= exact_max:
        got = _exact(records, online, best_size, floor, exact_steps)
        if got is not None:
            best_offsets, best_size = got
    rng = random.Random(seed)
    seeds = orders[:]
    for _ in range(iterations if len(online) > 1 else 0):
        if best_size <= floor:
            break
        order = list(rng.choice(seeds))
        for _ in range(max(1, len(order) // 8)):  # a few swaps of neighbours in the order
            k = rng.randrange(len(order) - 1)
            order[k], order[k + 1] = order[k + 1], order[k]
        got = _place(records, order, rng.random() < 0.5, best_size - 1)
        if got is not None and got[1] < best_size:
            best_offsets, best_size = got
            seeds.append(order)
    return ArenaPlan(tuple(best_offsets), best_size, "optimal", records)


def _first_fit(records: Sequence[UsageRecord], offsets: list[int], placed: list[int], i: int) -> int:
    r = records[i]
    busy = sorted((offsets[j], offsets[j] + records[j].size) for j in placed
                  if records[j].size and records[j].overlaps(r))
    cand = 0
    for lo, hi in busy:
        if lo - cand >= r.size:
            break
        cand = max(cand, hi)
    return cand


def _exact(records: Sequence[UsageRecord], online: list[int], incumbent: int, floor: int,
           max_steps: int) -> tuple[list[int], int] | None:
    """Branch and bound over placement orders with first-fit placement.

    Complete: sort an optimal (gravity-compacted) packing by offset; first-fit in that order puts
    every record at or below its optimal offset without collisions, so some order reaches the optimum.
    """
    offsets = [-1] * len(records)
    for i, r in enumerate(records):
        if r.offline_offset != -1:
            offsets[i] = r.offline_offset
    placed = [i for i, r in enumerate(records) if r.offline_offset != -1]
    best: list = [incumbent, None]
    steps = [0]
    remaining = sorted(online, key=lambda i: -records[i].size)

    def rec(top: int) -> bool:
        steps[0] += 1
        if steps[0] > max_steps:
            return True  # out of steps: keep the best so far
        if not remaining:
            if top < best[0]:
                best[0], best[1] = top, list(offsets)
            return best[0] <= floor
        seen: set = set()
        for k in range(len(remaining)):
            i = remaining[k]
            r = records[i]
            key = (r.size, r.first_use, r.last_use)  # identical records are interchangeable
            if key in seen:
                continue
            seen.add(key)
            c = _first_fit(records, offsets, placed, i)
            new_top = max(top, c + r.size)
            if new_top >= best[0]:
                continue
            offsets[i] = c
            placed.append(i)
            remaining.pop(k)
            stop = rec(new_top)
            remaining.insert(k, i)
            placed.pop()
            offsets[i] = -1
            if stop:
                return True
        return False

    rec(max((records[j].offline_offset + records[j].size for j in placed), default=0))
    return None if best[1] is None else (best[1], best[0])


PLANNERS: dict[str, Planner] = {"greedy": plan_greedy, "linear": plan_linear, "optimal": plan_optimal}


def get_planner(name: str) -> Planner:
    """``"greedy"`` (TFLM), ``"linear"`` (no reuse) or ``"optimal"`` (never worse than greedy)."""
    try:
        return PLANNERS[name]
    except KeyError:
        raise UsageError(f"unknown planner {name!r}; choose from {sorted(PLANNERS)}") from None
