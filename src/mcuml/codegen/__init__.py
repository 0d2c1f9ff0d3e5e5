"""Code generation: the model as a C array, an Arduino sketch, or a plain TFLM application.

``generate()`` is what ``mcuml codegen`` runs; ``c_array``/``arduino``/``tflm_app`` return ``{path: text}`` and
write nothing, so they are easy to test and to embed in other tools.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mcuml.codegen._app import ArenaChoice, choose_arena
from mcuml.codegen.arduino import arduino
from mcuml.codegen.c_array import c_array
from mcuml.codegen.resolver import add_method, resolver_entries
from mcuml.codegen.tflm_app import tflm_app
from mcuml.errors import McumlError

TARGETS = ("c-array", "arduino", "tflm-app")
KERNELS = ("reference", "cmsis-nn")


@dataclass(frozen=True, slots=True)
class CodegenResult:
    """What ``generate`` wrote and the numbers baked into it."""

    target: str
    name: str
    out_dir: str
    files: tuple[str, ...]             # paths written, relative to out_dir
    model_bytes: int                   # size of the embedded .tflite
    ops: tuple[str, ...]               # op types, in order of first use
    resolver: tuple[str, ...]          # Add...() calls in the generated resolver (empty for c-array)
    kernels: str | None                # kernel set the arena was predicted for
    arena_bytes: int | None            # kTensorArenaSize for 32-bit boards (c-array: only with --optimized)
    arena: ArenaChoice | None
    host_arena_bytes: int | None       # tflm-app only: kTensorArenaSize of 64-bit host builds
    board: str | None
    optimized: bool
    baseline_arena_bytes: int | None   # --optimized: the arena the original model would have needed
    warnings: tuple[str, ...] = ()     # e.g. the arena exceeds the board's largest RAM block
    forced: bool = False               # written although TFLM cannot run the model / the arena is too small
    tflm_problems: tuple[str, ...] = ()
    self_test: bool = False            # the sketch checks one embedded input against its expected output


def _board(board: str | None) -> Any:
    if board is None:
        return None
    try:
        from mcuml.boards import get_board
    except ImportError:  # board database not built in: keep the name for the comments
        return None
    return get_board(board)


def _default_kernels(target: str, board_obj: Any) -> str:
    """CMSIS-NN where the runtime uses it (Arduino TFLM on Arm boards), TFLM's reference kernels otherwise."""
    if board_obj is not None:
        core = str(getattr(board_obj, "core_class", "") or getattr(board_obj, "core", "")).lower()
        return "cmsis-nn" if core.startswith("cortex-m") else "reference"
    return "cmsis-nn" if target == "arduino" else "reference"


