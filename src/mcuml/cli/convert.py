"""``mcuml convert``: Keras/SavedModel (TensorFlow's converter) or ONNX (mcuml's own) -> TFLM-ready .tflite."""

from __future__ import annotations

import sys
from typing import Any

import click

from mcuml.cli._common import console, emit, json_option, log


@click.command("convert")
@click.argument("model", type=click.Path(exists=True))
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False), required=True, help="The .tflite to write.")
@click.option("--int8/--float", "int8", default=True, show_default=True,
              help="Full-integer int8 (needs --calibration) or float32.")
@click.option("--calibration", type=click.Path(exists=True),
              help="Representative data: .npz with input_0… (sample axis first, float32) or a directory of them.")
@click.option("--io", type=click.Choice(["int8", "float"]), default=None,
              help="Input/output tensor type of an int8 model [default: int8; float models have float I/O].")
@click.option("--calibration-layout", type=click.Choice(["nhwc", "nchw"]), default=None,
              help="ONNX only: the layout 4-D calibration samples are stored in, when not the model's own.")
@click.option("--max-calibration", default=500, show_default=True, help="Calibration samples used.")
@click.option("--evaluate-samples", default=1000, show_default=True,
              help="Samples used to compare the int8 outputs with the float model's.")
@click.option("--method", type=click.Choice(["minmax", "percentile", "mse"]), default=None,
              help="ONNX only: activation range calibration method.")
@click.option("--per-tensor", is_flag=True, help="ONNX only: per-tensor instead of per-channel weights.")
@click.option("--quiet", "-q", is_flag=True, help="No progress on stderr.")
@json_option
def command(model: str, output: str, int8: bool, calibration: str | None, io: str | None,
            calibration_layout: str | None, max_calibration: int, evaluate_samples: int, method: str | None,
            per_tensor: bool, quiet: bool, as_json: bool) -> None:
    """Convert MODEL (.keras/.h5, a SavedModel directory, or .onnx) to a .tflite TFLM can run.

    After converting, the result is checked against stock TFLM (conversion fails if TFLM cannot
    run it) and, for int8, its outputs on the calibration data (run with mcuml's interpreter) are
    compared with the float model's: top-1 agreement for classifiers, relative error otherwise.
    """
    from mcuml.convert import convert, source_kind

    if not int8 and io == "int8":
        raise click.UsageError("--io int8 needs an int8 model: drop --float (a float model has float I/O)")
    if source_kind(model) != "onnx" and (method is not None or per_tensor or calibration_layout is not None):
        raise click.UsageError("--method, --per-tensor and --calibration-layout apply to ONNX models only")
    result = convert(model, output, quantize="int8" if int8 else "float", calibration=calibration, io=io or "int8",
                     max_calibration=max_calibration, evaluate_samples=evaluate_samples, method=method,
                     per_tensor=per_tensor, calibration_layout=calibration_layout,
                     progress=None if quiet else (lambda m: log(f"convert: {m}")))
    emit(result, as_json, _render)
    if getattr(result, "accuracy_warning", None):
        log(f"warning: {result.accuracy_warning}")
    if not result.runs_on_tflm:  # only reachable if a converter was asked not to fail
        sys.exit(1)


def describe_agreement(a: Any) -> str:
    """One line on the int8-vs-float agreement (or why it was not measured)."""
    if a is None:
        return "not measured (no calibration data)"
    if a.top1_agreement is not None:
        return (f"top-1 agreement with the float model {a.top1_agreement:.1%} on {a.samples} samples "
                f"(relative error {a.relative_error:.2%})")
    return f"relative error vs the float model {a.relative_error:.2%} on {a.samples} samples " \
           f"(max |error| {a.max_abs_error:.4g})"


def _render(r: Any) -> None:
    c = console()
    shapes = ", ".join("x".join(map(str, s)) for s in r.input_shapes)
    c.print(f"[bold]{r.output}[/bold]: {r.size_bytes:,} bytes, {r.quantize} ({r.io} I/O), input {shapes}, "
            f"converted in {r.seconds:.1f} s")
    c.print(f"ops: {', '.join(r.ops)}")
    c.print(f"TFLM: {'runs on stock TFLM' if r.runs_on_tflm else 'CANNOT run on stock TFLM'}"
            + (f" ({len(r.warnings)} warning(s))" if r.warnings else ""))
    for p in (*r.problems, *r.warnings):
        c.print(f"  {p.severity}: node {p.node} {p.op}: {p.reason}")
    if r.quantize == "int8":
        c.print(f"accuracy: {describe_agreement(r.agreement)}")
    report = getattr(r, "report", None)
    if report is not None and hasattr(report, "worst"):
        worst = report.worst(5)
        if worst:
            c.print("lowest SQNR layers: " + ", ".join(f"{e.op} {e.sqnr_db:.1f} dB" for e in worst))
