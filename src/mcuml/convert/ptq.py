"""Post-training int8 quantization of a :class:`~mcuml.convert.onnx_graph.TGraph` (no TensorFlow).

What the TFLM int8 kernels expect, as TF's converter writes it:

* weights: int8, symmetric (zero point 0, range [-127, 127]), one scale per output channel
  (``quantized_dimension`` 0 for CONV_2D/FULLY_CONNECTED/TRANSPOSE_CONV, 3 for DEPTHWISE_CONV_2D),
  or one scale per tensor with ``per_tensor=True``;
* biases: int32, scale ``input_scale * weight_scale[c]``, zero point 0 (a channel whose bias would
  overflow int32 gets a larger weight scale, as TF does);
* activations: int8, per-tensor asymmetric, calibrated on data; ops that move bytes without
  requantizing (pools, RESHAPE, PAD, CONCATENATION, MAXIMUM/MINIMUM, ...) share one scale and zero
  point between inputs and output (union of their ranges); SOFTMAX/LOGISTIC outputs use 1/256 and
  -128, TANH 1/128 and 0;
* float I/O: a QUANTIZE after each float input and a DEQUANTIZE before each float output.

Calibration statistics: exact min/max of every activation plus a seeded reservoir sample of its
values, from which ``minmax``, ``percentile`` (symmetric tails) or ``mse`` (the clipping range
minimizing the int8 quantization error of the sample) choose the range.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

import numpy as np

from mcuml.convert.onnx_graph import (ACT, BIAS, CONST, FIXED_QUANT, INT, PADVAL, SAME_QUANT, WEIGHT, WEIGHTED,
                                      TGraph)
from mcuml.errors import InputError
from mcuml.kernels.quant import round_half_away

METHODS = ("minmax", "percentile", "mse")
TIE_ALL = frozenset({"CONCATENATION", "MAXIMUM", "MINIMUM"})
RESERVOIR = 20000
INT32_MAX = 2**31 - 1
# op versions as TF's converter writes them for int8 models (tensorflow/lite/tools/versioning/op_version.cc);
# TFLM resolves builtins by code only, so these are informational
INT8_VERSIONS = {"CONV_2D": 3, "DEPTHWISE_CONV_2D": 3, "FULLY_CONNECTED": 4, "TRANSPOSE_CONV": 3, "ADD": 2,
                 "SUB": 2, "MUL": 2, "AVERAGE_POOL_2D": 2, "MAX_POOL_2D": 2, "MEAN": 2, "SOFTMAX": 2,
                 "LOGISTIC": 2, "TANH": 2, "CONCATENATION": 2, "PAD": 2, "PADV2": 2, "MIRROR_PAD": 2,
                 "RESHAPE": 1, "QUANTIZE": 2, "DEQUANTIZE": 2, "RESIZE_NEAREST_NEIGHBOR": 3, "LEAKY_RELU": 2,
                 "HARD_SWISH": 1, "RELU": 2, "RELU6": 2, "RELU_N1_TO_1": 1, "TRANSPOSE": 2, "SLICE": 2,
                 "MAXIMUM": 2, "MINIMUM": 2}


@dataclass(frozen=True, slots=True)
class QParams:
    """Per-tensor int8 quantization parameters."""

    scale: float
    zero_point: int


@dataclass(slots=True)
class Stats:
    """Running statistics of one activation: range, a value reservoir, per-channel sums."""

    lo: float = np.inf
    hi: float = -np.inf
    seen: int = 0
    sample: list[np.ndarray] = field(default_factory=list)
    chan_sum: np.ndarray | None = None  # per last-axis (channel / feature) sums, for bias correction
    rows: int = 0

    def update(self, x: np.ndarray, rng: np.random.Generator) -> None:
        """Add a batch of observed values."""
        flat = x.ravel()
        if flat.size == 0:
            return
        last = x.reshape(-1, x.shape[-1]) if x.ndim > 1 else x.reshape(-1, 1)
        part = last.sum(axis=0, dtype=np.float64)
        self.chan_sum = part if self.chan_sum is None else self.chan_sum + part
        self.rows += last.shape[0]
        self.lo = min(self.lo, float(flat.min()))
        self.hi = max(self.hi, float(flat.max()))
        self.seen += flat.size
        take = min(flat.size, RESERVOIR)
        self.sample.append(flat[rng.choice(flat.size, take, replace=False)] if take < flat.size else flat.copy())

    def channel_mean(self) -> np.ndarray | None:
        """Mean of the last axis' channels over everything seen, or None."""
        return None if self.chan_sum is None or self.rows == 0 else self.chan_sum / self.rows

    def values(self) -> np.ndarray:
        """The sampled values (at most 8 reservoirs' worth)."""
        v = np.concatenate(self.sample) if self.sample else np.zeros(1, np.float32)
        return v if v.size <= 8 * RESERVOIR else v[np.random.default_rng(0).choice(v.size, 8 * RESERVOIR,
                                                                                   replace=False)]


