"""Does a model fit a board? Flash and SRAM budgets of a TFLM deployment, component by component.

Flash = model bytes (weights + graph/quantization tables) + TFLM runtime code for the model's op
set (interpreter core + per-kernel code, reference vs CMSIS-NN, from ``runtime_code_size.json``,
fitted on linker maps of real Cortex-M4 builds) + an application allowance (libc/libm/startup and
.data initializers as in those builds, or what the caller says).

SRAM = the ``kTensorArenaSize`` the generated code declares (``mcuml.plan.arena.predict_arena``'s
minimum: planned head + persistent tail + AllocateTensors' transient need, then its stated margin)
+ TFLM's static RAM (.data + non-arena .bss of those builds) + the stack TFLM runs on + optional
application RAM. The arena must also fit the board's largest contiguous RAM block.

Both are counted on the runtime the user runs (``mcuml.boards.get_runtime``: bare metal, the
Arduino mbed core, Zephyr, ESP-IDF...): its own code, statics, heap, reserved bootloader/RAM and
the stack setup()/loop() run on. A model that fits only bare metal says so.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from mcuml.boards import Board, RuntimeProfile, get_board, get_runtime
from mcuml.ir.model import Model
from mcuml.memmap import MemoryBar, Segment, render_text
from mcuml.profile import load
from mcuml.profile.latency import normalize_kernels


@dataclass(frozen=True, slots=True)
class KernelCode:
    """Flash of one op's kernel code."""

    op: str
    nbytes: int
    provenance: str  # "fitted" | "unmeasured (median kernel)"


@dataclass(frozen=True, slots=True)
class FlashBudget:
    """Flash use by component, against the board's capacity."""

    model_bytes: int              # the .tflite the generated code embeds
    weights_bytes: int
    graph_bytes: int              # flatbuffer tables, quantization params, op codes, padding
    runtime_core_bytes: int       # interpreter, allocator, flatbuffer reader
    runtime_kernels: tuple[KernelCode, ...]
    runtime_link_adjust_bytes: int  # measured op set: linker sharing vs the additive fit
    runtime_templates_bytes: int  # resolver/interpreter template instantiations in the app
    runtime_bytes: int
    runtime_measured: bool        # this exact op set was built and measured
    app_allowance_bytes: int
    os_bytes: int                 # the runtime's own code (Arduino core, RTOS); 0 on bare metal
    reserved_bytes: int           # flash the application cannot use (bootloader)
    total_bytes: int
    capacity_bytes: int
    margin_bytes: int             # capacity - total (negative: over)
    fits: bool


@dataclass(frozen=True, slots=True)
class RamBudget:
    """SRAM use by component, against the board's capacity."""

    arena_bytes: int              # predicted minimal arena (what `mcuml plan` calls arena)
    arena_planned_bytes: int      # head: activations and scratch (the planner's maximum)
    arena_persistent_bytes: int   # tail: TfLiteEvalTensor, node data, kernel OpData
    arena_transient_bytes: int    # what AllocateTensors needs beyond head + tail while it plans
    ktensorarena_bytes: int       # kTensorArenaSize the generated code declares (arena + margin)
    arena_margin_bytes: int       # kTensorArenaSize - arena
    runtime_static_bytes: int     # TFLM's .data + non-arena .bss
    os_ram_bytes: int             # the runtime's statics + reserved RAM + its heap (0 on bare metal)
    stack_bytes: int              # the stack TFLM runs on (main thread / loop task, or TFLM's peak)
    isr_stack_bytes: int
    app_ram_bytes: int
    total_bytes: int
    capacity_bytes: int
    margin_bytes: int
    largest_block_bytes: int
    arena_fits_block: bool
    fits: bool
    arena_source: str


@dataclass(frozen=True, slots=True)
class TensorPair:
    """The op whose non-constant inputs and outputs together take the most bytes."""

    op_index: int
    op: str
    tensors: tuple[str, ...]
    nbytes: int


@dataclass(frozen=True, slots=True)
class LargestWeights:
    """The largest constant tensor."""

    tensor: str
    op_index: int
    op: str
    nbytes: int
    share_of_weights: float


