"""Size model templates for a board before training anything (``mcuml design``).

Every template of the task (:mod:`mcuml.zoo`) is instantiated over a grid of width and depth
multipliers and turned into the int8 ``.tflite`` graph TF's converter would produce for it, with
random weights (:func:`mcuml.zoo.to_ir`, no TensorFlow needed): same ops, shapes, weight bytes and
quantization layout. mcuml's own estimators then give what matters on the board: flash
(:func:`mcuml.fit.fit`: model + TFLM runtime code + application allowance), SRAM (predicted arena
+ runtime static RAM + stack) and latency (:func:`mcuml.profile.profile`). The graph's metadata
is modelled on the converter's tensor naming, so flash estimates run a few percent above the
converted model's, never far below.

Ranking: no accuracy is predicted without training. Candidates that fit (and meet
``max_latency_ms``) are ordered by ``prefer``: ``"capacity"`` (default; most multiply-accumulates
first, the usual proxy for accuracy within these families), ``"latency"`` or ``"size"``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Sequence

from mcuml.errors import InputError

PREFER = ("capacity", "latency", "size")
# Without a budget "capacity" ranks multi-second models first; one inference per second is the usual ceiling.
DEFAULT_MAX_LATENCY_MS = 1000.0


@dataclass(frozen=True, slots=True)
class Candidate:
    """One evaluated architecture: its size, memory, latency and verdict on the board."""

    template: str
    width: float
    depth: int
    params: int
    macs: int
    model_bytes: int
    flash_bytes: int       # model + runtime code + application allowance
    flash_capacity: int
    arena_bytes: int
    sram_bytes: int        # arena + runtime static RAM + stack (+ application RAM)
    sram_capacity: int
    latency_ms: float
    ops: tuple[str, ...]
    fits: bool
    meets_latency: bool
    reasons: tuple[str, ...]  # why it was rejected (empty for accepted candidates)

    @property
    def label(self) -> str:
        """Template name with width and depth."""
        return f"{self.template}(width={self.width:g}, depth={self.depth})"


@dataclass(frozen=True, slots=True)
class DesignResult:
    """What ``design`` searched and found: accepted candidates best first, and the rejected."""

    board: str
    board_name: str
    task: str
    input_shape: tuple[int, ...]
    classes: int
    kernels: str
    max_latency_ms: float | None
    prefer: str
    candidates: tuple[Candidate, ...]   # accepted, best first
    rejected: tuple[Candidate, ...]
    method: str
    seconds: float

    @property
    def best(self) -> Candidate | None:
        """The best accepted candidate, or None."""
        return self.candidates[0] if self.candidates else None


def parse_shape(text: str | Sequence[int]) -> tuple[int, ...]:
    """``"32x32x3"`` -> ``(32, 32, 3)``."""
    if not isinstance(text, str):
        return tuple(int(d) for d in text)
    try:
        dims = tuple(int(d) for d in text.lower().replace("*", "x").replace(",", "x").split("x"))
    except ValueError:
        raise InputError(f"cannot read the input shape {text!r}", hint="write it like 32x32x3") from None
    if not dims or any(d < 1 for d in dims):
        raise InputError(f"invalid input shape {text!r}", hint="write it like 32x32x3")
    return dims


def evaluate(arch, board: str, kernels: str = "cmsis-nn", max_latency_ms: float | None = None,
             app_ram_bytes: int = 0) -> Candidate:
    """Estimate one architecture on ``board`` from its random-weight int8 graph."""
    from mcuml.fit import fit
    from mcuml.profile import profile
    from mcuml.zoo import to_ir

    model = to_ir(arch)
    f = fit(model, board, kernels=kernels, app_ram_bytes=app_ram_bytes)
    p = profile(model, board, kernels=kernels)
    params = sum(lp.params for lp in p.layers)
    meets = max_latency_ms is None or p.total_ms <= max_latency_ms
    reasons = []
    if not f.flash.fits:
        reasons.append(f"flash {f.flash.total_bytes:,} B > {f.flash.capacity_bytes:,} B")
    if not f.ram.fits:
        reasons.append(f"SRAM {f.ram.total_bytes:,} B > {f.ram.capacity_bytes:,} B"
                       if f.ram.total_bytes > f.ram.capacity_bytes else
                       f"arena {f.ram.arena_bytes:,} B > largest RAM block {f.ram.largest_block_bytes:,} B")
    if not meets:
        reasons.append(f"latency {p.total_ms:.1f} ms > {max_latency_ms:g} ms")
    return Candidate(
        template=arch.template, width=arch.width, depth=arch.depth, params=params, macs=p.total_macs,
        model_bytes=f.flash.model_bytes, flash_bytes=f.flash.total_bytes, flash_capacity=f.flash.capacity_bytes,
        arena_bytes=f.ram.arena_bytes, sram_bytes=f.ram.total_bytes, sram_capacity=f.ram.capacity_bytes,
        latency_ms=p.total_ms, ops=tuple(dict.fromkeys(op.name for op in model.main.operators)),
        fits=f.fits, meets_latency=meets, reasons=tuple(reasons))


def _key(prefer: str) -> Callable[[Candidate], tuple]:
    if prefer == "latency":
        return lambda c: (c.latency_ms, -c.macs)
    if prefer == "size":
        return lambda c: (c.flash_bytes + c.sram_bytes, c.latency_ms)
    return lambda c: (-c.macs, c.latency_ms)


def design(board: str, task: str, input_shape: str | Sequence[int] | None = None, classes: int = 10, *,
           max_latency_ms: float | None = DEFAULT_MAX_LATENCY_MS, kernels: str = "cmsis-nn", prefer: str = "capacity",
           templates: Sequence[str] | None = None, widths: Sequence[float] | None = None,
           depths: Sequence[int] | None = None, app_ram_bytes: int = 0,
           progress: Callable[[str], None] | None = None) -> DesignResult:
    """Candidates of ``task``'s templates over the width/depth grid that fit ``board``, best first.

    ``max_latency_ms`` defaults to :data:`DEFAULT_MAX_LATENCY_MS` (None: no budget). An input shape
    no template can take (wrong rank, too small for every grid point) is an :class:`InputError`.
    """
    from mcuml import zoo
    from mcuml.boards import get_board

    t0 = time.perf_counter()
    if prefer not in PREFER:
        raise InputError(f"prefer must be one of {', '.join(PREFER)}, not {prefer!r}")
    if classes < 1:
        raise InputError("classes must be >= 1")
    b = get_board(board)
    tmpls = [zoo.get_template(n) for n in templates] if templates else list(zoo.templates_for(task))
    if templates:
        wrong = [t.name for t in tmpls if t.task != task]
        if wrong:
            raise InputError(f"template(s) {', '.join(wrong)} are not for task {task!r}")
    # one input for every template of the task (the first template's default when not given)
    shape = parse_shape(input_shape) if input_shape is not None else (tmpls[0].default_input if tmpls else ())
    ranks = {len(t.default_input) for t in tmpls}
    if tmpls and len(shape) not in ranks:
        example = "x".join(map(str, tmpls[0].default_input))
        raise InputError(f"--input {'x'.join(map(str, shape))}: {task} templates take "
                         f"{sorted(ranks)[0]}-D per-sample inputs, not {len(shape)}-D", hint=f"e.g. --input {example}")
    accepted, rejected, skipped = [], [], []
    for t in tmpls:
        for depth in (depths or t.depths):
            for width in (widths or t.widths):
                try:
                    arch = zoo.build(t.name, input_shape=shape, classes=classes, width=width, depth=depth)
                except InputError as e:  # e.g. too deep for a small input: skip this grid point
                    skipped.append(f"{t.name}(width={width:g}, depth={depth}): {e.message}")
                    if progress:
                        progress(f"skip {t.name}(width={width:g}, depth={depth}): {e.message}")
                    continue
                c = evaluate(arch, b.id, kernels, max_latency_ms, app_ram_bytes)
                if progress:
                    progress(f"{c.label}: flash {c.flash_bytes:,} B, SRAM {c.sram_bytes:,} B, "
                             f"{c.latency_ms:.1f} ms{'' if not c.reasons else ' - ' + '; '.join(c.reasons)}")
                (accepted if c.fits and c.meets_latency else rejected).append(c)
    if not accepted and not rejected and skipped:
        raise InputError(f"no template can be built for input {'x'.join(map(str, shape))}: {skipped[0]}",
                         hint="use a larger input or other --template choices")
    accepted.sort(key=_key(prefer))
    rejected.sort(key=lambda c: (c.flash_bytes / c.flash_capacity + c.sram_bytes / c.sram_capacity))
    return DesignResult(
        board=b.id, board_name=b.name, task=task, input_shape=tuple(shape), classes=classes,
        kernels=kernels, max_latency_ms=max_latency_ms, prefer=prefer, candidates=tuple(accepted),
        rejected=tuple(rejected),
        method="int8 graph of each template with random weights (as TF's converter emits it); "
               "flash/SRAM from mcuml fit, latency from mcuml profile; no accuracy is predicted",
        seconds=time.perf_counter() - t0)


__all__ = ["Candidate", "DesignResult", "PREFER", "design", "evaluate", "parse_shape"]