def collect_stats(tg: TGraph, data: list[np.ndarray], *, chunk: int = 64) -> dict[str, Stats]:
    """Run the float graph on ``data`` (stored layout, sample axis first) and observe every activation."""
    from mcuml.convert.onnx_graph import emit_float
    from mcuml.interp.interpreter import Interpreter

    model = emit_float(tg, extra_outputs=True)
    it = Interpreter(model=model)
    names = [t.name for t in model.main.outputs]
    stats = {n: Stats() for n in names}
    for n in tg.inputs:
        stats[n] = Stats()
    rng = np.random.default_rng(0)
    total = data[0].shape[0]
    for start in range(0, total, chunk):
        xs = [d[start:start + chunk] for d in data]
        for n, x in zip(tg.inputs, xs):
            stats[n].update(x, rng)
        for n, y in zip(names, it.run(xs)):
            stats[n].update(y, rng)
    return stats


def choose_range(s: Stats, method: str = "minmax", percentile: float = 99.99) -> tuple[float, float]:
    """The [lo, hi] to quantize an activation to, by ``method`` (minmax, percentile or mse)."""
    if method == "minmax" or s.seen == 0:
        return s.lo, s.hi
    v = s.values().astype(np.float64)
    if method == "percentile":
        lo, hi = np.percentile(v, [100 - percentile, percentile])
        return float(min(lo, s.hi)), float(max(hi, s.lo))
    if method != "mse":
        raise InputError(f"calibration method must be one of {METHODS}, not {method!r}")
    best, best_err = (s.lo, s.hi), np.inf
    for frac in np.linspace(0.3, 1.0, 36):
        lo, hi = s.lo * frac, s.hi * frac
        q = qparams(lo, hi)
        deq = (np.clip(round_half_away(v / q.scale) + q.zero_point, -128, 127) - q.zero_point) * q.scale
        err = float(np.mean((deq - v) ** 2))
        if err < best_err:
            best, best_err = (lo, hi), err
    return best


def qparams(lo: float, hi: float) -> QParams:
    """int8 asymmetric parameters for [lo, hi] (widened to contain 0, so that 0 is exact)."""
    lo, hi = min(float(lo), 0.0), max(float(hi), 0.0)
    if hi - lo < 1e-8:
        hi = lo + 1e-8
    scale = (hi - lo) / 255.0
    zp = int(np.clip(round_half_away(-128.0 - lo / scale), -128, 127))
    return QParams(float(np.float32(scale)), zp)


def quantize(x: np.ndarray, q: QParams, dtype: Any = np.int8) -> np.ndarray:
    """``x`` quantized with ``q`` (round half away from zero, saturated to ``dtype``)."""
    info = np.iinfo(dtype)
    return np.clip(round_half_away(np.asarray(x, np.float64) / q.scale) + q.zero_point, info.min,
                   info.max).astype(dtype)


