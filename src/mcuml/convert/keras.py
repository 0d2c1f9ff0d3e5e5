"""Keras / SavedModel -> TFLM-ready ``.tflite`` through TensorFlow's converter (extra ``mcuml[tf]``).

The model is traced with batch size 1 so every shape is static: Flatten becomes one RESHAPE
instead of the SHAPE/STRIDED_SLICE/PACK chain a dynamic batch produces, which TFLM would have to
run on every invoke. ``quantize="int8"`` is full-integer post-training quantization
(``TFLITE_BUILTINS_INT8`` only, so a float fallback op is a conversion error, not a surprise on
the board) calibrated on the given data; ``io`` picks int8 or float input/output tensors.

After converting, the result is checked against stock TFLM (:func:`mcuml.check.check`) and, for
int8, its outputs on the calibration data (mcuml's interpreter) are compared with the float
model's: top-1 agreement for classifiers, relative error otherwise.

TensorFlow is imported lazily, only here and in :mod:`mcuml.zoo.keras_build`.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from mcuml.convert.calibration import CalibrationData, as_calibration
from mcuml.convert.common import (IO, Agreement, ConversionResult, Progress, accuracy_warning, check_tflm, import_extra,
                                  quiet_native_output, run_float_io)
from mcuml.convert.common import agreement as _agreement
from mcuml.errors import ConversionError, InputError

QUANTIZE = ("int8", "float")


def import_tf() -> Any:
    """``tensorflow``, quietly, or a MissingDependencyError naming the extra."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    tf = import_extra("tensorflow", "converting Keras models needs TensorFlow",
                      'pip install "mcuml[tf]"  (tensorflow-cpu)')
    tf.get_logger().setLevel("ERROR")
    return tf


def _quiet() -> None:
    try:
        from absl import logging as absl_logging

        absl_logging.set_verbosity(absl_logging.ERROR)
    except ImportError:  # pragma: no cover
        pass


@dataclass(slots=True)
class _Source:
    name: str
    export: Callable[[str], None]  # writes a batch-1 SavedModel into the given directory
    float_fn: Callable[[list[np.ndarray]], list[np.ndarray]]  # whole-batch float reference
    input_shapes: list[tuple[int | None, ...]]


def _batched(fn: Callable[[list[np.ndarray]], list[np.ndarray]], xs: list[np.ndarray],
             size: int = 256) -> list[np.ndarray]:
    outs = [fn([x[s:s + size] for x in xs]) for s in range(0, xs[0].shape[0], size)]
    return [np.concatenate([o[k] for o in outs]) for k in range(len(outs[0]))]


def _from_keras_model(tf: Any, model: Any, name: str) -> _Source:
    shapes = [tuple(i.shape) for i in model.inputs]
    if any(d is None for s in shapes for d in s[1:]):
        raise ConversionError(f"{name}: input shapes {shapes} have unknown dimensions besides the batch",
                              hint="give the model's Input a fixed shape (TFLM needs static shapes)")
    specs = [tf.TensorSpec((1, *s[1:]), tf.float32, name=f"input_{k}") for k, s in enumerate(shapes)]

    def export(d: str) -> None:
        # Keras 3 variables are not captured by a bare concrete function; export() tracks them
        model.export(d, format="tf_saved_model", input_signature=specs if len(specs) == 1 else [specs],
                     verbose=False)

    def call(xs: list[np.ndarray]) -> list[np.ndarray]:
        y = model(xs if len(xs) > 1 else xs[0], training=False)
        return [np.asarray(t) for t in (y if isinstance(y, (list, tuple)) else [y])]

    return _Source(name, export, lambda xs: _batched(call, xs), shapes)


