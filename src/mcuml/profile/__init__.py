"""Static latency and energy estimate of one model on one board: per layer, totals, duty cycle.

Cycles come from :mod:`mcuml.profile.latency` (calibrated on instruction-accurate Cortex-M4 TFLM
runs), scaled to the board's core class and clock; flash wait states add ``ws x taken branches``
on boards without a flash cache. Energy is the MCU's typical active power times the time; with
an inference rate the MCU sleeps (at its sleep power) between inferences.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mcuml.boards import Board, get_board
from mcuml.ir.model import Model
from mcuml.profile.features import layer_features, node_macs
from mcuml.profile.latency import core_class, estimate_layer, interpreter_overhead, normalize_kernels


# float32 layers on a core without an FPU run libgcc's soft-float routines: a multiply-add costs
# tens of cycles instead of ~3 (VMLA). Engineering estimate, flagged in the notes.
SOFT_FLOAT_FACTOR = 10.0


@dataclass(frozen=True, slots=True)
class LayerProfile:
    """One node. ``cycles`` include its share of the interpreter's dispatch overhead."""

    index: int
    op: str
    dtype: str
    input_shapes: tuple[tuple[int, ...], ...]
    output_shapes: tuple[tuple[int, ...], ...]
    macs: int
    params: int          # constant elements (weights, biases): a count, not bytes
    param_bytes: int     # their bytes (what `mcuml inspect` shows as "param B")
    cycles: int
    ms: float
    share: float         # of total cycles
    energy_mj: float
    model_group: str     # latency-model coefficient group that answered
    costed: bool = True  # False: no cost model (TFLM cannot run it, or no coefficients); cycles are dispatch only


@dataclass(frozen=True, slots=True)
class DutyCycle:
    """Average power and battery life at a given inference rate."""

    rate_hz: float
    period_ms: float
    inference_ms: float
    duty: float          # fraction of time active
    feasible: bool       # the inference finishes within the period
    active_mw: float
    sleep_mw: float
    average_mw: float
    energy_per_inference_mj: float
    battery_mah: float | None
    battery_v: float | None
    battery_life_h: float | None
    battery_life_days: float | None


@dataclass(frozen=True, slots=True)
class ProfileResult:
    """Per-layer and total latency/energy of a model on a board."""

    model: str
    board: str
    board_name: str
    core_class: str
    clock_mhz: float
    kernels: str
    layers: tuple[LayerProfile, ...]
    total_macs: int
    total_cycles: int
    kernel_cycles: int
    interpreter_cycles: int
    total_ms: float
    ms_low: float
    ms_high: float
    uncertainty: float
    energy_mj: float
    active_mw: float
    duty_cycle: DutyCycle | None
    notes: tuple[str, ...]
    uncosted: tuple[int, ...] = ()   # nodes the totals leave out (see LayerProfile.costed)
    runs_on_tflm: bool = True
    forced: bool = False             # TFLM cannot run the model; profiled anyway (--force)
    tflm_problems: tuple[str, ...] = ()


def load(model: Model | str | Path | bytes) -> tuple[Model, str, int]:
    """(model, display name, flatbuffer size in bytes) from a path, bytes or an IR model."""
    from mcuml.tflite.reader import load_model

    if isinstance(model, Model):
        return model, "<model>", len(model.to_bytes())
    if isinstance(model, (bytes, bytearray)):
        return load_model(bytes(model)), "<bytes>", len(model)
    p = Path(model)
    return load_model(p), p.name, p.stat().st_size


def _shape(t) -> tuple[int, ...]:
    return tuple(int(d) for d in t.shape)


def _problem_nodes(m: Model) -> set[int]:
    from mcuml.check import check

    return {p.node for p in check(m).problems if p.subgraph == 0}


