"""``mcuml eval``: the accuracy of a quantized model as the board computes it."""

from __future__ import annotations

import click

from mcuml.cli._common import console, emit, json_option, log, progress_bar


@click.command("eval")
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("--data", required=True, help="An .npz (x, y or input_0… + labels), a folder of class sub-folders, "
              "or 'digits' (the test split of `mcuml train digits`).")
@click.option("--reference", type=click.Path(dir_okay=False), help="Float model (.tflite, .keras, .onnx): "
              "agreement with float and per-layer SQNR.")
@click.option("--top-k", default=5, show_default=True, help="k of the top-k accuracy.")
@click.option("--limit", type=int, help="Use only the first N samples.")
@click.option("--layer-samples", default=32, show_default=True, help="Samples for the per-layer comparison.")
@click.option("--pixel-range", type=click.Choice(["auto", "unit", "signed", "byte"]), default="auto",
              show_default=True, help="Image folders: pixels as [0,1], [-1,1] or [0,255] (auto: the input's range).")
@click.option("--ray", "ray_address", help="Shard the samples over a Ray cluster ('auto', 'ray://HOST:PORT', 'local').")
@click.option("--ray-workers", type=int, help="Shards for --ray (default: the cluster's CPUs).")
@click.option("--html", "html_path", type=click.Path(dir_okay=False), help="Write a report with the confusion matrix.")
@json_option
def command(model: str, data: str, reference: str | None, top_k: int, limit: int | None, layer_samples: int,
            pixel_range: str, ray_address: str | None, ray_workers: int | None, html_path: str | None,
            as_json: bool) -> None:
    """Score MODEL on DATA with mcuml's bit-exact interpreter: accuracy, confusion matrix, float agreement."""
    from mcuml.evaluation import evaluate
    from mcuml.report.eval_html import print_eval, render_eval

    with progress_bar("evaluating") as bar:
        result = evaluate(model, data, reference=reference, top_k=top_k, limit=limit, layer_samples=layer_samples,
                          pixel_range=pixel_range, ray_address=ray_address, ray_workers=ray_workers,
                          progress=bar, say=log)
    if html_path:
        with open(html_path, "w", encoding="utf-8") as f:
            f.write(render_eval(result))
        log(f"report written to {html_path}")
    emit(result, as_json, lambda r: print_eval(r, console()))
