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
    """Run MODEL in mcuml and in TFLM; name the first layer whose output differs. Exit 1 on a mismatch.

    One rule for every layer and the final outputs: integer tensors must be identical, float tensors
    match when |mcuml - TFLM| <= 1e-5 * max(1, |TFLM|) elementwise.
    """
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
        exact = all(lm.n_diff == 0 and lm.max_abs_diff == 0 for lm in r.layers)
        worst = max((o.max_abs_diff for o in r.outputs), default=0.0)
        final = ("identical" if r.outputs_identical else f"match (max |diff| {worst:g})") if r.outputs_match \
            else f"DIFFER (max |diff| {worst:g})"
        out.print(f"all {len(r.layers)} layer outputs {'identical' if exact else 'match'}; final outputs {final}")
    else:
        out.print(f"first mismatch: node {m.index} ({m.op}) output {m.tensor!r}: {m.n_diff} elements differ, "
                  f"max |diff| {m.max_abs_diff:g}, first at {list(m.first_diff or ())}")
    out.print(f"rule: {r.tolerance}")
