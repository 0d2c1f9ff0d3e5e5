"""``mcuml deploy``: check → plan → fit → profile → codegen → report, in one call.

Each stage is the public function of its module; this module only sequences them, writes the
files and collects the numbers into one :class:`DeployResult`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from mcuml.errors import McumlError
from mcuml.tflite.reader import load_model, read_bytes

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class DeployResult:
    model: str
    board: str
    board_name: str
    kernels: str
    runtime: str              # runtime profile the budgets are for (see `mcuml fit --runtime`)
    runtime_name: str
    runs_on_tflm: bool
    fits: bool
    ok: bool  # runs on TFLM and fits the board
    verdict: str              # fit's one-line verdict ("DOES NOT FIT (Arduino mbed core); fits bare metal")
    reasons: tuple[str, ...]  # why not, when not ok
    flash_bytes: int          # fit's flash total for the deployed model (what the sketch embeds)
    flash_capacity_bytes: int
    sram_bytes: int           # fit's SRAM total (counts kTensorArenaSize)
    sram_capacity_bytes: int
    model_bytes: int          # the embedded .tflite (the optimized one when optimized)
    arena_bytes: int  # predicted minimal arena of the deployed model (32-bit, chosen kernels)
    recommended_arena_bytes: int  # kTensorArenaSize written into the generated code
    baseline_arena_bytes: int  # the original model's minimal arena (greedy plan, original op order)
    baseline_recommended_arena_bytes: int  # kTensorArenaSize the original model would need
    optimized: bool           # the generated code embeds the optimized model (``deployed_model``)
    deployed_model: str       # path of the .tflite the generated code embeds
    latency_ms: float
    energy_mj: float
    battery_life_days: float | None
    report: str | None
    files: tuple[str, ...]
    forced: bool = False      # TFLM cannot run the model; deployed anyway (--force)
    self_test: bool = False


def _noop(msg: str) -> None:
    pass


def _plan_views(model, kernels: str, optimized_model):
    """What TFLM's planner does with the original and with the deployed model, for the report picture.

    The deployed model carries its plan as OfflineMemoryAllocation metadata (fixed offsets in the
    records); TFLM's greedy planner places only what is left (scratch buffers), as on the device."""
    from mcuml.plan import plan_greedy, usage_records
    from mcuml.report.html import PlanView

    views = []
    for name, m in (("TFLM greedy planner, original model", model),
                    ("deployed model (mcuml's plan as offline-plan metadata)", optimized_model)):
        if m is None:
            continue
        from mcuml.plan.arena import predict_arena

        recs = usage_records(m, kernels=kernels, target="cortex-m")
        plan = plan_greedy(recs)
        tail = predict_arena(m, target="cortex-m", kernels=kernels).tail_bytes
        views.append(PlanView(name, tuple((r.size, r.first_use, r.last_use, r.label) for r in recs),
                              tuple(plan.offsets), plan.size, ops=tuple(op.name for op in m.main.operators),
                              tail=tail))
    return views


def build_report(model_path: str | os.PathLike[str], board: str, *, kernels: str = "cmsis-nn",
                 rate_hz: float | None = 1.0, battery: tuple[float, float] | None = (1000.0, 3.7),
                 optimized_model=None, title: str | None = None, runtime: str | None = None,
                 force: bool = False) -> tuple[str, object, object, object, object]:
    """HTML report text plus the (check, fit, profile, arena) results it shows.

    Every figure is for the model the generated code embeds: the file's own bytes, or
    ``optimized_model`` serialized exactly as deploy writes it, so report, fit and sketch agree.
    """
    from mcuml.plan.arena import predict_arena
    from mcuml.boards import get_board
    from mcuml.check import check
    from mcuml.fit import fit
    from mcuml.inspect import inspect
    from mcuml.memmap import render_svg
    from mcuml.profile import profile
    from mcuml.report.html import render

    from mcuml.verdict import tflm_verdict

    data = read_bytes(model_path)
    model = load_model(data)
    tflm_verdict(model, "report", force=force)
    b = get_board(board)
    deployed = optimized_model or model
    deployed_bytes = optimized_model.to_bytes() if optimized_model is not None else data
    chk = check(model, size=len(data))
    ins = inspect(model, size=len(data))
    fr = fit(deployed_bytes, b, kernels, runtime=runtime, force=force)
    pr = profile(deployed_bytes, b, kernels, rate_hz=rate_hz, battery_mah=battery[0] if battery else None,
                 battery_v=battery[1] if battery else 3.7, force=force)
    ar = predict_arena(deployed, target="cortex-m", kernels=kernels)
    html = render(title=title or f"mcuml report: {Path(model_path).name} on {b.name}", model_name=Path(model_path).name,
                  model_bytes=len(data), board=b, kernels=kernels, check=chk, inspect=ins, fit=fr, profile=pr,
                  arena=ar, plans=_plan_views(model, kernels, optimized_model),
                  memory_map_svg=render_svg(fr.bars(), title=f"{Path(model_path).name} on {b.name}"))
    return html, chk, fr, pr, ar


def report(model_path: str | os.PathLike[str], board: str, out: str | os.PathLike[str], *,
           kernels: str = "cmsis-nn", rate_hz: float | None = 1.0,
           battery: tuple[float, float] | None = (1000.0, 3.7), runtime: str | None = None,
           force: bool = False) -> str:
    """Write the self-contained HTML report; returns its path (TFLM cannot run the model: exit 1 unless force)."""
    html, *_ = build_report(model_path, board, kernels=kernels, rate_hz=rate_hz, battery=battery, runtime=runtime,
                            force=force)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(html, encoding="utf-8", errors="backslashreplace")  # names keep undecodable bytes
    return str(out)