def _from_saved_model(tf: Any, path: Path) -> _Source:
    try:
        loaded = tf.saved_model.load(str(path))
    except Exception as e:
        raise ConversionError(f"cannot load SavedModel {path}: {_first_line(e)}") from None
    sigs = getattr(loaded, "signatures", {})
    if "serving_default" not in sigs:
        raise ConversionError(f"SavedModel {path} has no serving_default signature")
    fn = sigs["serving_default"]
    _, kw = fn.structured_input_signature
    keys = sorted(kw)
    specs = [kw[k] for k in keys]
    shapes = [tuple(s.shape.as_list()) for s in specs]
    fixed = [tf.TensorSpec((1, *s.shape[1:]), s.dtype, name=k) for k, s in zip(keys, specs)]

    def export(d: str) -> None:
        # re-trace the signature with batch 1 so the converter sees static shapes
        module = tf.Module()
        module.loaded = loaded

        @tf.function(input_signature=fixed)
        def serve(*xs: Any) -> Any:
            return fn(**dict(zip(keys, xs)))

        tf.saved_model.save(module, d, signatures={"serving_default": serve.get_concrete_function()})

    def call(xs: list[np.ndarray]) -> list[np.ndarray]:
        if all(s[0] is None for s in shapes):
            out = fn(**{k: tf.constant(x) for k, x in zip(keys, xs)})
            return [np.asarray(out[k]) for k in sorted(out)]
        rows = [fn(**{k: tf.constant(x[i:i + 1]) for k, x in zip(keys, xs)}) for i in range(xs[0].shape[0])]
        return [np.concatenate([np.asarray(r[k]) for r in rows]) for k in sorted(rows[0])]

    return _Source(path.name, export, lambda xs: _batched(call, xs), shapes)


def _load_source(tf: Any, src: Any) -> _Source:
    if not isinstance(src, (str, os.PathLike)):
        return _from_keras_model(tf, src, getattr(src, "name", "model"))
    p = Path(src)
    if not p.exists():
        raise InputError(f"model {str(p)!r} does not exist")
    if p.is_dir():
        return _from_saved_model(tf, p)
    import keras

    try:
        model = keras.models.load_model(p, compile=False)
    except Exception as e:  # keras raises many types for unreadable files
        raise ConversionError(f"cannot load Keras model {p.name}: {_first_line(e)}") from None
    return _from_keras_model(tf, model, p.name)


def _first_line(e: BaseException) -> str:
    lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
    errs = [ln for ln in lines if "error" in ln.lower()]
    return (errs[-1] if errs else lines[-1] if lines else type(e).__name__)[:300]


def convert_keras(src: Any, out: str | os.PathLike[str] | None = None, *, quantize: str = "int8",
                  calibration: Any = None, io: str = "int8", max_calibration: int = 500,
                  evaluate_samples: int = 1000, progress: Progress | None = None,
                  require_tflm: bool = True, layer_samples: int = 16) -> ConversionResult:
    """Convert a ``.keras``/``.h5`` file, a SavedModel directory or an in-memory Keras model.

    ``calibration``: a path (``.npz``/dir, see :mod:`mcuml.convert.calibration`), a
    :class:`CalibrationData` or arrays; required for int8. The first ``max_calibration`` samples
    calibrate; the first ``evaluate_samples`` measure the int8-vs-float agreement. Raises
    :class:`ConversionError` when the converter fails or (``require_tflm``) TFLM cannot run the result.
    int8 with data: ``report`` holds the SQNR of every op output against the float conversion of the
    same SavedModel on ``layer_samples`` samples, and ``accuracy_warning`` is set when the top-1
    agreement is below 90 %. TensorFlow's own log lines are kept off the terminal.
    """
    say = progress or (lambda _msg: None)
    if quantize not in QUANTIZE:
        raise InputError(f"quantize must be one of {QUANTIZE}, not {quantize!r}")
    if io not in IO:
        raise InputError(f"io must be one of {IO}, not {io!r}")
    if quantize == "float" and io == "int8":
        io = "float"  # the library default; the CLI refuses an explicit --float --io int8
    if quantize == "int8" and calibration is None:
        raise InputError("int8 conversion needs calibration data (a representative dataset)",
                         hint="pass --calibration DATA.npz (arrays input_0…, sample axis first, float32), "
                              "or --float")
    t0 = time.perf_counter()
    say("loading TensorFlow")
    tf = import_tf()
    _quiet()
    src_name = str(src) if isinstance(src, (str, os.PathLike)) else getattr(src, "name", "model")
    say(f"loading {src_name}")
    source = _load_source(tf, src)
    data = None
    if calibration is not None:
        data = as_calibration(calibration, source.input_shapes).take(max(max_calibration, evaluate_samples))
    import tempfile

    tmp = tempfile.TemporaryDirectory(prefix="mcuml-convert-")
    try:
        with quiet_native_output():
            source.export(tmp.name)
    except ConversionError:
        raise
    except Exception as e:
        tmp.cleanup()
        raise ConversionError(f"cannot trace {src_name} with batch size 1: {_first_line(e)}") from None
    converter = tf.lite.TFLiteConverter.from_saved_model(tmp.name)
    if quantize == "int8":
        cal = data.take(max_calibration)
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        n_cal = cal.n_samples
        converter.representative_dataset = lambda: cal.samples()
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        if io == "int8":
            converter.inference_input_type = tf.int8
            converter.inference_output_type = tf.int8
        say(f"converting to int8 ({n_cal} calibration samples, {io} I/O)")
    else:
        n_cal = 0
        say("converting to float32")
    tflite, float_tflite = _run_converter(tf, converter, tmp, quantize == "int8" and data is not None
                                          and layer_samples > 0)

    model, result = check_tflm(tflite, say, require_tflm, problem_ops=True,
                               hint="replace those layers (see mcuml.zoo for TFLM-friendly templates)")
    agreement = None
    if data is not None:
        say(f"comparing with the float model on {min(data.n_samples, evaluate_samples)} samples")
        with quiet_native_output():  # Keras' predict() progress bars and TF's log lines
            agreement = evaluate_agreement(model, source.float_fn, data.take(evaluate_samples))
    report = _layer_report(model, float_tflite, data, layer_samples, agreement, say)
    if out is not None:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_bytes(tflite)
    ops = tuple(dict.fromkeys(op.name for op in model.main.operators))
    return ConversionResult(
        source=src_name, output=str(out) if out is not None else None, quantize=quantize, io=io,
        size_bytes=len(tflite), ops=ops, input_shapes=tuple(tuple(t.shape) for t in model.main.inputs),
        runs_on_tflm=result.runs_on_tflm, problems=result.problems, warnings=result.warnings,
        calibration_samples=n_cal, agreement=agreement, seconds=time.perf_counter() - t0, tflite=tflite,
        report=report, accuracy_warning=accuracy_warning(agreement, report))