@dataclass(frozen=True, slots=True)
class FitResult:
    """Does a model fit a board: flash and SRAM budgets, what dominates, notes."""

    model: str
    board: str
    board_name: str
    kernels: str
    runtime: str                  # runtime profile id (bare-metal, arduino-mbed, ...)
    runtime_name: str
    fits: bool
    verdict: str                  # one line: "FITS (Arduino mbed core)" / "DOES NOT FIT ...; fits bare metal"
    fits_bare_metal: bool | None  # None when the runtime is bare metal already
    flash: FlashBudget
    ram: RamBudget
    largest_tensor_pair: TensorPair | None
    largest_weights: LargestWeights | None
    dominant: str
    notes: tuple[str, ...]
    runs_on_tflm: bool = True
    forced: bool = False          # TFLM cannot run the model; the caller asked for the figures anyway
    tflm_problems: tuple[str, ...] = ()
    memory_map: str = field(default="", metadata={"json_skip": True})

    def bars(self) -> tuple[MemoryBar, MemoryBar]:
        """Flash and SRAM as segments, for :mod:`mcuml.memmap`."""
        f, r = self.flash, self.ram
        flash = MemoryBar("flash", f.capacity_bytes, (
            Segment("weights", f.weights_bytes, "weights"),
            Segment("graph & quantization params", f.graph_bytes, "graph"),
            Segment("TFLM runtime code", f.runtime_bytes, "runtime"),
            Segment("application allowance", f.app_allowance_bytes, "app"),
            *((Segment(f"{self.runtime_name} code", f.os_bytes, "os"),) if f.os_bytes else ()),
            *((Segment("reserved (bootloader)", f.reserved_bytes, "reserved"),) if f.reserved_bytes else ())))
        rest = r.arena_transient_bytes + r.arena_margin_bytes
        ram = MemoryBar("SRAM", r.capacity_bytes, (
            Segment("arena head: activations & scratch", r.arena_planned_bytes, "arena"),
            Segment("arena tail: persistent", r.arena_persistent_bytes, "persistent"),
            *((Segment("arena: transient + margin", rest, "margin"),) if rest else ()),
            Segment("TFLM static RAM", r.runtime_static_bytes, "static"),
            *((Segment(f"{self.runtime_name} RAM", r.os_ram_bytes, "os"),) if r.os_ram_bytes else ()),
            Segment("stack", r.stack_bytes + r.isr_stack_bytes, "stack"),
            *((Segment("application RAM", r.app_ram_bytes, "app"),) if r.app_ram_bytes else ())))
        return flash, ram


@functools.lru_cache(maxsize=1)
def code_size_table() -> dict:
    """The measured runtime code size file (``mcuml/data/runtime_code_size.json``)."""
    return json.loads(resources.files("mcuml").joinpath("data/runtime_code_size.json").read_text())


def runtime_code(op_set: set[str] | frozenset[str], kernels: str) -> tuple[int, tuple[KernelCode, ...], int, int, bool]:
    """(core, kernels, link adjustment, app templates, measured?) bytes of TFLM code for an op set."""
    t = code_size_table()["kernels"][normalize_kernels(kernels)]
    ks = tuple(KernelCode(op, t["kernel_bytes"][op], "fitted") if op in t["kernel_bytes"]
               else KernelCode(op, t["unmeasured_kernel_bytes"], "unmeasured (median kernel)")
               for op in sorted(op_set))
    additive = t["core_bytes"] + sum(k.nbytes for k in ks)
    measured = t["measured_op_sets"].get("+".join(sorted(op_set)))
    adjust = measured - additive if measured is not None else 0
    tpl = t["app_templates_bytes"]
    templates = int(round(tpl["const"] + tpl["per_op_type"] * len(op_set)))
    return t["core_bytes"], ks, adjust, templates, measured is not None


def _arena(model: Model, kernels: str):
    """(ArenaEstimate, source) from the arena predictor: the same numbers `plan` and `codegen` use."""
    from mcuml.plan.arena import predict_arena

    try:
        return predict_arena(model, target="cortex-m", kernels=kernels), f"predict_arena(cortex-m, {kernels})"
    except ImportError:  # a kernel set's persistent-size tables may be missing: reference is close
        return (predict_arena(model, target="cortex-m", kernels="reference"),
                "predict_arena(cortex-m, reference): CMSIS-NN tables unavailable")


def _largest_pair(model: Model) -> TensorPair | None:
    best = None
    for i, op in enumerate(model.main.operators):
        ts = [t for t in (*op.inputs, *op.outputs) if t is not None and not t.is_constant]
        n = sum(t.nbytes for t in ts)
        if best is None or n > best.nbytes:
            best = TensorPair(i, op.name, tuple(t.name for t in ts), n)
    return best


