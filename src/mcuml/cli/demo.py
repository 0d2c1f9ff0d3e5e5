"""``mcuml demo``: the main job on the bundled example model."""

from __future__ import annotations

import click


@click.command("demo")
@click.option("-o", "--out-dir", default="mcuml-demo", show_default=True, type=click.Path(file_okay=False))
@click.option("--board", default="nano33ble", show_default=True, help="Target board.")
def command(out_dir: str, board: str) -> None:
    """Run the whole workflow on the bundled example CNN (offline, a few seconds)."""
    from pathlib import Path

    from mcuml.examples import example_model_bytes

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model = out / "example_cnn.tflite"
    model.write_bytes(example_model_bytes())
    click.echo(f"bundled example model written to {model}", err=True)
    from mcuml.cli import main

    for args in (["check", str(model)], ["inspect", str(model)]):
        code = main(args)
        if code not in (0, 1):
            raise SystemExit(code)
