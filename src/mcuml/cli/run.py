"""``mcuml run``: one inference (or a batch) with mcuml's interpreter."""

from __future__ import annotations

import click

from mcuml.cli._common import console, emit, json_option, log


@click.command("run")
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("--input", "input_path", type=click.Path(dir_okay=False),
              help="Input .npz (input_0… or the input tensors' names) or .npy; a leading sample axis runs a batch.")
@click.option("--output", "output_path", type=click.Path(dir_okay=False), help="Write outputs to .npz (output_0…).")
@click.option("--seed", default=0, show_default=True, help="Seed for the random input when no --input is given.")
@click.option("--quantize-input", is_flag=True, help="Quantize float input data with the input's scale/zero point.")
@json_option
def command(model: str, input_path: str | None, output_path: str | None, seed: int, quantize_input: bool,
            as_json: bool) -> None:
    """Run MODEL once (or on a batch) and summarize its outputs, raw and dequantized."""
    from mcuml.runner import run_model

    result = run_model(model, input_path=input_path, output_path=output_path, seed=seed,
                       quantize_input=quantize_input)
    if result.random_input:
        log(f"note: no --input given: the input is random data (seed {seed}), so the outputs mean nothing")
    emit(result, as_json, _render)


def _render(r) -> None:
    from rich.table import Table

    what = f"{r.samples} samples" if r.samples > 1 else "1 sample"
    table = Table(title=f"{r.model}: {what} in {r.invoke_ms:.2f} ms (host); input: {r.input_source}")
    for col in ("", "name", "shape", "dtype", "min", "max", "mean", "argmax", "first values"):
        table.add_column(col)
    for kind, items in (("in", r.inputs), ("out", r.outputs)):
        for s in items:
            table.add_row(kind, s.name, "x".join(map(str, s.shape)), s.dtype, f"{s.min:g}", f"{s.max:g}",
                          f"{s.mean:.4g}", str(s.argmax), ", ".join(f"{v:g}" for v in s.values[:8]))
            if s.dequantized is not None:
                d = s.dequantized
                table.add_row("", f"  dequantized (scale {s.scale:.4g}, zp {s.zero_point})", "", "float",
                              f"{d.min:.4g}", f"{d.max:.4g}", f"{d.mean:.4g}", "",
                              ", ".join(f"{v:.4g}" for v in d.values[:8]))
    console().print(table)
    if r.output_file:
        console().print(f"outputs written to {r.output_file}")