def _run_converter(tf: Any, converter: Any, tmp: Any, with_float: bool) -> tuple[bytes, bytes | None]:
    """(converted bytes, float conversion of the same SavedModel or None), TF's native logging kept quiet."""
    float_tflite = None
    try:
        with quiet_native_output():
            tflite = bytes(converter.convert())
            if with_float:  # the per-layer reference
                float_tflite = bytes(tf.lite.TFLiteConverter.from_saved_model(tmp.name).convert())
    except Exception as e:  # the converter raises ConverterError and friends with MLIR diagnostics
        raise ConversionError(f"the TensorFlow converter failed: {_first_line(e)}",
                              hint="ops outside TFLITE_BUILTINS_INT8 cannot be fully quantized; "
                                   "try --float to see the op set") from None
    finally:
        tmp.cleanup()
    return tflite, float_tflite


def _layer_report(model: Any, float_tflite: bytes | None, data: CalibrationData | None, n: int,
                  agreement: Agreement | None, say: Progress) -> Any:
    """The per-layer SQNR report (None without a float conversion or data)."""
    if float_tflite is None or data is None or agreement is None:
        return None
    from mcuml.convert.keras_layers import keras_layer_errors
    from mcuml.convert.onnx import QuantReport
    from mcuml.tflite.reader import load_model

    say(f"per-layer error against the float conversion on {min(n, data.n_samples)} samples")
    layers = keras_layer_errors(model, load_model(float_tflite), list(data.take(n).inputs))
    return QuantReport("TF converter (representative dataset)", False, min(n, data.n_samples), layers, agreement)


def evaluate_agreement(model: Any, float_fn: Callable[[list[np.ndarray]], list[np.ndarray]],
                       data: CalibrationData) -> Agreement:
    """int8 (mcuml's interpreter) vs float reference on ``data``; classifier if the model ends in SOFTMAX."""
    xs = list(data.inputs)
    got = run_float_io(model, xs)
    want = float_fn(xs)
    ops = model.main.operators
    producers = {id(t): op.name for op in ops for t in op.outputs}
    classifier = len(got) == 1 and got[0].ndim == 2 and got[0].shape[1] > 1 and \
        producers.get(id(model.main.outputs[0])) in ("SOFTMAX", "DEQUANTIZE", "QUANTIZE") and \
        any(op.name == "SOFTMAX" for op in ops)
    return _agreement(got, want, classifier)


__all__ = ["Agreement", "ConversionResult", "convert_keras", "evaluate_agreement", "import_tf", "run_float_io"]