def _largest_weights(model: Model, total: int) -> LargestWeights | None:
    best = None
    for i, op in enumerate(model.main.operators):
        for t in op.inputs:
            if t is not None and t.is_constant and (best is None or len(t.buffer.data) > best.nbytes):
                best = LargestWeights(t.name, i, op.name, len(t.buffer.data), len(t.buffer.data) / max(total, 1))
    return best


def _flash(m: Model, size: int, b: Board, ks: str, rt: RuntimeProfile, app_flash_bytes: int | None) -> FlashBudget:
    t = code_size_table()["kernels"][ks]
    op_set = frozenset(op.name for sg in m.subgraphs for op in sg.operators)
    weights = sum(len(buf.data) for buf in m.buffers)
    core, kcode, adjust, templates, measured = runtime_code(op_set, ks)
    runtime = core + sum(k.nbytes for k in kcode) + adjust + templates
    tc = t["toolchain_and_startup_bytes"]
    toolchain = tc["const"] + sum(tc["per_op"].get(op, 0) for op in op_set) if "const" in tc else tc["median"]
    app_flash = app_flash_bytes if app_flash_bytes is not None else toolchain + t["static_ram_bytes"]["data"]
    total = size + runtime + app_flash + rt.flash_bytes + rt.flash_reserved_bytes
    return FlashBudget(
        model_bytes=size, weights_bytes=weights, graph_bytes=size - weights, runtime_core_bytes=core,
        runtime_kernels=kcode, runtime_link_adjust_bytes=adjust, runtime_templates_bytes=templates,
        runtime_bytes=runtime, runtime_measured=measured, app_allowance_bytes=app_flash, os_bytes=rt.flash_bytes,
        reserved_bytes=rt.flash_reserved_bytes, total_bytes=total, capacity_bytes=b.flash_bytes,
        margin_bytes=b.flash_bytes - total, fits=total <= b.flash_bytes)


def _ram(m: Model, b: Board, ks: str, rt: RuntimeProfile, app_ram_bytes: int, stack_bytes: int | None) -> RamBudget:
    t = code_size_table()["kernels"][ks]
    n_ops = len({op.name for sg in m.subgraphs for op in sg.operators})
    est, src = _arena(m, ks)
    st = t["static_ram_bytes"]
    static = int(round(st["data"] + st["bss_const"] + st["bss_per_op_type"] * n_ops))
    tflm_stack = t["stack_peak_bytes_max"]
    stack = stack_bytes if stack_bytes is not None else max(rt.stack_bytes or 0, tflm_stack)
    os_ram = rt.static_ram_bytes + rt.ram_reserved_bytes + rt.heap_bytes
    k = est.recommended_arena_bytes
    total = k + static + os_ram + stack + rt.isr_stack_bytes + app_ram_bytes
    block_ok = k <= b.largest_ram_block_bytes
    head, tail = est.head_bytes, est.tail_bytes
    return RamBudget(
        arena_bytes=est.arena_bytes, arena_planned_bytes=head, arena_persistent_bytes=tail,
        arena_transient_bytes=max(est.arena_bytes - head - tail, 0), ktensorarena_bytes=k,
        arena_margin_bytes=k - max(est.arena_bytes, head + tail), runtime_static_bytes=static, os_ram_bytes=os_ram,
        stack_bytes=stack, isr_stack_bytes=rt.isr_stack_bytes, app_ram_bytes=app_ram_bytes, total_bytes=total,
        capacity_bytes=b.sram_bytes, margin_bytes=b.sram_bytes - total, largest_block_bytes=b.largest_ram_block_bytes,
        arena_fits_block=block_ok, fits=total <= b.sram_bytes and block_ok, arena_source=src)


def _verdict(fits: bool, rt: RuntimeProfile, bare: bool | None) -> str:
    where = f" ({rt.name})"
    if fits:
        return "FITS" + where
    return "DOES NOT FIT" + where + ("; fits bare metal" if bare else "")


