"""``mcuml report``: one self-contained HTML report."""

from __future__ import annotations

import click

from mcuml.cli._common import battery_tuple, emit, force_option, json_option, runtime_option


@click.command("report")
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("--board", "-b", required=True, help="Target board (see `mcuml boards`).")
@click.option("-o", "--output", "out", default="report.html", show_default=True, type=click.Path(dir_okay=False))
@click.option("--kernels", type=click.Choice(["reference", "cmsis-nn"]), default="cmsis-nn", show_default=True)
@click.option("--rate", type=float, default=1.0, show_default=True, help="Inferences per second for energy.")
@click.option("--battery", default="1000,3.7", show_default=True, help="Battery capacity mAh[,V].")
@runtime_option
@force_option
@json_option
def command(model: str, board: str, out: str, kernels: str, rate: float, battery: str, runtime: str | None,
            force: bool, as_json: bool) -> None:
    """Write an HTML report (memory map, arena plan, per-layer latency, energy) for MODEL on a board."""
    from mcuml.deploy import report

    path = report(model, board, out, kernels=kernels, rate_hz=rate, battery=battery_tuple(battery), runtime=runtime,
                  force=force)
    emit({"report": path, "forced": force}, as_json, lambda r: click.echo(
        f"report written to {r['report']}" + (" (FORCED: TFLM cannot run this model)" if force else "")))
    if force:
        from mcuml.check import check
        from mcuml.tflite.reader import load_model

        if not check(load_model(model)).runs_on_tflm:
            raise SystemExit(1)
