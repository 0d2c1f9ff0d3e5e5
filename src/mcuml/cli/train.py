"""``mcuml train``: train a zoo template on a local dataset, convert to int8, evaluate both (needs mcuml[tf])."""

from __future__ import annotations

import click

from mcuml.cli._common import console, emit, json_option, log


@click.command("train")
@click.argument("dataset", type=click.Choice(["cifar10", "digits"]))
@click.option("--data-dir", type=click.Path(file_okay=False),
              help="cifar10: the folder holding cifar-10-batches-py (never downloaded at run time).")
@click.option("--template", default="cnn", show_default=True,
              type=click.Choice(["cnn", "resnet8", "mobilenet_v1"]), help="mcuml.zoo image template.")
@click.option("--width", default=1.0, show_default=True, help="Width multiplier (channels).")
@click.option("--depth", type=int, default=None, help="Depth (the template's repeated unit; default: its own).")
@click.option("--epochs", default=10, show_default=True)
@click.option("--batch-size", default=64, show_default=True)
@click.option("--learning-rate", default=3e-3, show_default=True)
@click.option("--max-train", type=int, default=None, help="Use only the first N training images.")
@click.option("--seed", default=0, show_default=True)
@click.option("--name", default="model", show_default=True, help="Base name of the written files.")
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False), required=True,
              help="Folder for NAME.tflite, NAME.keras, NAME_data.h/.cc and summary.json.")
@click.option("--quiet", "-q", is_flag=True, help="No progress on stderr.")
@json_option
def command(dataset: str, data_dir: str | None, template: str, width: float, depth: int | None, epochs: int,
            batch_size: int, learning_rate: float, max_train: int | None, seed: int, name: str, out_dir: str,
            quiet: bool, as_json: bool) -> None:
    """Train on DATASET (cifar10 from --data-dir, or the bundled digits), convert to int8, evaluate.

    The int8 accuracy is measured with mcuml's interpreter on the converted model.
    """
    from mcuml.train import train

    result = train(dataset, out_dir, data_dir=data_dir, template=template, width=width, depth=depth, epochs=epochs,
                   batch_size=batch_size, learning_rate=learning_rate, max_train=max_train, seed=seed, name=name,
                   progress=None if quiet else (lambda m: log(f"train: {m}")))
    emit(result, as_json, _render)


def _render(r) -> None:
    c = console()
    c.print(f"[bold]{r.template}[/bold] (width {r.width:g}, depth {r.depth}, {r.params:,} parameters) on "
            f"{r.dataset}: {r.epochs} epochs over {r.train_samples:,} images in {r.train_seconds:.0f} s")
    c.print(f"test accuracy ({r.test_samples:,} images): float {r.float_accuracy:.2%}, "
            f"int8 {r.int8_accuracy:.2%} (mcuml interpreter), "
            f"difference {100 * (r.int8_accuracy - r.float_accuracy):+.2f} points")
    c.print(f"int8 model: {r.tflite_bytes:,} bytes, ops {', '.join(r.ops)}, "
            f"{'runs on stock TFLM' if r.runs_on_tflm else 'NOT runnable on stock TFLM'}")
    c.print("files: " + ", ".join(r.files))
    c.print(f"total {r.total_seconds:.0f} s")