class _Groups:
    """Union-find over tensors that must share quantization parameters."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, a: str) -> str:
        self.parent.setdefault(a, a)
        while self.parent[a] != a:
            self.parent[a] = self.parent[self.parent[a]]
            a = self.parent[a]
        return a

    def union(self, names: Iterable[str]) -> None:
        names = list(names)
        for other in names[1:]:
            self.parent[self.find(other)] = self.find(names[0])


def activation_params(tg: TGraph, stats: dict[str, Stats], method: str = "minmax",
                      percentile: float = 99.99) -> dict[str, QParams]:
    """Scale and zero point of every activation (and constant that must share one)."""
    groups = _Groups()
    for op in tg.ops:
        if op.op in TIE_ALL:
            groups.union([n for n in op.inputs if n and tg.tensors[n].role in (ACT, CONST)] + op.outputs)
        elif op.op in SAME_QUANT:
            groups.union([op.inputs[0], op.outputs[0]])  # type: ignore[list-item]
            for n in op.inputs[1:]:
                if n and tg.tensors[n].role == PADVAL:
                    groups.union([op.outputs[0], n])
    fixed: dict[str, QParams] = {}
    for op in tg.ops:
        if op.op in FIXED_QUANT:
            fixed[groups.find(op.outputs[0])] = QParams(*FIXED_QUANT[op.op])
    # a PADV2 output holds the pad value (the lowest float before max pooling): its range is its input's
    no_range = {op.outputs[0] for op in tg.ops if op.op == "PADV2"}
    ranges: dict[str, tuple[float, float]] = {}
    for name, t in tg.tensors.items():
        if name in no_range or t.role == PADVAL or (t.role not in (ACT, CONST)) or name not in groups.parent and t.role != ACT:
            continue
        if t.data is not None:
            lo, hi = float(t.data.min()), float(t.data.max())
        elif name in stats:
            lo, hi = choose_range(stats[name], method, percentile)
        else:
            continue
        root = groups.find(name)
        a, b = ranges.get(root, (np.inf, -np.inf))
        ranges[root] = (min(a, lo), max(b, hi))
    out: dict[str, QParams] = {}
    for name, t in tg.tensors.items():
        if t.role == ACT or name in groups.parent:
            root = groups.find(name)
            if root in fixed:
                out[name] = fixed[root]
            elif root in ranges:
                out[name] = qparams(*ranges[root])
    return out


def _weight_scales(w: np.ndarray, axis: int, per_tensor: bool) -> np.ndarray:
    red = tuple(i for i in range(w.ndim) if i != axis)
    m = np.abs(w).max() * np.ones(w.shape[axis]) if per_tensor else np.abs(w).max(axis=red)
    return np.where(m > 0, m / 127.0, 1.0).astype(np.float32)


def _bias_correction(op_name: str, dw: np.ndarray, mean: np.ndarray, options: dict) -> np.ndarray | None:
    """Expected output shift per channel caused by the weight rounding ``dw`` on inputs of mean ``mean``."""
    if op_name == "FULLY_CONNECTED" and dw.shape[1] == mean.shape[0]:
        return dw @ mean
    if op_name == "CONV_2D" and dw.shape[3] == mean.shape[0]:
        return np.einsum("okhi,i->o", dw, mean)
    if op_name == "DEPTHWISE_CONV_2D":
        mult = int(options.get("depth_multiplier", 1)) or 1
        if dw.shape[3] == mean.shape[0] * mult:
            return dw.sum(axis=(0, 1, 2)) * np.repeat(mean, mult)
    return None


def quantize_weights(tg: TGraph, act: dict[str, QParams], per_tensor: bool,
                     stats: dict[str, Stats] | None = None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """int8 weights and int32 biases: name -> (values, per-channel scales).

    With ``stats`` (bias correction, Nagel et al. 2019): each bias absorbs the mean output shift the
    weight rounding causes on the calibration data. Inputs after ReLU have a large mean, so without
    it the rounding error of every weight row adds up coherently.
    """
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for op in tg.ops:
        if op.op not in WEIGHTED:
            continue
        wi, bi, xi = WEIGHTED[op.op]
        wt, bt = tg.tensors[op.inputs[wi]], tg.tensors[op.inputs[bi]]  # type: ignore[index]
        w, b = wt.data.astype(np.float64), bt.data.astype(np.float64)  # type: ignore[union-attr]
        in_scale = act[op.inputs[xi]].scale  # type: ignore[index]
        ws = _weight_scales(w, wt.qdim, per_tensor).astype(np.float64)
        need = np.abs(b) / (in_scale * (INT32_MAX - 1))  # keep the bias in int32
        if np.any(need > ws):
            ws = np.float32(np.maximum(ws, need * 1.0001)) if not per_tensor else \
                np.full_like(ws, max(ws.max(), need.max() * 1.0001))
        ws = ws.astype(np.float32)
        shape = [1] * w.ndim
        shape[wt.qdim] = -1
        qw = np.clip(round_half_away(w / ws.astype(np.float64).reshape(shape)), -127, 127).astype(np.int8)
        if stats is not None and op.inputs[xi] in stats:
            mean = stats[op.inputs[xi]].channel_mean()  # type: ignore[index]
            dw = qw.astype(np.float64) * ws.astype(np.float64).reshape(shape) - w
            corr = None if mean is None else _bias_correction(op.op, dw, mean, op.options)
            if corr is not None:
                b = b - corr
        bias_scale = (np.float64(in_scale) * ws.astype(np.float64))
        qb = np.clip(round_half_away(b / bias_scale), -INT32_MAX, INT32_MAX).astype(np.int32)
        out[wt.name] = (qw, ws)
        out[bt.name] = (qb, bias_scale.astype(np.float32))
    return out


def emit_int8(tg: TGraph, act: dict[str, QParams], weights: dict[str, tuple[np.ndarray, np.ndarray]], *,
              io: str = "int8", extra_outputs: bool = False) -> Any:
    """The int8 model (``io="float"``: float32 inputs/outputs through QUANTIZE/DEQUANTIZE)."""
    from mcuml.ir.build import ModelBuilder

    b = ModelBuilder(description="mcuml onnx converter (int8 PTQ)")
    made: dict[str, Any] = {}
    floats: dict[str, Any] = {}
    for name in tg.inputs:
        t, q = tg.tensors[name], act[name]
        if io == "float":
            floats[name] = b.input(name, t.shape, "float32")
            made[name] = b.tensor(f"{name}/int8", t.shape, "int8", scale=q.scale, zero_point=q.zero_point)
        else:
            made[name] = b.input(name, t.shape, "int8", scale=q.scale, zero_point=q.zero_point)
    for name in tg.inputs:
        if io == "float":
            b.op("QUANTIZE", [floats[name]], [made[name]], version=INT8_VERSIONS["QUANTIZE"])
    for t in tg.tensors.values():
        if t.name in made:
            continue
        if t.role in (WEIGHT, BIAS):
            vals, scales = weights[t.name]
            qd = t.qdim if t.role == WEIGHT else 0
            made[t.name] = b.const(t.name, vals, scale=scales, zero_point=np.zeros(len(scales), np.int64),
                                   quantized_dimension=qd)
        elif t.role == INT:
            made[t.name] = b.const(t.name, t.data.astype(np.int32))  # type: ignore[union-attr]
        elif t.data is not None:  # CONST / PADVAL: per-tensor asymmetric int8
            q = act.get(t.name) or qparams(float(t.data.min()), float(t.data.max()))
            made[t.name] = b.const(t.name, quantize(t.data, q), scale=q.scale, zero_point=q.zero_point)
        else:
            q = act[t.name]
            made[t.name] = b.tensor(t.name, t.shape, "int8", scale=q.scale, zero_point=q.zero_point)
    for op in tg.ops:
        b.op(op.op, [made[i] if i else None for i in op.inputs], [made[o] for o in op.outputs], op.kind,
             version=INT8_VERSIONS.get(op.op, 1), **op.options)
    outs = []
    for name in tg.outputs:
        if io == "float":
            f = b.tensor(f"{name}/float", tg.tensors[name].shape, "float32")
            b.op("DEQUANTIZE", [made[name]], [f], version=INT8_VERSIONS["DEQUANTIZE"])
            outs.append(f)
        else:
            outs.append(made[name])
    if extra_outputs:
        outs += [made[n] for n in tg.activations() if n not in tg.outputs and n not in tg.inputs]
    b.output(*outs)
    return b.build()
