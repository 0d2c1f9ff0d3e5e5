"""Deployable optimized plans: reorder operators and/or pin tensor offsets with TFLM's
``OfflineMemoryAllocation`` metadata (tflm-reference §1.8), so stock TFLM runs in a smaller arena.

Tensors get offline offsets from the chosen planner; scratch buffers stay online, and TFLM's greedy
planner fits them into the gaps at runtime, which :func:`plan_greedy` over the same records reproduces.
RESHAPE/SQUEEZE/EXPAND_DIMS outputs may share their input's bytes (the kernels skip the copy when
the pointers are equal), which only an offline plan can express (tflm-reference §1.9).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from mcuml.plan.arena import ArenaEstimate, predict_arena
from mcuml.ir.model import Buffer, Metadata, Model
from mcuml.plan.core import ArenaPlan, UsageRecord
from mcuml.plan.greedy import plan_greedy
from mcuml.plan.planners import get_planner, lower_bound
from mcuml.plan.records import OFFLINE_METADATA, scratch_requests, usage_records



def _aliases(name: str) -> bool:
    from mcuml.ops import lookup

    kernel = lookup(name)
    return kernel is not None and kernel.aliases_input


@dataclass(frozen=True, slots=True)
class OptimizedPlan:
    model: Model = field(repr=False)
    arena: ArenaEstimate
    baseline: ArenaEstimate
    order: tuple[int, ...] = ()
    aliased: int = 0  # RESHAPE-like outputs sharing their input's bytes

    @property
    def saved_bytes(self) -> int:
        return self.baseline.arena_bytes - self.arena.arena_bytes


def _alias_groups(model: Model, recs: Sequence[UsageRecord]) -> dict[int, int]:
    """tensor index -> representative tensor index, for outputs that may alias their input."""
    sg = model.subgraphs[0]
    index = {id(t): i for i, t in enumerate(sg.tensors)}
    by_tensor = {r.tensor: r for r in recs if r.tensor is not None}
    keep = {index[id(t)] for t in [*sg.inputs, *sg.outputs]}
    rep: dict[int, int] = {}
    for step, op in enumerate(sg.operators, start=1):
        if not _aliases(op.name) or not op.inputs or op.inputs[0] is None:
            continue
        a, b = index[id(op.inputs[0])], index[id(op.outputs[0])]
        ra, rb = by_tensor.get(a), by_tensor.get(b)
        if ra is None or rb is None or a in keep or b in keep or ra.size != rb.size or ra.last_use != step:
            continue
        rep[b] = rep.get(a, a)
    return rep


def _offline_plan(model: Model, planner: str, kernels: str, target: str) -> tuple[list[int], ArenaPlan, int]:
    """(per-tensor offsets for the metadata, TFLM's plan with them, aliased count)."""
    recs = usage_records(model, kernels=kernels, target=target)
    recs = [UsageRecord(r.size, r.first_use, r.last_use, -1, r.tensor, r.op, r.label) for r in recs]
    rep = _alias_groups(model, recs)
    groups: dict[int, list[int]] = {}
    for k, r in enumerate(recs):
        if r.tensor is not None:
            groups.setdefault(rep.get(r.tensor, r.tensor), []).append(k)
    merged, owner = [], []
    for members in groups.values():
        rs = [recs[k] for k in members]
        merged.append(UsageRecord(max(r.size for r in rs), min(r.first_use for r in rs), max(r.last_use for r in rs),
                                  tensor=rs[0].tensor, label=rs[0].label))
        owner.append(members)
    scratch = [r for r in recs if r.tensor is None]
    plan = get_planner(planner)([*merged, *scratch])
    n_tensors = sum(len(sg.tensors) for sg in model.subgraphs)
    offsets = [-1] * n_tensors
    fixed = list(recs)
    for members, off in zip(owner, plan.offsets):
        for k in members:
            offsets[recs[k].tensor] = off
            r = recs[k]
            fixed[k] = UsageRecord(r.size, r.first_use, r.last_use, off, r.tensor, r.op, r.label)
    return offsets, plan_greedy(fixed), sum(len(m) - 1 for m in owner)


def with_offline_offsets(model: Model, offsets: Sequence[int]) -> Model:
    """A copy of ``model`` carrying ``OfflineMemoryAllocation`` = [version 0, nsub, N, offsets...]."""
    words = np.array([0, len(model.subgraphs), len(offsets), *offsets], dtype="<i4")
    buf = Buffer(words.tobytes())
    new = copy.copy(model)
    new.buffers = [*model.buffers, buf]
    new.metadata = [m for m in model.metadata if m.name != OFFLINE_METADATA] + [Metadata(OFFLINE_METADATA, buf)]
    return new


def optimize_model(model: Model, *, planner: str = "optimal", reorder: bool = True, target: str = "cortex-m",
                   kernels: str = "reference") -> OptimizedPlan:
    """A model stock TFLM runs in a smaller arena (never a larger one than the original's)."""
    from mcuml.plan.reorder import best_order, reorder_model

    baseline = predict_arena(model, target=target, kernels=kernels)
    candidates = [(list(range(len(model.subgraphs[0].operators))), model)]
    if reorder and len(model.subgraphs) == 1:
        scratch: dict[int, int] = {}
        for k, n in scratch_requests(model.subgraphs[0], kernels, target):
            scratch[k] = scratch.get(k, 0) + -(-n // 16) * 16
        order, _ = best_order(model.subgraphs[0], scratch)
        if order != candidates[0][0]:
            candidates.append((order, reorder_model(model, order)))
    best: OptimizedPlan | None = None
    for order, m in candidates:
        offsets, tflm_plan, aliased = _offline_plan(m, planner, kernels, target)
        out = with_offline_offsets(m, offsets)
        est = predict_arena(out, target=target, kernels=kernels)
        if best is None or est.arena_bytes < best.arena.arena_bytes:
            best = OptimizedPlan(out, est, baseline, tuple(order), aliased)
    assert best is not None
    if best.arena.arena_bytes > baseline.arena_bytes:  # never ship a larger arena
        return OptimizedPlan(model, baseline, baseline, tuple(range(len(model.subgraphs[0].operators))), 0)
    return best


@dataclass(frozen=True, slots=True)
class PlanReport:
    """What ``mcuml plan`` shows: sizes, and the buffers with their offsets for the picture."""

    model: str
    planner: str
    target: str
    kernels: str
    reorder: bool
    head_bytes: int
    tail_bytes: int
    arena_bytes: int
    recommended_arena_bytes: int
    lower_bound_bytes: int
    greedy_head_bytes: int
    baseline_arena_bytes: int
    records: tuple[dict[str, Any], ...] = ()
    offsets: tuple[int, ...] = ()
    arena: ArenaEstimate | None = None
    ops: tuple[str, ...] = ()  # operator of each time step (picture ticks and the peak label)

    def render_ascii(self, width: int = 80) -> str:
        """A timeline like TFLM's ``GreedyMemoryPlanner::PrintMemoryPlan``: one line per time step."""
        lines = []
        for i, (r, off) in enumerate(zip(self.records, self.offsets)):
            lines.append(f"{_ordinal(i)} (id={i}): size={r['size']}, offset={off}, "
                         f"first_used={r['first_use']} last_used={r['last_use']}  {r['label']}")
        max_size = max([width, *(o + r["size"] for r, o in zip(self.records, self.offsets))])
        max_time = max((r["last_use"] for r in self.records), default=0)
        for t in range(max_time + 1):
            line = ["."] * width
            use = 0
            for i, (r, off) in enumerate(zip(self.records, self.offsets)):
                if not r["first_use"] <= t <= r["last_use"]:
                    continue
                use += r["size"]
                for c in range(off * width // max_size, (off + r["size"]) * width // max_size):
                    line[c] = _ordinal(i) if line[c] == "." else "!"
            lines.append(f"{t:2d}: {''.join(line)} ({(use + 1023) // 1024}k)")
        return "\n".join(lines)


def _ordinal(i: int) -> str:
    if i < 10:
        return chr(48 + i)
    if i < 36:
        return chr(97 + i - 10)
    if i < 62:
        return chr(65 + i - 36)
    return "*"


def plan_model(model: Model, *, planner: str = "greedy", reorder: bool = False, target: str = "host",
               kernels: str = "reference", name: str = "") -> tuple[PlanReport, Model]:
    """The plan report and the model to deploy (the input itself unless optimized)."""
    recs0 = usage_records(model, kernels=kernels, target=target)
    greedy_head = plan_greedy(recs0).size
    if planner == "greedy" and not reorder:
        est, out = predict_arena(model, target=target, kernels=kernels), model
        baseline = est
    elif planner == "linear":
        est, out = predict_arena(model, target=target, kernels=kernels, planner="linear"), model
        baseline = predict_arena(model, target=target, kernels=kernels)
    else:
        opt = optimize_model(model, planner=planner, reorder=reorder, target=target, kernels=kernels)
        est, out, baseline = opt.arena, opt.model, opt.baseline
    recs = usage_records(out, kernels=kernels, target=target)
    plan = get_planner("linear")(recs) if planner == "linear" else plan_greedy(recs)
    rows = tuple({"size": r.size, "first_use": r.first_use, "last_use": r.last_use, "label": r.label,
                  "tensor": r.tensor} for r in recs)
    report = PlanReport(name, planner, target, kernels, reorder, est.head_bytes, est.tail_bytes, est.arena_bytes,
                        est.recommended_arena_bytes, lower_bound(recs0), greedy_head, baseline.arena_bytes,
                        rows, plan.offsets, est, tuple(op.name for op in out.main.operators))
    return report, out


def plot_plan(report: PlanReport, path: str) -> None:
    """Tensor lifetime x arena offset rectangles with axes, op ticks, one colour per buffer, the peak op and
    the persistent tail marked: SVG written by hand (the report's picture), PNG through matplotlib."""
    from mcuml.memmap import check_plot_path

    check_plot_path(path)
    recs, offs = report.records, report.offsets
    if str(path).lower().endswith(".png"):
        _plot_png(report, path)
        return
    from mcuml.report.svg import arena_plan

    svg = arena_plan(tuple((r["size"], r["first_use"], r["last_use"], r["label"]) for r in recs), offs,
                     report.head_bytes, ops=report.ops, tail=report.tail_bytes, width=900, height=460,
                     title=f"{report.model} [{report.target}, {report.kernels}, {report.planner}]: head "
                           f"{report.head_bytes:,} B + tail {report.tail_bytes:,} B, arena {report.arena_bytes:,} B")
    with open(path, "w") as f:
        f.write(svg)


def _plot_png(report: PlanReport, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    recs, offs = report.records, report.offsets
    t_max = max((r["last_use"] for r in recs), default=0) + 1
    top = max((o + r["size"] for r, o in zip(recs, offs)), default=1) or 1
    fig, ax = plt.subplots(figsize=(10, 6))
    for r, o in zip(recs, offs):
        ax.add_patch(plt.Rectangle((r["first_use"], o), r["last_use"] - r["first_use"] + 1, r["size"],
                                   alpha=0.6, color="tab:gray" if r["tensor"] is None else "tab:blue", ec="k"))
    ax.set_xlim(0, t_max)
    ax.set_ylim(0, top)
    ax.set_xlabel("time step")
    ax.set_ylabel("arena offset (bytes)")
    ax.set_title(f"{report.model} {report.planner}: head {report.head_bytes} B")
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
