"""Predict TFLM's minimal ``kTensorArenaSize`` from the model alone (tflm-reference §2).

The arena is replayed allocation by allocation, as ``MicroInterpreter::AllocateTensors()`` does it
(``micro_interpreter.cc``, ``micro_allocator.cc``, ``arena_allocator/single_arena_buffer_allocator.cc``):
the tail grows down from the arena end (each allocation aligned *down*), the head holds the
scratch-request records during Prepare, the temp section holds Prepare's temporary tensors and,
while planning, the ``AllocationInfo`` array and the greedy planner's 40 B per buffer. The planned
head is then reserved, and the input/output ``TfLiteTensor`` objects go to the tail last.

Signal custom ops (``signal/micro/kernels/*.cc``) allocate their params struct in Init, plus: SignalRfft
its kissfft state (``kiss_fftr_alloc`` sizing, kissfft v130 as TFLM downloads it), SignalFilterBank a
``uint64`` work area of ``num_channels + 1``, SignalFilterBankSpectralSubtraction a ``uint32`` noise
estimate per channel; SignalRfft requests an ``fft_length`` scratch buffer (``plan/records.py``).

``arena_bytes`` is the smallest arena size (arena pointer 16-aligned) for which every step of that
replay fits. Struct sizes per target ABI come from ``mcuml/data/struct_sizes.json``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, Sequence

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Model, Operator, Subgraph, Tensor
from mcuml.plan.core import UsageRecord, align_up

TARGETS = ("host", "cortex-m")
_LUT_INT16 = 513  # LUTSize<int16_t>() in softmax_common.cc


@lru_cache(maxsize=None)
def struct_sizes() -> dict[str, Any]:
    return json.loads(resources.files("mcuml.data").joinpath("struct_sizes.json").read_text())


@dataclass(frozen=True, slots=True)
class ArenaEstimate:
    """The arena TFLM needs for one model, target and kernel set (bytes)."""

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


def _quantized(t: Tensor) -> bool:
    q = t.quantization
    return q is not None and len(q.scale) > 0 and len(q.zero_point) > 0


def _kiss_fftr_bytes(fft_length: int, dtype: DType, sig: dict[str, Any]) -> int:
    """``kiss_fftr_alloc``'s ``memneeded`` (tools/kiss_fftr.c, kiss_fft.c of kissfft v130)."""
    if fft_length <= 0 or fft_length & 1:
        return 0  # kiss_fftr_alloc rejects odd lengths before sizing, leaving state_size 0
    key = dtype.name if dtype.name in sig["kiss_fft_cpx"] else "float32"
    cpx = sig["kiss_fft_cpx"][key]
    half = fft_length // 2
    sub = sig["kiss_fft_state"][key] + cpx * (half - 1)  # kiss_fft_alloc(nfft/2): struct + twiddles
    return sig["kiss_fftr_state"] + sub + cpx * (half * 3 // 2)


def _signal_persistent(op: Operator, table: dict[str, Any]) -> list[int] | None:
    """Init-time ``AllocatePersistentBuffer`` sizes of a Signal custom op, or None if not modelled."""
    sig = table.get("signal")
    code = op.opcode.custom_code or ""
    if sig is None:
        return None
    if code in sig["no_opdata"]:
        return []
    base = sig["opdata"].get(code)
    if base is None:
        return None
    from mcuml.plan.records import custom_options

    opts = custom_options(op)
    if code == "SignalRfft":
        return [base, _kiss_fftr_bytes(int(opts.get("fft_length", 0)), op.inputs[0].dtype, sig)]
    if code == "SignalFilterBank":
        return [base, 8 * (int(opts.get("num_channels", 0)) + 1)]
    if code == "SignalFilterBankSpectralSubtraction":
        return [base, 4 * int(opts.get("num_channels", 0))]
    return [base]


def _op_persistent(op: Operator, target: str, kernels: str, table: dict[str, Any]) -> tuple[list[int], list[int], bool]:
    """(init-time OpData allocations, prepare-time allocations, modelled?) for one operator."""
    name = op.name
    opdata = table["opdata"]
    init = [opdata[name]] if opdata.get(name) else []
    prep: list[int] = []
    x = op.inputs[0] if op.inputs else None
    if name.startswith("CUSTOM:Signal"):
        got_signal = _signal_persistent(op, table)
        if got_signal is not None:
            return got_signal, [], True
    if kernels == "cmsis-nn":
        from mcuml.plan.cmsis import cmsis_persistent

        got = cmsis_persistent(op, target, table)
        if got is not None:
            return got[0], got[1], True
    if name in ("CONV_2D", "TRANSPOSE_CONV"):
        f = op.inputs[1]
        prep = [4 * f.shape[0]] * 2
    elif name == "DEPTHWISE_CONV_2D":
        prep = [4 * op.inputs[1].shape[3]] * 2
    elif name == "FULLY_CONNECTED":
        f = op.inputs[1]
        if x is not None and x.dtype in (DType.int8, DType.int16) and f.quantization is not None \
                and len(f.quantization.scale) > 1:
            prep = [4 * len(f.quantization.scale)] * 2
    elif name == "SOFTMAX" and x is not None and x.dtype == DType.int16:
        prep = [2 * _LUT_INT16] * 2
    elif name == "LOG_SOFTMAX" and x is not None and x.dtype == DType.int8:
        prep = [table["opdata_prepare"].get("LOG_SOFTMAX", 0)]
    elif name == "ADD_N" and op.outputs[0].dtype == DType.int8:
        prep = [table["opdata_prepare"].get("ADD_N", 0)]
    elif name == "RESHAPE" and any(d < 0 for d in op.outputs[0].shape):  # CreateWritableTensorDimsWithCopy
        prep = [4 + 4 * len(op.outputs[0].shape)]
    modelled = name in opdata or name in table.get("no_opdata", ())
    return init, [p for p in prep if p], modelled


def _prepare_temp(op: Operator, table: dict[str, Any]) -> list[tuple[int, int]]:
    """Temporary ``TfLiteTensor``s a kernel's Prepare holds at once (all inputs and outputs)."""
    st = table["structs"]
    out = []
    for t in [*op.inputs, *op.outputs]:
        if t is None:
            continue
        out.append(tuple(st["TfLiteTensor"]))
        if _quantized(t):
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
    per_op = [_op_persistent(op, target, kernels, table) for op in ops]
    for op, (init, _, ok) in zip(ops, per_op):
        if not ok and op.name not in approx:
            approx.append(op.name)
        for n in init:
            pers("kernel OpData", n, 16, f"{op.name} init")
    from mcuml.plan.records import scratch_requests

    scratch_per_op: dict[int, int] = {}
    for i, _n in scratch_requests(model.subgraphs[0], kernels, target):
        scratch_per_op[i] = scratch_per_op.get(i, 0) + 1
    requests = 0
    for k, (op, (_, prep, _)) in enumerate(zip(ops, per_op)):
        for n, al in _prepare_temp(op, table):
            a.alloc_temp(n, al, f"{op.name} prepare temp")
        for n in prep:
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
            if _quantized(t):
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