def generate(model_path: str | Path, target: str, out_dir: str | Path, name: str | None = None,
             board: str | None = None, optimized: bool = False, *, kernels: str | None = None,
             arena_bytes: int | None = None, force: bool = False, self_test: bool = False) -> CodegenResult:
    """Generate ``target`` code for the model at ``model_path`` into ``out_dir``; returns what was written.

    ``kernels`` (reference | cmsis-nn) picks the kernel set the arena is predicted for (default: from the
    board, else cmsis-nn for Arduino and reference for tflm-app). ``arena_bytes`` overrides the 32-bit
    prediction (tflm-app still predicts its 64-bit host arena).
    ``optimized`` embeds the model rewritten by ``mcuml.plan.optimize_model`` (smaller arena).
    A model TFLM cannot run, or an ``arena_bytes`` below the predicted minimum, raises unless ``force``
    (then the result is marked ``forced`` and says why in ``warnings``). ``self_test`` (Arduino) embeds
    one input with the output mcuml's bit-exact interpreter computes for it, checked at start-up.
    """
    from mcuml.verdict import tflm_verdict

    from mcuml.tflite.reader import load_model

    if target not in TARGETS:
        raise McumlError(f"unknown codegen target {target!r}", hint=f"use one of {', '.join(TARGETS)}")
    if kernels is not None and kernels not in KERNELS:
        raise McumlError(f"unknown kernel set {kernels!r}", hint=f"use one of {', '.join(KERNELS)}")
    path = Path(model_path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise McumlError(f"cannot read {str(path)!r}: {e.strerror or e}") from None
    model = load_model(data)
    vd = tflm_verdict(model, "codegen", force=force)
    name = name or path.stem
    board_obj = _board(board)
    board_name = str(getattr(board_obj, "name", board)) if board is not None else None
    kernels = kernels or _default_kernels(target, board_obj)

    estimate = baseline = None
    if optimized:
        from mcuml.plan import optimize_model

        opt = optimize_model(model, planner="optimal", reorder=True, target="cortex-m", kernels=kernels)
        model, data = opt.model, opt.model.to_bytes()
        estimate, baseline = opt.arena, getattr(opt, "baseline", None)

    forced_why = [vd.label()] if vd.forced else []
    if arena_bytes is not None and target != "c-array":
        forced_why += _check_arena_size(model, kernels, int(arena_bytes), estimate, force)
    if self_test and target != "arduino":
        raise McumlError("--self-test is for the Arduino sketch", hint="use --target arduino")
    arena = host = None
    if target == "c-array":
        files = c_array(data, name, source=path.name)
        if estimate is not None:  # the array embeds no arena, but the user needs the optimized plan's size
            arena = choose_arena(model, target="cortex-m", kernels=kernels, estimate=estimate)
    else:
        arena = choose_arena(model, target="cortex-m", kernels=kernels, arena_bytes=arena_bytes, estimate=estimate)
        if target == "arduino":
            files = arduino(data, name, arena=arena, board=board_name, source=path.name,
                            self_test=_self_test_vector(model) if self_test else None)
        else:
            # ``arena_bytes`` is meant for the board; a 64-bit host build needs its own (larger) number
            try:
                host = choose_arena(model, target="host", kernels="reference")
            except McumlError:
                if arena_bytes is None:
                    raise
                host = choose_arena(model, target="host", kernels="reference", arena_bytes=arena_bytes)
            files = tflm_app(data, name, arena=arena, host_arena=host, board=board_name, source=path.name)

    out = Path(out_dir)
    for rel, text in files.items():
        dest = out / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(text, encoding="ascii", newline="\n")

    from mcuml.codegen._facts import model_facts

    warnings = tuple(forced_why) + _board_warnings(board_obj, len(data), arena.arena_bytes if arena else None)

    facts = model_facts(model, data)
    methods = () if target == "c-array" else tuple(e.method for e in resolver_entries(facts.ops))
    return CodegenResult(
        target=target, name=Path(next(iter(files))).stem if target == "c-array" else Path(next(iter(files))).parts[0],
        out_dir=str(out), files=tuple(files), model_bytes=len(data), ops=facts.ops, resolver=methods,
        kernels=kernels if arena is not None else None, arena_bytes=arena.arena_bytes if arena else None,
        arena=arena, host_arena_bytes=host.arena_bytes if host else None, board=board_name, optimized=optimized,
        baseline_arena_bytes=int(baseline.recommended_arena_bytes) if baseline is not None else None,
        warnings=warnings, forced=bool(forced_why), tflm_problems=vd.reasons, self_test=self_test)


def _self_test_vector(model: Any) -> Any:
    from mcuml.codegen.selftest import self_test_vector

    return self_test_vector(model)


def _check_arena_size(model: Any, kernels: str, arena_bytes: int, estimate: Any, force: bool) -> list[str]:
    """A user arena below mcuml's predicted minimum fails ``AllocateTensors()`` on the board: refuse it."""
    if arena_bytes <= 0:
        raise McumlError(f"arena size must be positive, got {arena_bytes}")
    from mcuml.plan.arena import predict_arena

    est = estimate or predict_arena(model, target="cortex-m", kernels=kernels)
    if arena_bytes >= est.arena_bytes:
        return []
    msg = (f"--arena-size {arena_bytes:,} B is below the predicted minimum {est.arena_bytes:,} B "
           f"(32-bit, {kernels} kernels): AllocateTensors() would fail")
    if not force:
        raise McumlError(msg, hint=f"use at least {est.arena_bytes:,} B (recommended "
                                   f"{est.recommended_arena_bytes:,} B), or --force", arena_bytes=arena_bytes,
                         predicted_bytes=est.arena_bytes)
    return [f"FORCED: {msg}"]


def _board_warnings(board_obj: Any, model_bytes: int, arena_bytes: int | None) -> tuple[str, ...]:
    """Obvious misfits only (``mcuml fit`` does the full flash/SRAM budget with runtime and stack)."""
    if board_obj is None:
        return ()
    out = []
    ram = int(getattr(board_obj, "largest_ram_block_bytes", 0) or getattr(board_obj, "sram_bytes", 0) or 0)
    flash = int(getattr(board_obj, "flash_bytes", 0) or 0) + int(getattr(board_obj, "external_flash_bytes", 0) or 0)
    if arena_bytes is not None and ram and arena_bytes > ram:
        out.append(f"the arena ({arena_bytes:,} B) is larger than {board_obj.name}'s largest RAM block ({ram:,} B)")
    if flash and model_bytes > flash:
        out.append(f"the model ({model_bytes:,} B) is larger than {board_obj.name}'s flash ({flash:,} B)")
    return tuple(out)


__all__ = ["TARGETS", "ArenaChoice", "CodegenResult", "add_method", "arduino", "c_array", "choose_arena",
           "generate", "resolver_entries", "tflm_app"]


def standalone(model, out_dir, name: str | None = None, *, arduino: bool = False):
    """mcuml's standalone C engine for ``model`` (``mcuml.cengine``): NAME.h/NAME.c + kernels, or an Arduino sketch."""
    from mcuml.cengine.api import standalone as _standalone

    return _standalone(model, out_dir, name, arduino=arduino)


__all__ += ["standalone"]
