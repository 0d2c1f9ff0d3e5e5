"""What the Keras and ONNX converters share: the result types, the TFLM check, the int8-vs-float comparison.

Both converters end the same way: load the written bytes, ask :func:`mcuml.check.check` whether
stock TFLM runs them, then run the result with mcuml's interpreter on float data (quantize in,
dequantize out) and compare with the framework's float outputs (:func:`agreement`).
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence

import numpy as np

from mcuml.errors import ConversionError, MissingDependencyError, OpProblem

if TYPE_CHECKING:
    from mcuml.convert.onnx import QuantReport

Progress = Callable[[str], None]
IO = ("int8", "float")


@dataclass(frozen=True, slots=True)
class Agreement:
    """The converted model's outputs vs the float model's (TensorFlow or onnxruntime) on the evaluation data."""

    metric: str                   # "top1" (classifiers) or "relative_error"
    samples: int
    top1_agreement: float | None  # fraction of samples whose argmax matches (classifiers)
    relative_error: float         # ||y - y_float|| / ||y_float|| over all outputs and samples
    max_abs_error: float


@dataclass(frozen=True, slots=True, kw_only=True)
class ConversionResult:
    """What a conversion wrote and how it checked out; ``input_layouts`` and ``report`` are ONNX-only."""

    source: str
    output: str | None
    quantize: str
    io: str
    size_bytes: int
    ops: tuple[str, ...]
    input_shapes: tuple[tuple[int, ...], ...]
    input_layouts: tuple[str, ...] = ()  # ONNX, per input: "NHWC (ONNX NCHW)" or "as in ONNX"
    runs_on_tflm: bool
    problems: tuple[OpProblem, ...]
    warnings: tuple[OpProblem, ...]
    calibration_samples: int
    agreement: Agreement | None
    report: QuantReport | None = None    # int8: per-layer SQNR against the float model
    seconds: float
    accuracy_warning: str | None = None  # int8 agreement below LOW_AGREEMENT (the CLI prints it on stderr)
    tflite: bytes = field(default=b"", repr=False, metadata={"json_skip": True})


def import_extra(module: str, needs: str, hint: str) -> Any:
    """``module`` imported, or a MissingDependencyError with the message ``needs`` and the install ``hint``."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingDependencyError(needs, hint=hint) from None


def check_tflm(tflite: bytes, say: Progress, require_tflm: bool, *, hint: str | None = None,
               problem_ops: bool = False) -> tuple[Any, Any]:
    """(Model, CheckResult) of the converted bytes; ConversionError when ``require_tflm`` and TFLM cannot run them.

    The error's ``problems`` context holds the OpProblem records, or with ``problem_ops`` only
    their op names (what the Keras converter has always reported).
    """
    from mcuml.check import check
    from mcuml.tflite.reader import load_model

    say("checking TFLM support")
    model = load_model(tflite)
    result = check(model, size=len(tflite))
    if require_tflm and not result.runs_on_tflm:
        listed = "; ".join(f"node {p.node} {p.op}: {p.reason}" for p in result.problems[:8])
        problems = [p.op for p in result.problems] if problem_ops else result.problems
        raise ConversionError(f"TFLM cannot run the converted model: {listed}", hint=hint, problems=problems)
    return model, result


LOW_AGREEMENT = 0.90  # top-1 agreement with the float model below this is worth a warning


def accuracy_warning(a: Agreement | None, report: Any = None) -> str | None:
    """A warning when the int8 model's top-1 agreement with the float model is below LOW_AGREEMENT."""
    if a is None or a.top1_agreement is None or a.top1_agreement >= LOW_AGREEMENT:
        return None
    worst = report.worst(3) if report is not None and hasattr(report, "worst") else ()
    where = ("; lowest SQNR: " + ", ".join(f"{e.op} {e.tensor} {e.sqnr_db:.1f} dB" for e in worst)) if worst else ""
    return (f"int8 top-1 agreement with the float model is only {a.top1_agreement:.1%} on {a.samples} samples "
            f"(below {LOW_AGREEMENT:.0%}){where}: more/representative calibration data, per-channel weights or "
            "quantization-aware training may help")


@contextlib.contextmanager
def quiet_native_output() -> Iterator[list[str]]:
    """Send what native code (TF's converter, absl) writes to fd 1/2 into a buffer instead of the terminal.

    Yields a list that holds the captured text afterwards (for error messages)."""
    import sys
    import tempfile

    captured: list[str] = []
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    with tempfile.TemporaryFile(mode="w+b") as tmp:
        os.dup2(tmp.fileno(), 1)
        os.dup2(tmp.fileno(), 2)
        try:
            yield captured
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)
            tmp.seek(0)
            captured.append(tmp.read().decode("utf-8", "replace"))


def run_float_io(model: Any, xs: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Run a .tflite (Model) with mcuml's interpreter on float data: quantize in, dequantize out."""
    from mcuml.interp.interpreter import Interpreter, dequantize_output, quantize_input

    sg = model.main
    ins = [quantize_input(x, t) if np.issubdtype(t.dtype.numpy, np.integer) else x.astype(t.dtype.numpy)
           for x, t in zip(xs, sg.inputs)]
    ys = Interpreter(model=model).run(ins)
    return [dequantize_output(y, t) if np.issubdtype(t.dtype.numpy, np.integer) else y
            for y, t in zip(ys, sg.outputs)]


def agreement(got: Sequence[np.ndarray], want: Sequence[np.ndarray], classifier: bool) -> Agreement:
    """Relative and max error of ``got`` vs ``want`` over all outputs; top-1 agreement of output 0 for classifiers."""
    g = np.concatenate([y.reshape(y.shape[0], -1) for y in got], axis=1).astype(np.float64)
    w = np.concatenate([y.reshape(y.shape[0], -1) for y in want], axis=1).astype(np.float64)
    rel = float(np.linalg.norm(g - w) / max(np.linalg.norm(w), 1e-30))
    mae = float(np.max(np.abs(g - w))) if g.size else 0.0
    top1 = None
    if classifier:
        a, b = got[0].reshape(got[0].shape[0], -1), want[0].reshape(want[0].shape[0], -1)
        top1 = float(np.mean(np.argmax(a, axis=1) == np.argmax(b, axis=1)))
    return Agreement("top1" if classifier else "relative_error", int(g.shape[0]), top1, rel, mae)


__all__ = ["IO", "Agreement", "ConversionResult", "Progress", "agreement", "check_tflm", "import_extra", "run_float_io"]
