"""ONNX -> TFLM-ready ``.tflite`` without TensorFlow (extra ``mcuml[onnx]``: onnx, onnxruntime).

Pipeline (each stage its own module):

1. :mod:`~mcuml.convert.onnx_import`: load, batch 1, shape inference, constant folding of shape
   arithmetic (:mod:`~mcuml.convert.onnx_fold`), BatchNorm folding, Identity/Dropout removal;
2. :mod:`~mcuml.convert.onnx_lower` + :mod:`~mcuml.convert.onnx_ops`: NCHW -> NHWC on the graph
   (weights permuted, no TRANSPOSE for conv-style models), SAME/VALID/explicit PAD, activation
   fusion into ``fused_activation_function``;
3. :mod:`~mcuml.convert.ptq`: int8 post-training quantization calibrated on data, or float32;
4. validation: :func:`mcuml.check.check` (can stock TFLM run it?), then a report comparing the
   result with onnxruntime's float outputs (top-1 agreement / relative error) and each layer with
   the float graph (SQNR).

Layout: 4-D inputs and outputs of the ``.tflite`` are NHWC; calibration data and the float
reference use the ONNX model's own layout (NCHW) and are transposed at the boundary.

    res = convert_onnx("model.onnx", "model.tflite", calibration="calib.npz", io="int8")
    res.report.agreement.top1_agreement, res.report.layers[0].sqnr_db
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from mcuml.convert.calibration import as_calibration
from mcuml.convert.common import IO, Agreement, ConversionResult, Progress, agreement, check_tflm, import_extra, run_float_io
from mcuml.errors import InputError


@dataclass(frozen=True, slots=True)
class LayerError:
    """Quantization error of one op's output against the float graph."""

    tensor: str
    op: str
    onnx_node: str
    sqnr_db: float                # 10*log10(signal power / error power); inf when exact
    scale: float
    zero_point: int


@dataclass(frozen=True, slots=True)
class QuantReport:
    """Per-layer SQNR of an int8 ONNX conversion and its output agreement."""

    method: str
    per_tensor: bool
    samples: int
    layers: tuple[LayerError, ...]
    agreement: Agreement

    def worst(self, n: int = 5) -> tuple[LayerError, ...]:
        """The ``n`` layers with the lowest SQNR, worst first."""
        return tuple(sorted(self.layers, key=lambda e: e.sqnr_db)[:n])

    def format(self) -> str:
        """The report as text: agreement headline, then one SQNR line per layer."""
        a = self.agreement
        head = (f"top-1 agreement {a.top1_agreement:.1%}" if a.top1_agreement is not None else "") + \
            f"{', ' if a.top1_agreement is not None else ''}relative error {a.relative_error:.2%} " \
            f"on {a.samples} samples ({self.method} calibration, " \
            f"{'per-tensor' if self.per_tensor else 'per-channel'} weights)"
        rows = [f"  {e.sqnr_db:7.1f} dB  {e.op:<24} {e.tensor}" for e in self.layers]
        return "\n".join([head, "  SQNR per layer:", *rows])


