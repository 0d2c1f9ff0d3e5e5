"""``mcuml compare``: mcuml vs the real TFLM, layer by layer."""

from __future__ import annotations

import click

from mcuml.cli._common import console, emit, json_option


@click.command("compare")
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("--input", "input_path", type=click.Path(dir_okay=False), help="Input .npz (input_0…) or .npy.")
@click.option("--seed", default=0, show_default=True, help="Seed for the random input when no --input is given.")
@click.option("--quantize-input", is_flag=True, help="Quantize float input data with the input's scale/zero point.")
@click.option("--all", "show_all", is_flag=True, help="List every layer, not only up to the first mismatch.")
@json_option
def command(model: str, input_path: str | None, seed: int, quantize_input: bool, show_all: bool, as_json: bool) -> None:
    """Run MODEL in mcuml and in TFLM; name the first layer whose output differs. Exit 1 on a mismatch."""
    from mcuml.runner import compare_with_tflm

    result = compare_with_tflm(model, input_path=input_path, seed=seed, quantize_input=quantize_input)
    emit(result, as_json, lambda r: _render(r, show_all))
    if not result.all_match:
        raise SystemExit(1)


def _render(r, show_all: bool) -> None:
    from rich.table import Table

    table = Table(title=f"{r.model}: mcuml vs TFLM (reference kernels)")
    for col in ("#", "op", "tensor", "shape", "dtype", "match", "n diff", "max |diff|"):
        table.add_column(col)
    for lm in r.layers:
        table.add_row(str(lm.index), lm.op, lm.tensor[:40], "x".join(map(str, lm.shape)), lm.dtype,
                      "yes" if lm.match else "[red]NO[/red]", str(lm.n_diff), f"{lm.max_abs_diff:g}")
        if not show_all and r.first_mismatch is lm:
            break
    out = console()
    out.print(table)
    m = r.first_mismatch
    if m is None:
        out.print(f"all {len(r.layers)} layer outputs identical; final outputs {'match' if r.outputs_match else 'DIFFER'}")
    else:
        out.print(f"first mismatch: node {m.index} ({m.op}) output {m.tensor!r}: {m.n_diff} elements differ, "
                  f"max |diff| {m.max_abs_diff:g}, first at {list(m.first_diff or ())}")
