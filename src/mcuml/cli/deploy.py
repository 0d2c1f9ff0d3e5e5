"""``mcuml deploy``: the whole workflow for one model and board."""

from __future__ import annotations

import click

from mcuml.cli._common import battery_tuple, console, emit, json_option, log


@click.command("deploy")
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("--board", "-b", required=True, help="Target board (see `mcuml boards`).")
@click.option("-o", "--out-dir", required=True, type=click.Path(file_okay=False), help="Output directory.")
@click.option("--kernels", type=click.Choice(["reference", "cmsis-nn"]), default="cmsis-nn", show_default=True)
@click.option("--no-optimize", is_flag=True, help="Keep TFLM's greedy plan and the original op order.")
@click.option("--name", help="C identifier / sketch name (default: the model file name).")
@click.option("--rate", type=float, default=1.0, show_default=True, help="Inferences per second for energy.")
@click.option("--battery", default="1000,3.7", show_default=True, help="Battery capacity mAh[,V].")
@click.option("--engine", type=click.Choice(["tflm", "c"]), default="tflm", show_default=True,
              help="c: also generate mcuml's standalone C engine and compare it with TFLM in the report.")
@json_option
def command(model: str, board: str, out_dir: str, kernels: str, no_optimize: bool, name: str | None, rate: float,
            battery: str, engine: str, as_json: bool) -> None:
    """Check, plan, fit, profile, generate code and write the report for MODEL on a board. Exit 1 if it won't run."""
    from mcuml.deploy import deploy

    result = deploy(model, board, out_dir, kernels=kernels, optimize=not no_optimize, name=name, rate_hz=rate,
                    battery=battery_tuple(battery), progress=log, engine=engine)
    emit(result, as_json, render_summary)
    if not result.ok:
        raise SystemExit(1)


def render_summary(r) -> None:
    """Print the deploy summary table."""
    from rich.table import Table

    t = Table(title=f"{r.model} on {r.board_name} ({r.kernels} kernels)", show_header=False)
    t.add_column("", style="bold")
    t.add_column("")
    verdict = "[green]yes[/green]" if r.ok else "[red]NO[/red]"
    t.add_row("runs and fits?", verdict)
    t.add_row("flash", f"{r.flash_bytes:,} / {r.flash_capacity_bytes:,} B ({100 * r.flash_bytes / r.flash_capacity_bytes:.0f} %)")
    t.add_row("SRAM", f"{r.sram_bytes:,} / {r.sram_capacity_bytes:,} B ({100 * r.sram_bytes / r.sram_capacity_bytes:.0f} %)")
    arena = f"{r.arena_bytes:,} B (kTensorArenaSize {r.recommended_arena_bytes:,} B)"
    if r.optimized:
        arena += f", was {r.baseline_arena_bytes:,} B with TFLM's greedy plan"
    t.add_row("arena", arena)
    t.add_row("est. latency", f"{r.latency_ms:,.2f} ms")
    t.add_row("energy / inference", f"{r.energy_mj:.3f} mJ")
    if r.battery_life_days is not None:
        t.add_row("battery life", f"{r.battery_life_days:,.1f} days")
    for reason in r.reasons:
        t.add_row("[red]why not[/red]", reason)
    t.add_row("files", "\n".join(r.files))
    console().print(t)
    if r.report:
        console().print(f"report: {r.report}")

