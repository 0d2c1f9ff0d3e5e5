"""Does a model fit a board? Flash and SRAM budgets of a TFLM deployment, component by component.

Flash = model bytes (weights + graph/quantization tables) + TFLM runtime code for the model's op
set (interpreter core + per-kernel code, reference vs CMSIS-NN, from ``runtime_code_size.json``,
fitted on linker maps of real Cortex-M4 builds) + an application allowance (libc/libm/startup and
.data initializers as in those builds, or what the caller says).

SRAM = predicted 32-bit tensor arena (``mcuml.plan.arena.predict_arena``: planned head + persistent
tail) + runtime static RAM (.data + non-arena .bss of those builds) + a stack allowance (the
largest measured peak for the kernel set) + optional application RAM. The arena must also fit
the board's largest contiguous RAM block.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from mcuml.boards import Board, get_board
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

    model_bytes: int
    weights_bytes: int
    graph_bytes: int              # flatbuffer tables, quantization params, op codes, padding
    runtime_core_bytes: int       # interpreter, allocator, flatbuffer reader
    runtime_kernels: tuple[KernelCode, ...]
    runtime_link_adjust_bytes: int  # measured op set: linker sharing vs the additive fit
    runtime_templates_bytes: int  # resolver/interpreter template instantiations in the app
    runtime_bytes: int
    runtime_measured: bool        # this exact op set was built and measured
    app_allowance_bytes: int
    total_bytes: int
    capacity_bytes: int
    margin_bytes: int
    fits: bool


@dataclass(frozen=True, slots=True)
class RamBudget:
    """SRAM use by component, against the board's capacity."""

    arena_bytes: int
    arena_planned_bytes: int      # non-persistent: activations and scratch (the planner's head)
    arena_persistent_bytes: int   # tail: TfLiteEvalTensor, node data, kernel OpData
    runtime_static_bytes: int     # .data + non-arena .bss
    stack_bytes: int
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
    fits: bool
    flash: FlashBudget
    ram: RamBudget
    largest_tensor_pair: TensorPair | None
    largest_weights: LargestWeights | None
    dominant: str
    notes: tuple[str, ...]
    memory_map: str = field(default="", metadata={"json_skip": True})

    def bars(self) -> tuple[MemoryBar, MemoryBar]:
        """Flash and SRAM as segments, for :mod:`mcuml.memmap`."""
        f, r = self.flash, self.ram
        flash = MemoryBar("flash", f.capacity_bytes, (
            Segment("weights", f.weights_bytes, "weights"),
            Segment("graph & quantization params", f.graph_bytes, "graph"),
            Segment("TFLM runtime code", f.runtime_bytes, "runtime"),
            Segment("application allowance", f.app_allowance_bytes, "app")))
        ram = MemoryBar("SRAM", r.capacity_bytes, (
            Segment("arena: activations & scratch", r.arena_planned_bytes, "arena"),
            Segment("arena: persistent", r.arena_persistent_bytes, "persistent"),
            Segment("runtime static RAM", r.runtime_static_bytes, "static"),
            Segment("stack", r.stack_bytes, "stack"),
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


def _arena(model: Model, kernels: str) -> tuple[int, int, str]:
    """(arena bytes, planned head bytes, source) from the arena predictor."""
    from mcuml.plan.arena import predict_arena

    try:
        a = predict_arena(model, target="cortex-m", kernels=kernels)
        src = f"predict_arena(cortex-m, {kernels})"
    except ImportError:  # a kernel set's persistent-size tables may be missing: reference is close
        a = predict_arena(model, target="cortex-m", kernels="reference")
        src = "predict_arena(cortex-m, reference): CMSIS-NN tables unavailable"
    return -(-a.arena_bytes // 16) * 16, a.head_bytes, src


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


def fit(model: Model | str | Path | bytes, board: str | Board, kernels: str = "cmsis-nn",
        app_flash_bytes: int | None = None, app_ram_bytes: int = 0, stack_bytes: int | None = None) -> FitResult:
    """Flash and SRAM budgets of ``model`` on ``board`` with TFLM's ``kernels`` set."""
    m, name, size = load(model)
    b = get_board(board)
    ks = normalize_kernels(kernels)
    t = code_size_table()["kernels"][ks]
    op_set = frozenset(op.name for sg in m.subgraphs for op in sg.operators)
    weights = sum(len(buf.data) for buf in m.buffers)
    core, kcode, adjust, templates, measured = runtime_code(op_set, ks)
    runtime = core + sum(k.nbytes for k in kcode) + adjust + templates
    st = t["static_ram_bytes"]
    tc = t["toolchain_and_startup_bytes"]
    toolchain = tc["const"] + sum(tc["per_op"].get(op, 0) for op in op_set) if "const" in tc else tc["median"]
    app_flash = app_flash_bytes if app_flash_bytes is not None else toolchain + st["data"]
    flash_total = size + runtime + app_flash
    flash = FlashBudget(
        model_bytes=size, weights_bytes=weights, graph_bytes=size - weights, runtime_core_bytes=core,
        runtime_kernels=kcode, runtime_link_adjust_bytes=adjust, runtime_templates_bytes=templates,
        runtime_bytes=runtime, runtime_measured=measured, app_allowance_bytes=app_flash, total_bytes=flash_total,
        capacity_bytes=b.flash_bytes, margin_bytes=b.flash_bytes - flash_total, fits=flash_total <= b.flash_bytes)
    arena, head, src = _arena(m, ks)
    static = int(round(st["data"] + st["bss_const"] + st["bss_per_op_type"] * len(op_set)))
    stack = stack_bytes if stack_bytes is not None else t["stack_peak_bytes_max"]
    ram_total = arena + static + stack + app_ram_bytes
    block_ok = arena <= b.largest_ram_block_bytes
    ram = RamBudget(
        arena_bytes=arena, arena_planned_bytes=min(head, arena), arena_persistent_bytes=max(arena - head, 0),
        runtime_static_bytes=static, stack_bytes=stack, app_ram_bytes=app_ram_bytes, total_bytes=ram_total,
        capacity_bytes=b.sram_bytes, margin_bytes=b.sram_bytes - ram_total,
        largest_block_bytes=b.largest_ram_block_bytes, arena_fits_block=block_ok,
        fits=ram_total <= b.sram_bytes and block_ok, arena_source=src)
    pair = _largest_pair(m)
    big = _largest_weights(m, weights)
    flash_share = weights / flash_total
    ram_share = arena / ram_total
    dominant = (f"flash: weights {flash_share:.0%} of the flash used"
                + (f" (largest: {big.tensor}, {big.nbytes:,} B)" if big else "")
                + f"; SRAM: arena {ram_share:.0%} of the SRAM used"
                + (f" (largest tensor pair at node {pair.op_index} {pair.op}: {pair.nbytes:,} B)" if pair else ""))
    notes = []
    if not measured:
        notes.append("runtime code: this op set was not built; kernel sizes from the additive fit "
                     f"(+/- ~{code_size_table()['kernels'][ks]['fit_residual_bytes']['max_abs']:.0f} B)")
    if not block_ok:
        notes.append(f"the arena ({arena:,} B) exceeds the largest contiguous RAM block "
                     f"({b.largest_ram_block_bytes:,} B)")
    if b.notes:
        notes.append(f"{b.name}: {b.notes}")
    res = FitResult(model=name, board=b.id, board_name=b.name, kernels=ks, fits=flash.fits and ram.fits,
                    flash=flash, ram=ram, largest_tensor_pair=pair, largest_weights=big, dominant=dominant,
                    notes=tuple(notes))
    return FitResult(**{**{f: getattr(res, f) for f in res.__dataclass_fields__}, "memory_map": render_text(res.bars())})


__all__ = ["FitResult", "FlashBudget", "RamBudget", "KernelCode", "TensorPair", "LargestWeights", "fit",
           "runtime_code"]