# -- the float reference ---------------------------------------------------------------------------
def _ort_runner(model_proto: Any) -> Callable[[list[np.ndarray]], list[np.ndarray]]:
    ort = import_extra("onnxruntime", "the float reference needs onnxruntime", 'pip install "mcuml[onnx]"')
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    sess = ort.InferenceSession(model_proto.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    ins = sess.get_inputs()
    batch = [i.shape[0] if isinstance(i.shape[0], int) else None for i in ins]

    def run(xs: list[np.ndarray]) -> list[np.ndarray]:
        step = batch[0] if batch[0] is not None else 256
        outs = []
        for s in range(0, xs[0].shape[0], step):
            part = [x[s:s + step] for x in xs]
            if part[0].shape[0] != step and batch[0] is not None:  # fixed batch: pad the last chunk
                pad = step - part[0].shape[0]
                ys = sess.run(None, {i.name: np.concatenate([p, np.repeat(p[-1:], pad, 0)])
                                     for i, p in zip(ins, part)})
                ys = [y[:step - pad] for y in ys]
            else:
                ys = sess.run(None, {i.name: p.astype(np.float32) for i, p in zip(ins, part)})
            outs.append(ys)
        return [np.concatenate([o[k] for o in outs]) for k in range(len(outs[0]))]

    return run


def _to_stored(xs: Sequence[np.ndarray], perms: Sequence[tuple[int, ...] | None]) -> list[np.ndarray]:
    return [np.ascontiguousarray(x.transpose(p) if p is not None else x, dtype=np.float32)
            for x, p in zip(xs, perms)]


def layer_errors(tg: Any, act: dict, weights: dict, xs: list[np.ndarray], *, chunk: int = 64
                 ) -> tuple[LayerError, ...]:
    """SQNR of every op output of the int8 graph against the float graph on ``xs`` (stored layout)."""
    from mcuml.convert.onnx_graph import emit_float
    from mcuml.convert.ptq import emit_int8, quantize
    from mcuml.interp.interpreter import Interpreter

    fm = emit_float(tg, extra_outputs=True)
    qm = emit_int8(tg, act, weights, io="int8", extra_outputs=True)
    names = [t.name for t in fm.main.outputs]
    fi, qi = Interpreter(model=fm), Interpreter(model=qm)
    sig = dict.fromkeys(names, 0.0)
    err = dict.fromkeys(names, 0.0)
    for s in range(0, xs[0].shape[0], chunk):
        part = [x[s:s + chunk] for x in xs]
        fy = fi.run(part)
        qy = qi.run([quantize(p, act[n]) for p, n in zip(part, tg.inputs)])
        for n, f, q in zip(names, fy, qy):
            p = act[n]
            d = (q.astype(np.float64) - p.zero_point) * p.scale
            sig[n] += float(np.sum(np.square(f, dtype=np.float64)))
            err[n] += float(np.sum(np.square(d - f)))
    producer = {o: op for op in tg.ops for o in op.outputs}
    out = []
    for n in names:
        op = producer.get(n)
        db = math.inf if err[n] == 0 else 10 * math.log10(max(sig[n], 1e-30) / err[n])
        out.append(LayerError(n, op.op if op else "", op.src if op else "", db, act[n].scale, act[n].zero_point))
    order = {o: i for i, op in enumerate(tg.ops) for o in op.outputs}
    return tuple(sorted(out, key=lambda e: order.get(e.tensor, 0)))


def _is_classifier(tg: Any) -> bool:
    op = next((o for o in tg.ops if tg.outputs and tg.outputs[0] in o.outputs), None)
    return op is not None and op.op == "SOFTMAX"


def _check_options(int8: bool, quantize: str | None, io: str, method: str, calibration: Any,
                   methods: tuple) -> tuple[bool, str]:
    """Validated (int8, io) from convert_onnx's options."""
    if quantize is not None:
        if quantize not in ("int8", "float"):
            raise InputError(f"quantize must be 'int8' or 'float', not {quantize!r}")
        int8 = quantize == "int8"
    if io not in IO:
        raise InputError(f"io must be one of {IO}, not {io!r}")
    if method not in methods:
        raise InputError(f"calibration method must be one of {methods}, not {method!r}")
    if int8 and calibration is None:
        raise InputError("int8 conversion needs calibration data",
                         hint="pass --calibration DATA.npz (arrays input_0…, sample axis first, float32, "
                              "in the ONNX model's layout), or --float")
    return int8, io if int8 else "float"


def convert_onnx(src: Any, out: str | os.PathLike[str] | None = None, *, int8: bool = True,
                 quantize: str | None = None, calibration: Any = None, io: str = "int8", per_tensor: bool = False,
                 method: str = "minmax", percentile: float = 99.99, max_calibration: int = 500,
                 evaluate_samples: int = 500, layer_samples: int = 64, classifier: bool | None = None,
                 bias_correction: bool = True, progress: Progress | None = None, require_tflm: bool = True,
                 calibration_layout: str | None = None) -> ConversionResult:
    """Convert an ONNX model (path, bytes or ``onnx.ModelProto``) to ``.tflite``; write it to ``out`` if given.

    ``int8`` (or ``quantize="int8"|"float"``): full-integer PTQ calibrated on ``calibration`` (an
    ``.npz``/dir path, :class:`CalibrationData` or arrays, ONNX layout, sample axis first); the first
    ``max_calibration`` samples calibrate (``method`` minmax|percentile|mse), the first
    ``evaluate_samples`` measure agreement with onnxruntime. ``io="float"`` adds QUANTIZE/DEQUANTIZE.
    ``classifier`` (default: the model ends in Softmax) selects the top-1 metric. ``bias_correction``
    folds the mean effect of weight rounding into the biases (see :func:`mcuml.convert.ptq.quantize_weights`).
    ``calibration_layout`` ("nhwc" | "nchw") says how 4-D calibration samples are stored when that is not
    the ONNX model's own layout; data that only matches transposed is an error without it.
    """
    from mcuml.convert.onnx_graph import emit_float
    from mcuml.convert.onnx_import import load_onnx, read_graph
    from mcuml.convert.onnx_lower import lower
    from mcuml.convert.ptq import METHODS, activation_params, collect_stats, emit_int8, quantize_weights

    say = progress or (lambda _msg: None)
    t0 = time.perf_counter()
    int8, io = _check_options(int8, quantize, io, method, calibration, METHODS)
    src_name = str(src) if isinstance(src, (str, os.PathLike)) else "<onnx model>"
    if isinstance(src, (str, os.PathLike)) and not Path(src).exists():
        raise InputError(f"model {src_name!r} does not exist")
    say(f"importing {src_name}")
    proto = load_onnx(src)
    g = read_graph(proto)
    shapes = [g.shapes[n] for n in g.inputs]
    say(f"lowering {len(g.nodes)} ONNX nodes to TFLite (NHWC)")
    tg = lower(g)
    if classifier is None:
        classifier = _is_classifier(tg)
    data = as_calibration(calibration, shapes, calibration_layout) if calibration is not None else None
    ref = _ort_runner(proto) if data is not None else None
    report = None
    n_cal = 0
    if int8:
        assert data is not None
        cal = _to_stored(data.take(max_calibration).inputs, tg.input_perms)
        n_cal = cal[0].shape[0]
        say(f"calibrating on {n_cal} samples ({method})")
        stats = collect_stats(tg, cal)
        act = activation_params(tg, stats, method, percentile)
        weights = quantize_weights(tg, act, per_tensor, stats if bias_correction else None)
        model = emit_int8(tg, act, weights, io=io)
    else:
        model = emit_float(tg)
    tflite = model.to_bytes()

    model, result = check_tflm(tflite, say, require_tflm)
    agree = None
    if data is not None and ref is not None:
        ev = data.take(evaluate_samples)
        say(f"comparing with onnxruntime on {ev.n_samples} samples")
        xs = _to_stored(ev.inputs, tg.input_perms)
        want = [np.ascontiguousarray(y.transpose(p)) if p is not None else y
                for y, p in zip(ref(list(ev.inputs)), tg.output_perms)]
        agree = agreement(run_float_io(model, xs), want, classifier)
        if int8:
            layers = layer_errors(tg, act, weights, [x[:layer_samples] for x in xs])
            report = QuantReport(method, per_tensor, min(layer_samples, ev.n_samples), layers, agree)
    if out is not None:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_bytes(tflite)
    ops = tuple(dict.fromkeys(op.name for op in model.main.operators))
    layouts = tuple("NHWC (ONNX NCHW)" if p is not None else "as in ONNX" for p in tg.input_perms)
    return ConversionResult(
        source=src_name, output=str(out) if out is not None else None, quantize="int8" if int8 else "float",
        io=io, size_bytes=len(tflite), ops=ops, input_shapes=tuple(tuple(t.shape) for t in model.main.inputs),
        input_layouts=layouts, runs_on_tflm=result.runs_on_tflm, problems=result.problems,
        warnings=result.warnings, calibration_samples=n_cal, agreement=agree, report=report,
        seconds=time.perf_counter() - t0, tflite=tflite)


__all__ = ["Agreement", "ConversionResult", "LayerError", "QuantReport", "agreement", "convert_onnx",
           "layer_errors"]
