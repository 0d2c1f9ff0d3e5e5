"""``mcuml deploy``: the whole workflow for one model and board."""

from __future__ import annotations

import click

from mcuml.cli._common import battery_tuple, console, emit, force_option, json_option, log, runtime_option


@click.command("deploy")
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("--board", "-b", required=True, help="Target board (see `mcuml boards`).")
@click.option("-o", "--out-dir", required=True, type=click.Path(file_okay=False), help="Output directory.")
@click.option("--kernels", type=click.Choice(["reference", "cmsis-nn"]), default="cmsis-nn", show_default=True)
@click.option("--no-optimize", is_flag=True, help="Keep TFLM's greedy plan and the original op order.")
@click.option("--name", help="C identifier / sketch name (default: the model file name).")
@click.option("--rate", type=float, default=1.0, show_default=True, help="Inferences per second for energy.")
@click.option("--battery", default="1000,3.7", show_default=True, help="Battery capacity mAh[,V].")
@runtime_option
@click.option("--self-test", is_flag=True, help="The sketch checks one embedded input's output at start-up.")
@click.option("--engine", type=click.Choice(["tflm", "c"]), default="tflm", show_default=True,
              help="c: also generate mcuml's standalone C engine and compare it with TFLM in the report.")
@force_option
@json_option
def command(model: str, board: str, out_dir: str, kernels: str, no_optimize: bool, name: str | None, rate: float,
            battery: str, runtime: str | None, self_test: bool, engine: str, force: bool, as_json: bool) -> None:
    """Check, plan, fit, profile, generate code and write the report for MODEL on a board. Exit 1 if it won't run."""
    from mcuml.deploy import deploy

    result = deploy(model, board, out_dir, kernels=kernels, optimize=not no_optimize, name=name, rate_hz=rate,
                    battery=battery_tuple(battery), progress=log, runtime=runtime, force=force, self_test=self_test,
                    engine=engine)
    emit(result, as_json, render_summary)
    if not result.ok or result.forced:
        raise SystemExit(1)


def render_summary(r) -> None:
    """Print the deploy summary table."""
    from rich.table import Table

    t = Table(title=f"{r.model} on {r.board_name} ({r.kernels} kernels, {r.runtime_name})", show_header=False)
    t.add_column("", style="bold")
    t.add_column("")
    verdict = "[green]yes[/green]" if r.ok else "[red]NO[/red]"
    t.add_row("runs and fits?", f"{verdict}: {r.verdict}" + ("" if r.runs_on_tflm else "; TFLM cannot run it"))
    t.add_row("flash", f"{r.flash_bytes:,} / {r.flash_capacity_bytes:,} B ({100 * r.flash_bytes / r.flash_capacity_bytes:.0f} %)")
    t.add_row("SRAM", f"{r.sram_bytes:,} / {r.sram_capacity_bytes:,} B ({100 * r.sram_bytes / r.sram_capacity_bytes:.0f} %)")
    t.add_row("model", f"{r.model_bytes:,} B embedded" + (f" (the optimized model {r.deployed_model})"
                                                          if r.optimized else ""))
    t.add_row("arena", f"{r.arena_bytes:,} B minimum, kTensorArenaSize {r.recommended_arena_bytes:,} B (in the code)")
    if r.optimized:
        t.add_row("original model's arena", f"{r.baseline_arena_bytes:,} B minimum, kTensorArenaSize "
                                            f"{r.baseline_recommended_arena_bytes:,} B (TFLM's greedy plan)")
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

