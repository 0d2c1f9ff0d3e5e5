"""Greedy planner vs an independent, C++-structured re-implementation; TFLM head sizes; planners' invariants."""

from __future__ import annotations

import json
import random
from pathlib import Path


from mcuml.plan import UsageRecord, get_planner, lower_bound, plan_greedy, usage_records

DATA = Path(__file__).parent / "data" / "tflm_arena.json"


def cxx_greedy(records):
    """Mirrors greedy_memory_planner.cc: arrays filled from both ends, bubble sort, linked list by offset."""
    n = len(records)
    ids, sizes, offs = [0] * n, [0] * n, [-1] * n
    head, tail = 0, n
    for i, r in enumerate(records):
        if r.offline_offset == -1:
            tail -= 1
            sizes[tail], ids[tail] = r.size, i
        else:
            sizes[head], ids[head] = r.size, i
            offs[i] = r.offline_offset
            head += 1
    swapped = True
    while swapped:  # ReverseSortInPlace on the online part
        swapped = False
        for k in range(head + 1, n):
            if sizes[k - 1] < sizes[k]:
                sizes[k - 1], sizes[k] = sizes[k], sizes[k - 1]
                ids[k - 1], ids[k] = ids[k], ids[k - 1]
                swapped = True
    entries = []  # [offset, record, next]
    first = 0
    b = ids[0]
    if records[b].offline_offset == -1:
        offs[b] = 0
    entries.append([offs[b], b, -1])
    for k in range(1, n):
        b = ids[k]
        r = records[b]
        cand = 0
        if r.offline_offset == -1:
            prior = None
            while True:
                e = first if prior is None else entries[prior][2]
                nxt = None
                while e != -1:
                    o = records[entries[e][1]]
                    if not (o.first_use > r.last_use or r.first_use > o.last_use):
                        nxt = e
                        break
                    e = entries[e][2]
                if prior is not None:
                    p = entries[prior]
                    cand = max(cand, p[0] + records[p[1]].size)
                if nxt is None or entries[nxt][0] - cand >= r.size:
                    break
                prior = nxt
        else:
            cand = r.offline_offset
        offs[b] = cand
        entries.append([cand, b, -1])
        new = len(entries) - 1
        if entries[first][0] > cand:
            entries[new][2] = first
            first = new
        else:
            cur = first
            while True:
                nx = entries[cur][2]
                if nx == -1:
                    entries[cur][2] = new
                    break
                if entries[nx][0] > cand:
                    entries[new][2] = nx
                    entries[cur][2] = new
                    break
                cur = nx
    return offs


def random_records(rng: random.Random) -> list[UsageRecord]:
    n = rng.randint(1, 24)
    steps = rng.randint(1, 12)
    recs = []
    for _ in range(n):
        a = rng.randint(0, steps)
        b = rng.randint(a, steps)
        size = 16 * rng.choice([1, 1, 2, 3, 4, 4, 8, 16, rng.randint(1, 40)])
        off = -1
        if rng.random() < 0.1:
            off = 16 * rng.randint(0, 20)
        recs.append(UsageRecord(size, a, b, off))
    return recs


def test_greedy_matches_cxx_structure_on_random_sets():
    rng = random.Random(1234)
    for _ in range(1200):
        recs = random_records(rng)
        plan = plan_greedy(recs)
        assert list(plan.offsets) == cxx_greedy(recs)
        online = [r for r in recs if r.offline_offset == -1]
        if len(online) == len(recs):
            assert plan.overlapping_pairs() == []
            assert all(o % 16 == 0 for o in plan.offsets)
            assert plan.size >= lower_bound(recs)


def test_planners_valid_and_optimal_never_worse():
    rng = random.Random(7)
    for _ in range(150):
        recs = [r for r in random_records(rng) if r.offline_offset == -1] or [UsageRecord(16, 0, 0)]
        g = plan_greedy(recs)
        for name in ("linear", "optimal"):
            p = get_planner(name)(recs)
            assert p.overlapping_pairs() == []
            assert p.size >= lower_bound(recs)
        assert get_planner("optimal")(recs).size <= g.size
        assert get_planner("linear")(recs).size == sum(r.size for r in recs)


def test_optimal_beats_greedy_on_tflm_counterexample():
    # lifetimes where largest-first greedy leaves a hole; an exact search closes it
    recs = [UsageRecord(32, 0, 1), UsageRecord(48, 1, 2), UsageRecord(32, 2, 3), UsageRecord(16, 0, 3),
            UsageRecord(48, 3, 4), UsageRecord(32, 4, 5)]
    assert get_planner("optimal")(recs).size <= plan_greedy(recs).size
    assert get_planner("optimal")(recs).size >= lower_bound(recs)


def _measured():
    return json.loads(DATA.read_text())["models"]


def test_greedy_head_equals_tflm_head_on_every_shared_model():
    from oracle import MODELS, shared_path

    from mcuml import load_model

    measured = _measured()
    shared_path("models")
    for rel, m in measured.items():
        model = load_model(MODELS / rel)
        assert plan_greedy(usage_records(model)).size == m["head"], rel


def test_scratch_records_follow_tensors_and_live_one_step():
    from oracle import model_path

    from mcuml import load_model

    model = load_model(model_path("tflite_micro/keyword_scrambled.tflite"))
    recs = usage_records(model)
    scratch = [r for r in recs if r.tensor is None]
    assert len(scratch) == 14  # 7 int8 SVDF x 2 (tflm-reference §1.10)
    assert recs[-len(scratch):] == scratch
    assert all(r.first_use == r.last_use == r.op + 1 for r in scratch)
