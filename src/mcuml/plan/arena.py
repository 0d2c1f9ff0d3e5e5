"""Predict TFLM's minimal ``kTensorArenaSize`` from the model alone (tflm-reference §2).

The arena is replayed allocation by allocation, as ``MicroInterpreter::AllocateTensors()`` does it
(``micro_interpreter.cc``, ``micro_allocator.cc``, ``arena_allocator/single_arena_buffer_allocator.cc``):
the tail grows down from the arena end (each allocation aligned *down*), the head holds the
scratch-request records during Prepare, the temp section holds Prepare's temporary tensors and,
while planning, the ``AllocationInfo`` array and the greedy planner's 40 B per buffer. The planned
head is then reserved, and the input/output ``TfLiteTensor`` objects go to the tail last.

What each kernel allocates (its Init/Prepare ``AllocatePersistentBuffer`` calls, its scratch requests)
is the op's own fact: ``Op.persistent`` / ``Op.scratch`` of its module under ``mcuml/ops/`` (Signal
custom ops included). This module only replays the allocator.

``arena_bytes`` is the smallest arena size (arena pointer 16-aligned) for which every step of that
replay fits. Struct sizes per target ABI come from ``mcuml/data/struct_sizes.json`` (:func:`mcuml.ops._facts.struct_sizes`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from mcuml.ir.model import Model, Operator
from mcuml.ops._facts import TARGETS, Persistent, quantized, struct_sizes
from mcuml.plan.core import UsageRecord, align_up

__all__ = ["ArenaEstimate", "TARGETS", "predict_arena", "struct_sizes"]


@dataclass(frozen=True, slots=True)
class ArenaEstimate:
    """The arena TFLM needs for one model, target and kernel set (bytes).

    ``arena_bytes`` is the predicted minimum: declared as ``alignas(16) uint8_t tensor_arena[arena_bytes]``
    (TFLM's examples align the arena to 16), ``AllocateTensors()`` succeeds; the sweep in
    ``tests/test_op_sweep.py`` and the measured tables check it is never below TFLM's real minimum.
    ``recommended_arena_bytes`` is what ``codegen``/``deploy`` write as ``kTensorArenaSize``: it adds
    16 B for an arena pointer that is not 16-aligned (TFLM aligns the head up and the tail down, losing up
    to 15 B), then a margin of ``max(margin_fraction · arena_bytes, margin_min)`` for what the model
    alone cannot tell (a different TFLM version's struct sizes, a kernel library with other scratch
    needs, a debug build), rounded up to 16. ``margin`` states the rule that was applied.
    """

    head_bytes: int  # planned tensors + scratch (the planner's maximum)
    tail_bytes: int  # persistent section after AllocateTensors (16-aligned arena size)
    peak_bytes: int  # highest head+temp+tail reached during AllocateTensors
    arena_bytes: int  # smallest arena size with which AllocateTensors succeeds
    recommended_arena_bytes: int
    margin: str
    target: str
    kernels: str
    planner: str
    used_bytes: int = 0  # head + tail: what arena_used_bytes() reports
    tail_breakdown: dict[str, int] = field(default_factory=dict)
    limited_by: str = ""  # "final" (head + tail) or the transient step that needs most
    approximate: tuple[str, ...] = ()  # ops whose persistent data is not modelled exactly


class _Arena:
    """``SingleArenaBufferAllocator`` arithmetic on offsets (the arena starts 16-aligned at 0)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.head = 0
        self.temp = 0
        self.tail = size
        self.peak = 0
        self.failed = ""

    def _mark(self, what: str) -> None:
        self.peak = max(self.peak, max(self.head, self.temp) + self.size - self.tail)
        if self.failed == "" and (self.tail < self.head or self.temp > self.tail):
            self.failed = what

    def persistent(self, size: int, align: int, what: str) -> None:
        r = (self.tail - size) // align * align
        if r < self.head and not self.failed:
            self.failed = what
        self.tail = r
        self._mark(what)

    def resize_head(self, size: int, what: str) -> None:
        if self.tail < size and not self.failed:
            self.failed = what
        self.head = self.temp = size
        self._mark(what)

    def alloc_temp(self, size: int, align: int, what: str) -> None:
        r = -(-self.temp // align) * align
        if self.tail - r < size and not self.failed:
            self.failed = what
        self.temp = r + size
        self._mark(what)

    def reset_temp(self) -> None:
        self.temp = self.head


def _op_persistent(op: Operator, target: str, kernels: str) -> Persistent:
    """The node's persistent allocations, as its op module states them (unknown ops: none, approximate)."""
    from mcuml.ops import lookup

    kernel = lookup(op.name)
    if kernel is None:
        return Persistent(modelled=False)
    from mcuml.ops._facts import node_fact

    return node_fact(kernel.persistent, op, target, kernels)


def _prepare_temp(op: Operator, table: dict[str, Any]) -> list[tuple[int, int]]:
    """Temporary ``TfLiteTensor``s a kernel's Prepare holds at once (``Op.prepare_temps``)."""
    from mcuml.ops import lookup

    st = table["structs"]
    kernel = lookup(op.name)
    from mcuml.ops._facts import node_fact

    temps = node_fact(kernel.prepare_temps, op) if kernel is not None else [*op.inputs, *op.outputs]
    out = []
    for t in temps:
        if t is None:
            continue
        out.append(tuple(st["TfLiteTensor"]))
        if quantized(t):
            out.append(tuple(st["TfLiteAffineQuantization"]))
            out.append((4 + 4 * len(t.quantization.scale), 4))
    return out


def _replay(model: Model, size: int, target: str, kernels: str, head_size: int, records: Sequence[UsageRecord],
            n_scratch: int, planner: str = "greedy") -> tuple[_Arena, dict[str, int], list[str]]:
    table = struct_sizes()["targets"][target]
    st = table["structs"]
    a = _Arena(size)
    brk: dict[str, int] = {}
    approx: list[str] = []

    def pers(key: str, n: int, align: int, what: str) -> None:
        before = a.tail
        a.persistent(n, align, what)
        brk[key] = brk.get(key, 0) + before - a.tail

    pers("allocator objects", *st["SingleArenaBufferAllocator"], "allocator")
    pers("allocator objects", *(st["LinearMemoryPlanner"] if planner == "linear" else st["GreedyMemoryPlanner"]),
         "planner")
    pers("allocator objects", *st["MicroAllocator"], "allocator")
    pers("allocator objects", *st["MicroBuiltinDataAllocator"], "builtin data allocator")
    req, req_align = st["ScratchBufferRequest"]
    a.resize_head(req * 12, "scratch requests")
    subgraphs = model.subgraphs
    pers("allocator objects", st["SubgraphAllocations"][0] * len(subgraphs), st["SubgraphAllocations"][1], "subgraphs")
    for sg in subgraphs:
        pers("TfLiteEvalTensor", st["TfLiteEvalTensor"][0] * len(sg.tensors), st["TfLiteEvalTensor"][1], "eval tensors")
    for sg in subgraphs:
        pers("NodeAndRegistration", st["NodeAndRegistration"][0] * len(sg.operators), st["NodeAndRegistration"][1],
             "nodes")
    params = table["params"]
    ops = [op for sg in subgraphs for op in sg.operators]
    for op in ops:
        p = params.get(op.name)
        if p is not None:
            pers("builtin params", p[0], p[1], f"{op.name} params")
    per_op = [_op_persistent(op, target, kernels) for op in ops]
    for op, facts in zip(ops, per_op):
        if not facts.modelled and op.name not in approx:
            approx.append(op.name)
        for n in facts.init:
            pers("kernel OpData", n, 16, f"{op.name} init")
    from mcuml.plan.records import scratch_requests

    scratch_per_op: dict[int, int] = {}
    for i, _n in scratch_requests(model.subgraphs[0], kernels, target):
        scratch_per_op[i] = scratch_per_op.get(i, 0) + 1
    requests = 0
    for k, (op, facts) in enumerate(zip(ops, per_op)):
        for n, al in _prepare_temp(op, table):
            a.alloc_temp(n, al, f"{op.name} prepare temp")
        for n in (p for p in facts.prepare if p):
            pers("kernel OpData", n, 16, f"{op.name} prepare")
        requests += scratch_per_op.get(k, 0)
        a.reset_temp()
        a.resize_head(align_up(req * (requests + 12), 1), "scratch requests")
    if n_scratch:
        pers("scratch handles", st["ScratchBufferHandle"][0] * n_scratch, st["ScratchBufferHandle"][1], "handles")
    # CommitStaticMemoryPlan
    a.alloc_temp(st["size_t"][0] * len(subgraphs), st["size_t"][1], "allocation info")
    n_tensors = sum(len(sg.tensors) for sg in subgraphs)
    a.alloc_temp(st["AllocationInfo"][0] * (n_tensors + n_scratch), st["AllocationInfo"][1], "allocation info")
    offline = {r.tensor for r in records if r.tensor is not None and r.offline_offset != -1}
    for i, t in enumerate(model.subgraphs[0].tensors):
        if t.is_variable and i not in offline:
            pers("variable tensors", t.nbytes, 16, "variables")
    if planner != "linear":
        remaining = (a.tail // 16 * 16) - (-(-a.temp // 16) * 16)
        per_buffer = st["planner_per_buffer"][0]
        if remaining // per_buffer < len(records) and not a.failed:
            a.failed = "planner scratch (Too many buffers)"
        a.temp = max(a.temp, -(-a.temp // 16) * 16 + per_buffer * len(records))
        a._mark("planner")
    a.reset_temp()
    a.head = a.temp = 0
    a.resize_head(head_size, "head (Failed to resize buffer)")
    sg = model.subgraphs[0]
    for group in (sg.inputs, sg.outputs):
        pers("I/O tensors", st["pointer_array"][0] * len(group) if "pointer_array" in st
             else table["pointer"] * len(group), 16, "I/O pointer array")
        for t in group:
            pers("I/O tensors", *st["TfLiteTensor"], "I/O tensor")
            if quantized(t):
                pers("I/O tensors", *st["TfLiteAffineQuantization"], "I/O quantization")
                pers("I/O tensors", 4 + 4 * len(t.quantization.scale), 4, "I/O zero points")
    return a, brk, approx


def predict_arena(model: Model, *, target: str = "host", kernels: str = "reference", planner: str = "greedy",
                  records: Sequence[UsageRecord] | None = None, margin_fraction: float = 0.05,
                  margin_min: int = 256) -> ArenaEstimate:
    """Predict the arena TFLM needs for ``model``.

    ``records`` overrides the planned buffers (e.g. an optimized plan's); the head is then the plan
    of ``planner`` over them. The recommendation is ``align16(arena_bytes + 16)`` (for an arena
    pointer that may not be 16-aligned) plus ``max(margin_fraction, margin_min)``.
    """
    if target not in TARGETS:
        raise ValueError(f"target must be one of {TARGETS}, not {target!r}")
    from mcuml.plan import get_planner, usage_records
    from mcuml.validate import validate
    validate(model, guards=False)  # nothing below may meet what TFLM's allocator refuses

    recs = list(records) if records is not None else usage_records(model, kernels=kernels, target=target)
    head = get_planner(planner)(recs).size
    n_scratch = sum(1 for r in recs if r.tensor is None)
    run_planner = "linear" if planner == "linear" else "greedy"
    big = 1 << 40
    final, brk, approx = _replay(model, big, target, kernels, head, recs, n_scratch, run_planner)
    tail = big - final.tail
    lo, hi = 0, head + tail + final.peak + 4096
    while _replay(model, hi, target, kernels, head, recs, n_scratch, run_planner)[0].failed:
        hi *= 2
    while hi - lo > 1:  # smallest size whose replay succeeds
        mid = (lo + hi) // 2
        if _replay(model, mid, target, kernels, head, recs, n_scratch, run_planner)[0].failed:
            lo = mid
        else:
            hi = mid
    at_lo = _replay(model, hi - 1, target, kernels, head, recs, n_scratch, run_planner)[0]
    limited = "final" if at_lo.failed.startswith(("I/O", "head")) else at_lo.failed
    margin = max(int(margin_fraction * hi), margin_min)
    recommended = align_up(align_up(hi + 16) + margin)
    return ArenaEstimate(head_bytes=head, tail_bytes=tail, peak_bytes=final.peak, arena_bytes=hi,
                         recommended_arena_bytes=recommended,
                         margin=f"+16 B alignment slack, then max({margin_fraction:.0%}, {margin_min} B), rounded to 16",
                         target=target, kernels=kernels, planner=planner, used_bytes=head + tail,
                         tail_breakdown=brk, limited_by=limited,
                         approximate=tuple(approx))
