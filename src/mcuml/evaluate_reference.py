"""The float reference of ``mcuml eval --reference``: final outputs and per-layer quantization error (SQNR).

The reference is a float ``.tflite`` (run by mcuml's interpreter), a ``.keras``/``.h5`` model (Keras,
needs ``mcuml[tf]``) or an ``.onnx`` model (onnxruntime, ``mcuml[onnx]``). Final outputs come from
the reference's own runtime. Layers are compared tflite to tflite: a Keras or ONNX reference is
converted to a float ``.tflite`` with mcuml's converter (the path that made the int8 model, so the
tensor names agree), and each op output of the quantized model is matched to a float tensor

1. by name (same tensor name, same number of elements), then
2. by position: the k-th unmatched output of an op type to the k-th unmatched one of that type.

Both models see the same samples (the float data; the int8 model its quantized copy), so a
layer's SQNR includes the error accumulated by the layers before it, as on the board.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from mcuml.errors import InputError
from mcuml.evaluate_metrics import SqnrAccumulator
from mcuml.ir.model import Model, Tensor



@dataclass(frozen=True, slots=True)
class LayerError:
    index: int  # operator index in the quantized model
    op: str
    tensor: str
    reference_tensor: str
    shape: tuple[int, ...]
    matched_by: str  # "name" or "position"
    sqnr_db: float  # inf when identical
    max_abs_error: float


@dataclass(frozen=True, slots=True)
class ReferenceRun:
    kind: str  # "tflite", "keras" or "onnx"
    outputs: list[np.ndarray]  # float outputs, (N, *output.shape[1:]) like the quantized model's
    float_tflite: Model | None  # for the per-layer comparison


def load_reference(path: str | os.PathLike[str], xs: list[np.ndarray], quantized: Model,
                   progress: Callable[[str], None] = lambda _m: None) -> ReferenceRun:
    """Run the reference on float samples ``xs`` (the quantized model's layout, sample axis first)."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"reference {str(p)!r} does not exist")
    suffix = p.suffix.lower()
    if suffix == ".tflite":
        from mcuml.tflite.reader import load_model

        ref = load_model(p)
        return ReferenceRun("tflite", run_float_tflite(ref, xs), ref)
    if suffix in (".keras", ".h5"):
        return _keras(p, xs, progress)
    if suffix == ".onnx":
        return _onnx(p, xs, quantized, progress)
    raise InputError(f"reference {p.name}: expected a float .tflite, .keras/.h5 or .onnx model")


def run_float_tflite(model: Model, xs: list[np.ndarray]) -> list[np.ndarray]:
    """A float .tflite on float data with mcuml's interpreter (quantizing/dequantizing integer io)."""
    from mcuml.convert.common import run_float_io

    sg = model.main
    shaped = [x.reshape((x.shape[0], *t.shape[1:])) if t.shape and t.shape[0] == 1 else x for x, t in zip(xs, sg.inputs)]
    return [y.astype(np.float64) for y in run_float_io(model, shaped)]


def _keras(p: Path, xs: list[np.ndarray], progress: Callable[[str], None]) -> ReferenceRun:
    from mcuml.convert.keras import convert_keras, import_tf

    progress("loading TensorFlow for the Keras reference")
    import_tf()
    import keras

    km = keras.models.load_model(p, compile=False)
    ys = km.predict(xs[0] if len(xs) == 1 else xs, batch_size=256, verbose=0)
    ys = [np.asarray(y, np.float64) for y in (ys if isinstance(ys, (list, tuple)) else [ys])]
    progress("converting the Keras reference to a float .tflite for the per-layer comparison")
    with tempfile.TemporaryDirectory() as d:
        from mcuml.tflite.reader import load_model

        out = Path(d) / "reference_float.tflite"
        convert_keras(km, out, quantize="float", require_tflm=False)
        ft = load_model(out.read_bytes())
    return ReferenceRun("keras", ys, ft)


def _onnx(p: Path, xs: list[np.ndarray], quantized: Model, progress: Callable[[str], None]) -> ReferenceRun:
    from mcuml.convert.common import import_extra

    ort = import_extra("onnxruntime", "an ONNX reference needs onnxruntime", 'pip install "mcuml[onnx]"')
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    sess = ort.InferenceSession(str(p), opts, providers=["CPUExecutionProvider"])
    feeds = {}
    for i, x in zip(sess.get_inputs(), xs):
        want = [d if isinstance(d, int) else None for d in i.shape[1:]]
        if x.ndim == 4 and list(x.shape[1:]) != want and [x.shape[3], x.shape[1], x.shape[2]] == want:
            x = x.transpose(0, 3, 1, 2)  # the quantized model is NHWC, the ONNX model NCHW
        feeds[i.name] = np.ascontiguousarray(x, np.float32)
    fixed = sess.get_inputs()[0].shape[0]
    step = fixed if isinstance(fixed, int) else 256
    n = xs[0].shape[0]
    parts = [sess.run(None, {k: v[s:s + step] for k, v in feeds.items()}) for s in range(0, n, step)]
    ys = [np.concatenate([q[k] for q in parts]).astype(np.float64) for k in range(len(parts[0]))]
    ys = [_nhwc(y, t) for y, t in zip(ys, quantized.main.outputs)]
    progress("converting the ONNX reference to a float .tflite for the per-layer comparison")
    from mcuml.convert.onnx import convert_onnx
    from mcuml.tflite.reader import load_model

    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "reference_float.tflite"
        convert_onnx(str(p), out, int8=False, require_tflm=False)
        ft = load_model(out.read_bytes())
    return ReferenceRun("onnx", ys, ft)


def _nhwc(y: np.ndarray, t: Tensor) -> np.ndarray:
    want = tuple(t.shape[1:])
    if y.ndim == 4 and tuple(y.shape[1:]) != want and (y.shape[2], y.shape[3], y.shape[1]) == want:
        return y.transpose(0, 2, 3, 1)
    return y


# -- per-layer ------------------------------------------------------------------------------------
def _candidates(model: Model) -> list[tuple[int, str, Tensor]]:
    sg = model.main
    from mcuml.ops import lookup

    def boundary(name: str) -> bool:  # QUANTIZE/DEQUANTIZE...: no float layer to match
        k = lookup(name)
        return k is not None and k.type_boundary

    return [(k, op.name, t) for k, op in enumerate(sg.operators) if not boundary(op.name) for t in op.outputs
            if t.dtype is not None]


def match_layers(quantized: Model, reference: Model) -> list[tuple[int, str, Tensor, Tensor, str]]:
    """(op index, op, quantized tensor, reference tensor, how) for every op output that has a match."""
    qs, rs = _candidates(quantized), _candidates(reference)
    by_name = {}
    for _, _, t in rs:
        by_name.setdefault(t.name, t)
    used: set[int] = set()
    matched: dict[int, tuple[Tensor, str]] = {}
    for j, (_, _, t) in enumerate(qs):
        r = by_name.get(t.name)
        if r is not None and r.size == t.size and id(r) not in used:
            matched[j] = (r, "name")
            used.add(id(r))
    free: dict[str, list[Tensor]] = {}
    for _, op, t in rs:
        if id(t) not in used:
            free.setdefault(op, []).append(t)
    for j, (_, op, t) in enumerate(qs):
        if j in matched or not free.get(op):
            continue
        r = free[op].pop(0)
        if r.size == t.size:
            matched[j] = (r, "position")
    return [(qs[j][0], qs[j][1], qs[j][2], r, how) for j, (r, how) in sorted(matched.items())]


class _Capture:
    """One interpreter that runs one sample at a time and returns the float value (dequantized for integer
    tensors) of the op outputs whose tensor index is in ``keep``."""

    def __init__(self, model: Model, keep: set[int]) -> None:
        from mcuml.interp.interpreter import Interpreter

        self.sg = model.main
        self.keep = keep
        self.it = Interpreter(model=model)
        self.it.allocate_tensors()
        self.inputs = [d["index"] for d in self.it.get_input_details()]

    def __call__(self, xs: list[np.ndarray], s: int) -> dict[int, np.ndarray]:
        from mcuml.interp.interpreter import quantize_input

        for i, t, x in zip(self.inputs, self.sg.inputs, xs):
            v = x[s].reshape(t.shape)
            if np.issubdtype(t.dtype.numpy, np.integer) and np.issubdtype(v.dtype, np.floating):
                v = quantize_input(v, t)
            self.it.set_tensor(i, v.astype(t.dtype.numpy))
        got: dict[int, np.ndarray] = {}
        tensors = self.sg.tensors

        def hook(bn, outs) -> None:
            for i, o in zip(bn.outputs, outs):
                if i in self.keep:
                    t = tensors[i]
                    a = np.asarray(o[0], np.float64)
                    got[i] = (a - t.zero_point) * t.scale if t.scale and np.issubdtype(t.dtype.numpy, np.integer) else a

        self.it.invoke(hook=hook)
        return got


def layer_errors(quantized: Model, reference: Model, xs: list[np.ndarray]) -> tuple[LayerError, ...]:
    """SQNR of each matched op output over the float samples ``xs``, worst (lowest SQNR) first.

    Streams: one sample through both models at a time, so memory stays at one sample's activations.
    """
    pairs = match_layers(quantized, reference)
    qsg, rsg = quantized.main, reference.main
    qi = {id(t): i for i, t in enumerate(qsg.tensors)}
    ri = {id(t): i for i, t in enumerate(rsg.tensors)}
    idx = [(qi[id(q)], ri[id(r)]) for _, _, q, r, _ in pairs]
    qrun = _Capture(quantized, {a for a, _ in idx})
    rrun = _Capture(reference, {b for _, b in idx})
    rx = [x.reshape((x.shape[0], *t.shape[1:])) if t.shape and t.shape[0] == 1 else x for x, t in zip(xs, rsg.inputs)]
    accs = [SqnrAccumulator() for _ in pairs]
    for s in range(xs[0].shape[0] if pairs else 0):
        qv, rv = qrun(xs, s), rrun(rx, s)
        for acc, (a, b) in zip(accs, idx):
            if a in qv and b in rv:  # an op the compiler folded away has no output of its own
                acc.add(qv[a].reshape(-1), rv[b].reshape(-1))
    out = [LayerError(k, op, q.name, r.name, tuple(q.shape), how, acc.db, acc.max_abs)
           for (k, op, q, r, how), acc in zip(pairs, accs) if acc.samples]
    return tuple(sorted(out, key=lambda e: (e.sqnr_db, e.index)))


__all__ = ["LayerError", "ReferenceRun", "layer_errors", "load_reference", "match_layers", "run_float_tflite"]
