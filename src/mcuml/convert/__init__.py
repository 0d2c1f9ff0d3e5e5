"""Converters from training frameworks to TFLM-ready ``.tflite`` (optional extras, imported lazily).

``convert(src, out, ...)`` dispatches on the input: a ``.keras``/``.h5`` file or a SavedModel
directory goes to :func:`mcuml.convert.keras.convert_keras` (extra ``mcuml[tf]``), an ``.onnx`` file
to :func:`mcuml.convert.onnx.convert_onnx` (extra ``mcuml[onnx]``). Both take the same options
(``quantize="int8"|"float"``, ``calibration=``, ``io="int8"|"float"``) and return a result object with
the written path and the check/accuracy report.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

from mcuml.errors import InputError

KERAS_SUFFIXES = (".keras", ".h5", ".hdf5")
ONNX_SUFFIXES = (".onnx",)


def source_kind(src: str | os.PathLike[str]) -> str:
    """``"keras"`` or ``"onnx"`` for a model path; InputError for anything else."""
    p = Path(src)
    if p.is_dir():
        if (p / "saved_model.pb").exists() or (p / "saved_model.pbtxt").exists():
            return "keras"
        raise InputError(f"{str(p)!r} is a directory but not a SavedModel (no saved_model.pb)")
    suffix = p.suffix.lower()
    if suffix in KERAS_SUFFIXES:
        return "keras"
    if suffix in ONNX_SUFFIXES:
        return "onnx"
    raise InputError(f"cannot convert {p.name!r}: unknown model type {suffix or '(no suffix)'!r}",
                     hint="give a .keras/.h5 file, a SavedModel directory or an .onnx file")


def convert(src: str | os.PathLike[str], out: str | os.PathLike[str] | None = None, *, quantize: str = "int8",
            calibration: Any = None, io: str = "int8", max_calibration: int = 500,
            evaluate_samples: int | None = None, progress: Callable[[str], None] | None = None,
            require_tflm: bool = True, method: str | None = None, per_tensor: bool = False,
            calibration_layout: str | None = None) -> Any:
    """Convert ``src`` to ``.tflite`` with the converter for its type (see the module docstring).

    Common options: ``quantize``, ``calibration``, ``io``, ``max_calibration``, ``evaluate_samples``
    (default: the converter's own, 1000 for Keras and 500 for ONNX), ``progress``, ``require_tflm``.
    ONNX only (InputError for a Keras model): ``method`` (calibration: minmax|percentile|mse) and
    ``per_tensor`` weights, ``calibration_layout`` (the layout of the calibration data, e.g. NHWC for an NCHW
    model: transposed before use); :func:`mcuml.convert.onnx.convert_onnx` takes the rest of its knobs directly.
    """
    if not Path(src).exists():
        raise InputError(f"model {str(src)!r} does not exist")
    common: dict[str, Any] = dict(quantize=quantize, calibration=calibration, io=io, max_calibration=max_calibration,
                                  progress=progress, require_tflm=require_tflm)
    if evaluate_samples is not None:
        common["evaluate_samples"] = evaluate_samples
    if source_kind(src) == "keras":
        if method is not None or per_tensor or calibration_layout is not None:
            raise InputError("method, per_tensor and calibration_layout apply to ONNX models only")
        from mcuml.convert.keras import convert_keras

        return convert_keras(src, out, **common)
    from mcuml.convert.onnx import convert_onnx  # type: ignore[import-not-found]

    if calibration_layout is not None:
        common["calibration_layout"] = calibration_layout
    return convert_onnx(src, out, method=method or "minmax", per_tensor=per_tensor, **common)