def deploy(model_path: str | os.PathLike[str], board: str, out_dir: str | os.PathLike[str], *,
           kernels: str = "cmsis-nn", optimize: bool = True, name: str | None = None, rate_hz: float | None = 1.0,
           battery: tuple[float, float] | None = (1000.0, 3.7), progress: Progress = _noop,
           runtime: str | None = None, force: bool = False, self_test: bool = False,
           engine: str = "tflm") -> DeployResult:
    """Run the whole workflow for ``model_path`` on ``board`` and write everything into ``out_dir``.

    A model TFLM cannot run raises :class:`~mcuml.errors.NotRunnableError` (exit 1, nothing written)
    unless ``force``; ``self_test`` gives the sketch a start-up check of one input's output;
    ``engine="c"`` also writes mcuml's standalone C engine (``mcuml.cengine``) and its TFLM comparison.
    """
    from mcuml.plan.arena import predict_arena
    from mcuml.boards import get_board
    from mcuml.verdict import tflm_verdict

    data = read_bytes(model_path)
    model = load_model(data)
    progress(f"[1/6] check: can stock TFLM run {Path(model_path).name}?")
    vd = tflm_verdict(model, "deploy", force=force)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    b = get_board(board)
    stem = name or Path(model_path).stem
    files: list[str] = []
    reasons = [vd.label(), *vd.reasons] if vd.forced else []

    progress("[2/6] plan: arena with TFLM's greedy planner, then mcuml's optimal plan")
    baseline = predict_arena(model, target="cortex-m", kernels=kernels)
    deployed_model, deployed_path, ar = model, Path(model_path), baseline
    if optimize and vd.runs_on_tflm:
        from mcuml.plan import optimize_model

        opt = optimize_model(model, planner="optimal", reorder=True, target="cortex-m", kernels=kernels)
        if opt.arena.arena_bytes < baseline.arena_bytes:
            deployed_model = opt.model
            deployed_path = out / f"{stem}_optimized.tflite"
            deployed_path.write_bytes(opt.model.to_bytes())
            files.append(str(deployed_path))
            progress(f"      embeds the optimized model {deployed_path.name}: arena {baseline.arena_bytes:,} B -> "
                     f"{opt.arena.arena_bytes:,} B")
    optimized = deployed_model is not model

    progress(f"[3/6] fit + [4/6] profile on {b.name}")
    html, chk, fr, pr, ar = build_report(model_path, board, kernels=kernels, rate_hz=rate_hz, battery=battery,
                                         optimized_model=deployed_model if optimized else None, runtime=runtime,
                                         force=force)
    reasons += _misfit_reasons(fr)

    progress("[5/6] codegen: C array, Arduino sketch, TFLM app")
    reasons += _codegen(deployed_path, out, stem, board, kernels, files, force, self_test)

    if engine == "c":
        from mcuml.cengine.api import deploy_c

        c_files, section = deploy_c(model_path, board, out, stem, reasons)
        files.extend(c_files)
        html = html.replace("</body>", section + "</body>", 1)
    progress("[6/6] report")
    report_path = out / "report.html"
    report_path.write_text(html, encoding="utf-8", errors="backslashreplace")  # names keep undecodable bytes
    files.append(str(report_path))
    dc = pr.duty_cycle
    return DeployResult(
        model=str(model_path), board=b.id, board_name=b.name, kernels=kernels, runtime=fr.runtime,
        runtime_name=fr.runtime_name, runs_on_tflm=vd.runs_on_tflm, fits=fr.fits,
        ok=vd.runs_on_tflm and fr.fits, verdict=fr.verdict, reasons=tuple(reasons),
        flash_bytes=fr.flash.total_bytes, flash_capacity_bytes=fr.flash.capacity_bytes,
        sram_bytes=fr.ram.total_bytes, sram_capacity_bytes=fr.ram.capacity_bytes,
        model_bytes=fr.flash.model_bytes, arena_bytes=ar.arena_bytes,
        recommended_arena_bytes=ar.recommended_arena_bytes, baseline_arena_bytes=baseline.arena_bytes,
        baseline_recommended_arena_bytes=baseline.recommended_arena_bytes, optimized=optimized,
        deployed_model=str(deployed_path), latency_ms=pr.total_ms, energy_mj=pr.energy_mj,
        battery_life_days=dc.battery_life_days if dc else None, report=str(report_path), files=tuple(files),
        forced=vd.forced, self_test=self_test)


def _misfit_reasons(fr) -> list[str]:
    out = []
    if not fr.flash.fits:
        out.append(f"flash ({fr.runtime_name}): needs {fr.flash.total_bytes:,} B of {fr.flash.capacity_bytes:,} B "
                   f"({-fr.flash.margin_bytes:,} B over)")
    if not fr.ram.fits:
        out.append(f"SRAM ({fr.runtime_name}): needs {fr.ram.total_bytes:,} B of {fr.ram.capacity_bytes:,} B "
                   f"({-fr.ram.margin_bytes:,} B over)")
    if not fr.fits and fr.fits_bare_metal:
        out.append("fits bare metal (--runtime bare-metal)")
    return out


def _codegen(path: Path, out: Path, stem: str, board: str, kernels: str, files: list[str], force: bool,
             self_test: bool) -> list[str]:
    from mcuml.codegen import generate

    reasons = []
    for target, sub in (("c-array", "c_array"), ("arduino", "arduino"), ("tflm-app", "tflm_app")):
        try:
            res = generate(path, target, out / sub, name=stem, board=board, kernels=kernels, force=force,
                           self_test=self_test and target == "arduino")
        except McumlError as e:
            reasons.append(f"codegen {target}: {e.message}")
            continue
        files.extend(str(Path(res.out_dir) / f) for f in res.files)
    return reasons