def fit(model: Model | str | Path | bytes, board: str | Board, kernels: str = "cmsis-nn",
        app_flash_bytes: int | None = None, app_ram_bytes: int = 0, stack_bytes: int | None = None, *,
        runtime: str | None = None, force: bool = False) -> FitResult:
    """Flash and SRAM budgets of ``model`` on ``board`` with TFLM's ``kernels`` set, on ``runtime``.

    ``runtime`` is a profile id (``bare-metal``, ``arduino-mbed``, ``zephyr``...; default: the
    board's usual one). A model TFLM cannot run raises :class:`~mcuml.errors.NotRunnableError`
    unless ``force`` (then the result is marked ``forced``).
    """
    from mcuml.verdict import tflm_verdict

    m, name, size = load(model)
    vd = tflm_verdict(m, "fit", force=force)
    b = get_board(board)
    rt = get_runtime(b, runtime)
    ks = normalize_kernels(kernels)
    flash = _flash(m, size, b, ks, rt, app_flash_bytes)
    ram = _ram(m, b, ks, rt, app_ram_bytes, stack_bytes)
    fits = flash.fits and ram.fits
    bare = None
    if rt.id != "bare-metal":
        bm = get_runtime(b, "bare-metal")
        bare = _flash(m, size, b, ks, bm, app_flash_bytes).fits and _ram(m, b, ks, bm, app_ram_bytes, stack_bytes).fits
    res = FitResult(model=name, board=b.id, board_name=b.name, kernels=ks, runtime=rt.id, runtime_name=rt.name,
                    fits=fits, verdict=_verdict(fits, rt, bare), fits_bare_metal=bare, flash=flash, ram=ram,
                    largest_tensor_pair=_largest_pair(m), largest_weights=_largest_weights(m, flash.weights_bytes),
                    dominant=_dominant(m, flash, ram), notes=_notes(b, ks, rt, flash, ram), runs_on_tflm=vd.runs_on_tflm,
                    forced=vd.forced, tflm_problems=vd.reasons)
    return FitResult(**{**{f: getattr(res, f) for f in res.__dataclass_fields__}, "memory_map": render_text(res.bars())})


def _dominant(m: Model, flash: FlashBudget, ram: RamBudget) -> str:
    pair, big = _largest_pair(m), _largest_weights(m, flash.weights_bytes)
    return (f"flash: weights {flash.weights_bytes / flash.total_bytes:.0%} of the flash used"
            + (f" (largest: {big.tensor}, {big.nbytes:,} B)" if big else "")
            + f"; SRAM: arena {ram.ktensorarena_bytes / ram.total_bytes:.0%} of the SRAM used"
            + (f" (largest tensor pair at node {pair.op_index} {pair.op}: {pair.nbytes:,} B)" if pair else ""))


def _notes(b: Board, ks: str, rt: RuntimeProfile, flash: FlashBudget, ram: RamBudget) -> tuple[str, ...]:
    notes = [f"runtime: {rt.description}; " + (f"approximate figures, sources: `mcuml boards {b.id}`"
                                                if rt.approximate else "measured figures"),
             f"arena {ram.arena_bytes:,} B = the smallest arena AllocateTensors succeeds with: head "
             f"{ram.arena_planned_bytes:,} B (activations & scratch, planned) + tail {ram.arena_persistent_bytes:,} B "
             "(persistent: tensor metadata, node and kernel data; 16-B aligned)"
             + (f" + {ram.arena_transient_bytes:,} B AllocateTensors needs while planning"
                if ram.arena_transient_bytes else "")
             + f"; kTensorArenaSize {ram.ktensorarena_bytes:,} B (what the generated code declares, counted here) "
             f"adds a {ram.arena_margin_bytes:,} B margin"]
    if not flash.runtime_measured:
        notes.append("runtime code: this op set was not built; kernel sizes from the additive fit "
                     f"(+/- ~{code_size_table()['kernels'][ks]['fit_residual_bytes']['max_abs']:.0f} B)")
    if rt.stack_bytes is not None and code_size_table()["kernels"][ks]["stack_peak_bytes_max"] > rt.stack_bytes:
        notes.append(f"TFLM's measured stack peak exceeds {rt.name}'s {rt.stack_bytes:,} B stack: raise it")
    if not ram.arena_fits_block:
        notes.append(f"the arena ({ram.ktensorarena_bytes:,} B) exceeds the largest contiguous RAM block "
                     f"({b.largest_ram_block_bytes:,} B)")
    if b.notes:
        notes.append(f"{b.name}: {b.notes}")
    return tuple(notes)


__all__ = ["FitResult", "FlashBudget", "RamBudget", "KernelCode", "TensorPair", "LargestWeights", "fit",
           "runtime_code"]
