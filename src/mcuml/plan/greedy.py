"""A faithful port of TFLM's ``GreedyMemoryPlanner``.

Source: ``tensorflow/lite/micro/memory_planner/greedy_memory_planner.cc``
(``CalculateOffsetsIfNeeded``, ``ReverseSortInPlace``, ``NextSimultaneouslyActiveBuffer``).
Same order, same tie-breaks, hence the same offsets as the C++ (tflm-reference §1.5):

* offline-planned buffers first, in insertion order, at their fixed offsets;
* online buffers in *reverse insertion order*, then a stable sort by size descending — so among
  equal sizes the later-added buffer is placed first;
* each online buffer goes into the first gap (walking buffers in offset order, considering only
  those live at the same time) that is large enough, else after the last of them.
"""

from __future__ import annotations

from typing import Sequence

from mcuml.plan.core import ArenaPlan, UsageRecord


def plan_greedy(records: Sequence[UsageRecord]) -> ArenaPlan:
    n = len(records)
    if n == 0:
        return ArenaPlan((), 0, "greedy", ())
    offline = [i for i, r in enumerate(records) if r.offline_offset != -1]
    online = [i for i, r in enumerate(records) if r.offline_offset == -1][::-1]
    # ReverseSortInPlace is a stable bubble sort, descending by size; sorted() is stable too.
    online = sorted(online, key=lambda i: -records[i].size)
    order = offline + online

    offsets = [0] * n
    by_offset: list[int] = []  # record indices, kept sorted by offset (ties: insertion order)
    for k, i in enumerate(order):
        r = records[i]
        if r.offline_offset != -1:
            off = r.offline_offset
        elif k == 0:
            off = 0
        else:
            candidate = 0
            off = -1
            for j in by_offset:
                o = records[j]
                if o.first_use > r.last_use or r.first_use > o.last_use:
                    continue  # not simultaneously active
                if offsets[j] - candidate >= r.size:
                    off = candidate
                    break
                candidate = max(candidate, offsets[j] + o.size)
            if off == -1:
                off = candidate
        offsets[i] = off
        # insert after the last entry whose offset <= off (head if below the first)
        pos = len(by_offset)
        while pos > 0 and offsets[by_offset[pos - 1]] > off:
            pos -= 1
        by_offset.insert(pos, i)
    size = max(offsets[i] + records[i].size for i in range(n))
    return ArenaPlan(tuple(offsets), size, "greedy", tuple(records))