def profile(model: Model | str | Path | bytes, board: str | Board, kernels: str = "cmsis-nn",
            rate_hz: float | None = None, battery_mah: float | None = None,
            battery_v: float = 3.7, *, force: bool = False) -> ProfileResult:
    """Per-layer cycles/time/energy of one inference on ``board``; duty cycle with ``rate_hz``.

    A model TFLM cannot run raises :class:`~mcuml.errors.NotRunnableError` unless ``force``; nodes
    with no cost model (the ones TFLM cannot run, ops without coefficients) are left out of the
    totals and listed in ``uncosted``, never priced silently.
    """
    from mcuml.verdict import tflm_verdict

    m, name, _ = load(model)
    from mcuml.validate import validate

    validate(m, guards=False)  # the per-layer features index shapes: refuse what TFLM refuses first
    vd = tflm_verdict(m, "profile", force=force)
    bad = _problem_nodes(m) if not vd.runs_on_tflm else set()
    b = get_board(board)
    ks = normalize_kernels(kernels)
    cc = core_class(b.core_class)
    factor = cc.factor_cmsis if ks == "cmsis-nn" else cc.factor_reference
    # wait states hurt only where no cache/accelerator hides them; each taken branch refetches
    ws = b.flash_wait_states or 0
    ws_penalty = ws if not b.flash_cache else 0
    ops = m.main.operators
    overhead = interpreter_overhead(len(ops), ks) * factor
    per_op_overhead = overhead / max(len(ops), 1)
    raw: list[tuple[float, str]] = []
    soft_float = False
    for i, node in enumerate(ops):
        f = layer_features(node)
        est = estimate_layer(f, ks)
        if i in bad or est.group == "none":
            raw.append((0.0, "none"))
            continue
        # float layers run reference code under either kernel set
        k_factor = cc.factor_reference if f.dtype == "float32" else factor
        cyc = est.cycles_m4 * k_factor * (1.0 + ws_penalty * est.branch_ratio)
        if b.fpu == "none" and f.dtype == "float32":
            cyc *= SOFT_FLOAT_FACTOR
            soft_float = True
        raw.append((cyc, est.group))
    cycles = [int(round(c + per_op_overhead)) for c, _ in raw]
    total = sum(cycles)
    hz = b.clock_hz
    layers = []
    for i, (node, cyc, (_, group)) in enumerate(zip(ops, cycles, raw)):
        f = layer_features(node)
        consts = [t for t in node.inputs if t is not None and t.is_constant]
        ms = cyc / hz * 1e3
        layers.append(LayerProfile(
            index=i, op=node.name, dtype=f.dtype,
            input_shapes=tuple(_shape(t) for t in node.inputs if t is not None and not t.is_constant),
            output_shapes=tuple(_shape(t) for t in node.outputs), macs=node_macs(node),
            params=sum(t.size for t in consts), param_bytes=f.param_bytes, cycles=cyc, ms=ms,
            share=cyc / total if total else 0.0, energy_mj=b.active_mw * ms / 1e3, model_group=group,
            costed=group != "none"))
    total_ms = total / hz * 1e3
    notes = [f"cycles: Cortex-M4 model x {factor:g} ({b.core_class}: {cc.note}); +/-{cc.uncertainty:.0%}"]
    if soft_float:
        notes.append(f"float32 layers on a core without FPU: soft-float, x{SOFT_FLOAT_FACTOR:g} (rough estimate)")
    if ws_penalty:
        notes.append(f"{ws} flash wait states without cache: + {ws} cycles per taken branch")
    if b.core_class.startswith("xtensa") and ks == "cmsis-nn":
        notes.append("on Xtensa, 'cmsis-nn' stands for TFLM's optimized (ESP-NN) kernels")
    uncosted = tuple(lp.index for lp in layers if not lp.costed)
    if uncosted:
        notes.insert(0, f"the totals leave out {len(uncosted)} node(s) mcuml cannot cost ("
                     + ", ".join(f"{lp.index} {lp.op}" for lp in layers if not lp.costed)
                     + "): only their dispatch overhead is counted, so the real latency is higher")
    unknown = sorted({f"{lp.op}/{lp.dtype} (used {lp.model_group})" for lp in layers
                      if lp.costed and lp.model_group != f"{lp.op}/{lp.dtype}"})
    if unknown:
        notes.append("no calibration data for " + ", ".join(unknown) + ": estimated from a broader group")
    energy = b.active_mw * total_ms / 1e3
    duty = _duty(total_ms, energy, b, rate_hz, battery_mah, battery_v) if rate_hz else None
    return ProfileResult(
        model=name, board=b.id, board_name=b.name, core_class=b.core_class, clock_mhz=b.clock_mhz, kernels=ks,
        layers=tuple(layers), total_macs=sum(lp.macs for lp in layers), total_cycles=total,
        kernel_cycles=int(round(sum(c for c, _ in raw))), interpreter_cycles=int(round(overhead)),
        total_ms=total_ms, ms_low=total_ms * (1 - cc.uncertainty), ms_high=total_ms * (1 + cc.uncertainty),
        uncertainty=cc.uncertainty, energy_mj=energy, active_mw=b.active_mw, duty_cycle=duty, notes=tuple(notes),
        uncosted=uncosted, runs_on_tflm=vd.runs_on_tflm, forced=vd.forced, tflm_problems=vd.reasons)


def _duty(t_ms: float, energy_mj: float, b: Board, rate_hz: float, mah: float | None, volts: float) -> DutyCycle:
    from mcuml.errors import McumlError

    if rate_hz <= 0:
        raise McumlError(f"rate must be positive, got {rate_hz}")
    period = 1e3 / rate_hz
    duty = min(t_ms / period, 1.0)
    avg = duty * b.active_mw + (1 - duty) * b.sleep_mw
    life_h = (mah * volts / avg) if mah else None
    return DutyCycle(rate_hz=rate_hz, period_ms=period, inference_ms=t_ms, duty=duty, feasible=t_ms <= period,
                     active_mw=b.active_mw, sleep_mw=b.sleep_mw, average_mw=avg, energy_per_inference_mj=energy_mj,
                     battery_mah=mah, battery_v=volts if mah else None, battery_life_h=life_h,
                     battery_life_days=life_h / 24 if life_h is not None else None)


__all__ = ["DutyCycle", "LayerProfile", "ProfileResult", "profile"]
