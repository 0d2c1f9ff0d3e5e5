"""``mcuml run``: one inference with mcuml's interpreter."""

from __future__ import annotations

import click

from mcuml.cli._common import console, emit, json_option


@click.command("run")
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("--input", "input_path", type=click.Path(dir_okay=False), help="Input .npz (input_0…) or .npy.")
@click.option("--output", "output_path", type=click.Path(dir_okay=False), help="Write outputs to .npz (output_0…).")
@click.option("--seed", default=0, show_default=True, help="Seed for the random input when no --input is given.")
@click.option("--quantize-input", is_flag=True, help="Quantize float input data with the input's scale/zero point.")
@json_option
def command(model: str, input_path: str | None, output_path: str | None, seed: int, quantize_input: bool,
            as_json: bool) -> None:
    """Run MODEL once and summarize its outputs."""
    from mcuml.runner import run_model

    result = run_model(model, input_path=input_path, output_path=output_path, seed=seed,
                       quantize_input=quantize_input)
    emit(result, as_json, _render)


def _render(r) -> None:
    from rich.table import Table

    table = Table(title=f"{r.model}: invoke {r.invoke_ms:.2f} ms (host)")
    for col in ("", "name", "shape", "dtype", "min", "max", "mean", "argmax", "first values"):
        table.add_column(col)
    for kind, items in (("in", r.inputs), ("out", r.outputs)):
        for s in items:
            vals = ", ".join(f"{v:g}" for v in s.values[:8])
            table.add_row(kind, s.name, "x".join(map(str, s.shape)), s.dtype, f"{s.min:g}", f"{s.max:g}",
                          f"{s.mean:.4g}", str(s.argmax), vals)
    console().print(table)
    if r.output_file:
        console().print(f"outputs written to {r.output_file}")
