"""``mcuml eval``: the accuracy of a quantized model as the board computes it.

The samples run through mcuml's bit-exact interpreter (batched :meth:`Interpreter.run`), so the
figures are the ones TFLM's reference kernels give on the device. Float data is quantized with the
input tensor's scale and zero point (TFLM rounding, :func:`mcuml.interp.interpreter.quantize_input`);
outputs are dequantized with the output's. Classification (integer labels): top-1, top-k,
per-class precision/recall, confusion matrix. Regression (float targets): MAE, RMSE, R^2.

``reference``: a float model (see :mod:`mcuml.evaluate_reference`) for the agreement with float and
the per-layer quantization error. ``ray_address``: shard the samples over a Ray cluster
(:mod:`mcuml.evaluate_ray`); the result is the same as the local run's.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from mcuml.errors import InputError
from mcuml.evaluate_data import EvalData, load_eval_data
from mcuml.evaluate_metrics import ClassMetrics, classify, regress, scores, sqnr_db
from mcuml.evaluate_reference import LayerError
from mcuml.ir.model import Model, Tensor

PROGRESS_CHUNK = 1024  # samples per progress step (and per run() call) on the local path
Progress = Callable[[int, int], None]  # (samples done, total)


@dataclass(frozen=True, slots=True)
class EvalResult:
    model: str
    data: str
    samples: int
    task: str  # "classification", "regression" or "outputs" (no labels)
    input_quantization: tuple[float, int] | None  # (scale, zero point) the float data was quantized with
    pixel_range: str | None  # image folders: the float range pixels were mapped to
    classes: tuple[str, ...]
    top1: float | None
    top_k: int | None
    top_k_accuracy: float | None
    per_class: tuple[ClassMetrics, ...]
    confusion: tuple[tuple[int, ...], ...]  # rows: true class, columns: predicted
    mae: float | None
    rmse: float | None
    r2: float | None
    reference: str | None
    reference_kind: str | None
    reference_top1: float | None  # the float model's accuracy on the same data
    agreement_top1: float | None  # fraction of samples where quantized and float predict the same class
    output_sqnr_db: float | None  # quantized vs float, output 0
    layer_samples: int  # samples the per-layer comparison ran on
    layers: tuple[LayerError, ...]  # per matched layer, worst SQNR first
    backend: str  # "local" or "ray ADDRESS (N workers)"
    seconds: float


def _float_inputs(d: EvalData, model: Model) -> list[np.ndarray]:
    """The data as float (dequantizing integer data with the input's parameters), for the reference."""
    out = []
    for x, t in zip(d.inputs, model.main.inputs):
        if np.issubdtype(x.dtype, np.integer) and t.scale:
            out.append(((x.astype(np.float64) - t.zero_point) * t.scale).astype(np.float32))
        else:
            out.append(np.asarray(x, np.float32))
    return out


def _model_inputs(d: EvalData, model: Model) -> list[np.ndarray]:
    """The data in the model's input types: float data quantized with the input's scale/zero point."""
    from mcuml.interp.interpreter import quantize_input

    out = []
    for x, t in zip(d.inputs, model.main.inputs):
        want = t.dtype.numpy
        if np.issubdtype(want, np.integer) and np.issubdtype(x.dtype, np.floating):
            if not t.scale:
                raise InputError(f"input {t.name!r} is {t.dtype.name} without quantization: give integer data")
            x = quantize_input(x, t)
        elif x.dtype != want:
            if np.issubdtype(want, np.integer) and np.issubdtype(x.dtype, np.integer):
                info = np.iinfo(want)
                if x.size and (x.min() < info.min or x.max() > info.max):
                    raise InputError(f"input {t.name!r} is {t.dtype.name}; the data's values {x.min()}..{x.max()} "
                                     "do not fit")
            x = x.astype(want)
        out.append(np.ascontiguousarray(x))
    return out


def run_local(model: Model, xs: list[np.ndarray], *, batch_size: int = 256,
              progress: Progress | None = None) -> list[np.ndarray]:
    """Every sample through one interpreter's batched run(), ``PROGRESS_CHUNK`` samples per step."""
    from mcuml.interp.interpreter import Interpreter

    it = Interpreter(model=model)
    n = xs[0].shape[0]
    parts: list[list[np.ndarray]] = []
    for s in range(0, n, PROGRESS_CHUNK):
        parts.append(it.run([x[s:s + PROGRESS_CHUNK] for x in xs], batch_size=batch_size))
        if progress is not None:
            progress(min(n, s + PROGRESS_CHUNK), n)
    return [np.concatenate([p[k] for p in parts]) for k in range(len(parts[0]))]


def _dequantize(y: np.ndarray, t: Tensor) -> np.ndarray:
    if np.issubdtype(y.dtype, np.integer) and t.scale:
        return (y.astype(np.float64) - t.zero_point) * t.scale
    return y.astype(np.float64)


def evaluate(model: str | os.PathLike[str] | Model, data: str | os.PathLike[str] | EvalData, *,
             reference: str | os.PathLike[str] | None = None, top_k: int = 5, batch_size: int = 256,
             layer_samples: int = 32, limit: int | None = None, pixel_range: str = "auto",
             ray_address: str | None = None, ray_workers: int | None = None,
             progress: Progress | None = None, say: Callable[[str], None] | None = None) -> EvalResult:
    """Score ``model`` (a quantized .tflite) on ``data`` with mcuml's bit-exact interpreter.

    ``data``: an .npz, a folder of class sub-folders, ``"digits"`` or an :class:`EvalData`
    (see :mod:`mcuml.evaluate_data`). ``top_k``: the k of the top-k accuracy. ``reference``: a float
    .tflite/.keras/.onnx; its per-layer comparison runs on the first ``layer_samples`` samples.
    ``ray_address``: run the samples on a Ray cluster (``"auto"``, ``"ray://host:10001"``, or
    ``"local"`` for a local instance), ``ray_workers`` shards (default: the cluster's CPUs).
    """
    from mcuml.tflite.reader import load_model

    t0 = time.perf_counter()
    say = say or (lambda _m: None)
    name = str(model) if not isinstance(model, Model) else "<model>"
    if top_k < 1:
        raise InputError(f"--top-k must be >= 1, got {top_k}")
    m = model if isinstance(model, Model) else load_model(model)
    d = data if isinstance(data, EvalData) else load_eval_data(data, m, pixel_range=pixel_range, limit=limit)
    xs = _model_inputs(d, m)
    if ray_address is not None:
        from mcuml.evaluate_ray import run_ray

        ys, backend = run_ray(m, xs, address=ray_address, workers=ray_workers, batch_size=batch_size,
                              progress=progress)
    else:
        ys, backend = run_local(m, xs, batch_size=batch_size, progress=progress), "local"
    out_t = m.main.outputs[0]
    y0 = _dequantize(ys[0], out_t)
    task, cls, reg = _score(d, y0, top_k)
    t_in = m.main.inputs[0]
    inq = (float(t_in.scale), int(t_in.zero_point)) if np.issubdtype(t_in.dtype.numpy, np.integer) and t_in.scale \
        and np.issubdtype(d.inputs[0].dtype, np.floating) else None
    ref = _reference(m, d, reference, y0, task, layer_samples, say) if reference is not None else None
    return EvalResult(
        model=name, data=d.source, samples=d.samples, task=task, input_quantization=inq, pixel_range=d.pixel_range,
        classes=tuple(c.label for c in cls.per_class) if cls else d.classes,
        top1=cls.top1 if cls else None, top_k=cls.top_k if cls else None,
        top_k_accuracy=cls.top_k_accuracy if cls else None, per_class=cls.per_class if cls else (),
        confusion=cls.confusion if cls else (), mae=reg.mae if reg else None, rmse=reg.rmse if reg else None,
        r2=reg.r2 if reg else None, reference=None if reference is None else str(reference),
        reference_kind=ref[0] if ref else None, reference_top1=ref[1] if ref else None,
        agreement_top1=ref[2] if ref else None, output_sqnr_db=ref[3] if ref else None,
        layer_samples=ref[5] if ref else 0, layers=ref[4] if ref else (), backend=backend,
        seconds=time.perf_counter() - t0)


def _score(d: EvalData, y0: np.ndarray, top_k: int):
    if d.labels is None:
        return "outputs", None, None
    if np.issubdtype(d.labels.dtype, np.integer) and d.labels.ndim == 1:
        return "classification", classify(scores(y0), d.labels, d.classes, top_k), None
    return "regression", None, regress(y0, d.labels)


def _reference(m: Model, d: EvalData, reference, y0: np.ndarray, task: str, layer_samples: int, say):
    from mcuml.evaluate_reference import layer_errors, load_reference

    fx = _float_inputs(d, m)
    say(f"running the float reference {reference}")
    run = load_reference(reference, fx, m, progress=say)
    f0 = run.outputs[0].reshape(y0.shape) if run.outputs[0].size == y0.size else run.outputs[0]
    ref_top1 = agree = None
    out0 = m.main.outputs[0]
    ends_in_softmax = any(op.name == "SOFTMAX" and out0 in op.outputs for op in m.main.operators)
    if task == "classification" or (task == "outputs" and ends_in_softmax and f0.size == y0.size):
        fs, qs = scores(f0), scores(y0)
        agree = float(np.mean(np.argmax(fs, 1) == np.argmax(qs, 1)))
        ref_top1 = float(np.mean(np.argmax(fs, 1) == d.labels)) if task == "classification" else None
    out_db = sqnr_db(y0.reshape(-1), f0.reshape(-1)) if f0.size == y0.size else None
    layers: tuple[LayerError, ...] = ()
    k = min(layer_samples, d.samples)
    if run.float_tflite is not None and k > 0:
        say(f"per-layer quantization error on {k} samples")
        layers = layer_errors(m, run.float_tflite, [x[:k] for x in fx])
    return run.kind, ref_top1, agree, out_db, layers, k if layers else 0


__all__ = ["EvalResult", "evaluate", "run_local"]
