"""``mcuml demo``: the main job on the bundled example model."""

from __future__ import annotations

import click

from mcuml.cli._common import log


@click.command("demo")
@click.option("-o", "--out-dir", default="mcuml-demo", show_default=True, type=click.Path(file_okay=False))
@click.option("--board", default="nano33ble", show_default=True, help="Target board.")
@click.option("--kernels", type=click.Choice(["reference", "cmsis-nn"]), default="cmsis-nn", show_default=True)
def command(out_dir: str, board: str, kernels: str) -> None:
    """Deploy the bundled example CNN to a board (default: Arduino Nano 33 BLE), offline, in seconds."""
    from pathlib import Path

    from mcuml.cli.deploy import render_summary
    from mcuml.deploy import deploy
    from mcuml.examples import example_model_bytes

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model = out / "example_cnn.tflite"
    model.write_bytes(example_model_bytes())
    log(f"bundled example model: {model}")
    result = deploy(model, board, out, kernels=kernels, progress=log)
    render_summary(result)
    if not result.ok:
        raise SystemExit(1)
