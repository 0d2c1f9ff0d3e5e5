"""Generated sweep of single-op models (and short chains) against the TFLM wheel.

Cases: every registered op (every TFLM builtin mcuml has a module for, and the Signal ops) x every
candidate data type (the ones TFLM accepts and the ones it rejects: ``mcuml.ops._coverage`` samples),
plus option variants that change what TFLM allocates (:func:`variant_cases`: constant vs non-constant
operands, adj_x/adj_y, broadcasting, per-tensor vs per-channel, fused activations, LUT paths,
kernel-selecting shapes, a -1 in a stored shape) and a few chains.

Per case, three assertions (:func:`judge`):
  (a) mcuml's predicted host arena is in [wheel minimum, minimum + 16 B] (the wheel minimum found by
      bisection from the prediction, in a worker subprocess: ``tests/sweep_worker.py``);
  (b) ``mcuml.check`` says "runs on TFLM" exactly when the wheel constructs and invokes the model, and
      when it does not, the refusal names the node TFLM's log names;
  (c) mcuml's outputs equal the wheel's (integers exactly, floats to 1e-5 relative).

``MCUML_SWEEP=full`` runs every case and writes ``benchmarks/results/op_sweep.json``; otherwise
:func:`ci_sample` picks a deterministic subset sized for the normal suite.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from mcuml.ir.build import ModelBuilder
from mcuml.ir.dtypes import DType
from mcuml.ir.model import Model

WORKER = Path(__file__).with_name("sweep_worker.py")
F32, I8, I16, I32, BOOL = DType.float32, DType.int8, DType.int16, DType.int32, DType.bool


@dataclass(frozen=True)
class Case:
    id: str
    op: str
    dtype: str
    variant: str
    model: Model = field(repr=False, compare=False)


# -- cases ------------------------------------------------------------------------------------------
def base_cases() -> list[Case]:
    """Every registered op x every candidate dtype, from the coverage samples."""
    from mcuml.ops import registry
    from mcuml.ops._coverage import CANDIDATE_DTYPES, sample_models

    out = []
    for op in sorted(registry()):
        for dt in CANDIDATE_DTYPES:
            try:
                models = sample_models(op, dt)
            except (KeyError, ValueError, TypeError, IndexError):
                continue
            for k, m in enumerate(models):
                out.append(Case(f"{op}/{dt.name}/sample{k}", op, dt.name, f"sample{k}", m))
    return out


class _M:
    """A small builder with the sweep's quantization conventions."""

    Q = {I8: (0.05, 3), I16: (0.01, 0)}

    def __init__(self, dt: DType) -> None:
        self.b, self.dt, self.rng = ModelBuilder("mcuml op sweep"), dt, np.random.default_rng(1)

    def q(self, dt: DType | None = None, scale: float | None = None, zp: int | None = None) -> dict:
        dt = self.dt if dt is None else dt
        if dt not in self.Q:
            return {}
        s, z = self.Q[dt]
        return {"scale": s if scale is None else scale, "zero_point": (0 if dt == I16 else z) if zp is None else zp}

    def x(self, name, shape, dt=None, scale=None, zp=None, zero_point=None):
        dt = self.dt if dt is None else dt
        return self.b.input(name, shape, dt, **self.q(dt, scale, zp if zero_point is None else zero_point))

    def t(self, name, shape, dt=None, out=True, scale=None, zp=None, zero_point=None):
        dt = self.dt if dt is None else dt
        t = self.b.tensor(name, shape, dt, **self.q(dt, scale, zp if zero_point is None else zero_point))
        if out:
            self.b.output(t)
        return t

    def c(self, name, value, dt=None, **q):
        dt = self.dt if dt is None else dt
        arr = np.asarray(value).astype(dt.numpy)
        return self.b.const(name, arr, dt, **(q if q else self.q(dt)))

    def i32(self, name, value):
        return self.b.const(name, np.asarray(value, np.int32), I32)

    def rand(self, shape, dt=None):
        dt = self.dt if dt is None else dt
        if dt == F32:
            return self.rng.standard_normal(shape) * 0.5
        return self.rng.integers(-100, 100, shape)

    def op(self, name, ins, outs, kind=None, **opts):
        self.b.op(name, ins, outs, kind, **opts)
        return self

    def build(self) -> Model:
        return self.b.build()


def _bmm(dt: DType, adj_x: bool, adj_y: bool, const_rhs: bool, bcast: bool) -> Model:
    m = _M(dt)
    a_shape = (2, 4, 3) if adj_x else (2, 3, 4)
    b_shape = (1 if bcast else 2, 5, 4) if adj_y else (1 if bcast else 2, 4, 5)
    a = m.x("a", a_shape)
    b = m.c("b", m.rand(b_shape)) if const_rhs else m.x("b", b_shape)
    y = m.t("y", (2, 3, 5), scale=0.5 if dt != F32 else None) if dt != F32 else m.t("y", (2, 3, 5))
    return m.op("BATCH_MATMUL", [a, b], [y], "BatchMatMulOptions", adj_x=adj_x, adj_y=adj_y).build()


def _weights(m: _M, shape, n_out: int, per_channel: bool, qdim: int = 0, bias_dt: DType | None = None):
    dt = m.dt
    if dt == F32:
        return m.c("w", m.rand(shape)), m.c("bias", m.rand(n_out))
    scales = np.linspace(0.004, 0.02, n_out) if per_channel else np.array([0.01])
    wq = {"scale": scales, "zero_point": [0] * len(scales), "quantized_dimension": qdim}
    w = m.c("w", m.rng.integers(-127, 128, shape), I8, **wq)
    bdt = bias_dt or (I32 if dt == I8 else DType.int64)
    bs = (scales if per_channel else np.full(n_out, scales[0])) * m.Q[dt][0]
    return w, m.c("bias", m.rng.integers(-500, 500, n_out), bdt, scale=bs, zero_point=[0] * n_out)


def _fc(dt: DType, per_channel: bool, rank3: bool, bias: bool) -> Model:
    m = _M(dt)
    w, b = _weights(m, (6, 8), 6, per_channel)
    x = m.x("x", (2, 3, 8) if rank3 else (3, 8))
    y = m.t("y", (2, 3, 6) if rank3 else (3, 6), scale=0.5 if dt != F32 else None) if dt != F32 else \
        m.t("y", (2, 3, 6) if rank3 else (3, 6))
    return m.op("FULLY_CONNECTED", [x, w, b if bias else None], [y], "FullyConnectedOptions",
                keep_num_dims=rank3).build()


def _conv(dt: DType, per_channel: bool, act: int, stride: int, kernel: int) -> Model:
    m = _M(dt)
    w, b = _weights(m, (4, kernel, kernel, 3), 4, per_channel)
    out = (6 - kernel) // stride + 1
    y = m.t("y", (1, out, out, 4), **({} if dt == F32 else m.q(scale=0.5)))
    return m.op("CONV_2D", [m.x("x", (1, 6, 6, 3)), w, b], [y], "Conv2DOptions", padding=1, stride_w=stride,
                stride_h=stride, fused_activation_function=act).build()


def _dwconv(dt: DType, per_channel: bool, mult: int) -> Model:
    m = _M(dt)
    w, b = _weights(m, (1, 3, 3, 3 * mult), 3 * mult, per_channel, qdim=3)
    y = m.t("y", (1, 4, 4, 3 * mult), **({} if dt == F32 else m.q(scale=0.5)))
    return m.op("DEPTHWISE_CONV_2D", [m.x("x", (1, 6, 6, 3)), w, b], [y], "DepthwiseConv2DOptions", padding=1,
                stride_w=1, stride_h=1, depth_multiplier=mult).build()


def _tconv(dt: DType, bias: bool, stride: int) -> Model:
    m = _M(dt)
    w, b = _weights(m, (4, 3, 3, 3), 4, True)
    out = 4 * stride
    y = m.t("y", (1, out, out, 4), **({} if dt == F32 else m.q(scale=0.5)))
    ins = [m.i32("shape", [1, out, out, 4]), w, m.x("x", (1, 4, 4, 3))] + ([b] if bias else [])
    return m.op("TRANSPOSE_CONV", ins, [y], "TransposeConvOptions", padding=0, stride_w=stride,
                stride_h=stride).build()


_BIN_KIND = {"ADD": "AddOptions", "SUB": "SubOptions", "MUL": "MulOptions", "DIV": "DivOptions"}


def _binary(op: str, dt: DType, bcast: str, act: int) -> Model:
    m = _M(dt)
    sa, sb = {"same": ((2, 3, 4), (2, 3, 4)), "row": ((2, 3, 4), (4,)), "scalar": ((2, 3, 4), ()),
              "5d": ((2, 1, 3, 1, 4), (1, 2, 1, 2, 4))}[bcast]
    ys = tuple(np.broadcast_shapes(sa, sb))
    out_dt = BOOL if op in ("EQUAL", "NOT_EQUAL", "LESS", "LESS_EQUAL", "GREATER", "GREATER_EQUAL") else dt
    y = m.t("y", ys, out_dt, **({} if out_dt in (F32, BOOL, I32) else m.q(scale=0.1)))
    kind = _BIN_KIND.get(op)
    opts = {"fused_activation_function": act} if kind else {}
    return m.op(op, [m.x("a", sa), m.x("b", sb)], [y], kind, **opts).build()


def _lut(op: str, dt: DType, scale: float) -> Model:
    """Quantized pointwise ops with a LUT or input-scale-dependent path."""
    m = _M(dt)
    fixed = {"LOGISTIC": {I8: (1 / 256, -128), I16: (1 / 32768, 0)}, "TANH": {I8: (1 / 128, 0), I16: (1 / 32768, 0)}}
    x = m.x("x", (2, 8), scale=scale, zp=0 if dt == I16 else 5)
    fs, fz = fixed.get(op, {}).get(dt, (scale * 2, 0 if dt == I16 else -3))
    kind = {"LEAKY_RELU": ("LeakyReluOptions", {"alpha": 0.3})}.get(op, (None, {}))
    return m.op(op, [x], [m.t("y", (2, 8), scale=fs, zp=fz)], kind[0], **kind[1]).build()


def _mean(dt: DType, axes, keep: bool, rescale: bool) -> Model:
    m = _M(dt)
    shape = (1, 4, 4, 3)
    out = tuple(1 if i in axes else d for i, d in enumerate(shape)) if keep else \
        tuple(d for i, d in enumerate(shape) if i not in axes)
    y = m.t("y", out, **({} if dt == F32 else m.q(scale=0.07 if rescale else None)))
    return m.op("MEAN", [m.x("x", shape), m.i32("axis", list(axes))], [y], "ReducerOptions", keep_dims=keep).build()


def _sqdiff_mean(dt: DType) -> Model:
    """The converter's variance pattern: SQUARED_DIFFERENCE -> MEAN."""
    m = _M(dt)
    d = m.t("d", (1, 4, 4, 3), out=False, **({} if dt == F32 else m.q(scale=0.2)))
    m.op("SQUARED_DIFFERENCE", [m.x("a", (1, 4, 4, 3)), m.x("b", (1, 1, 1, 3))], [d])
    y = m.t("y", (1, 1, 1, 3), **({} if dt == F32 else m.q(scale=0.2)))
    return m.op("MEAN", [d, m.i32("axis", [1, 2])], [y], "ReducerOptions", keep_dims=True).build()


def _chain(dt: DType) -> Model:
    """CONV_2D -> TANH -> RESIZE_BILINEAR: persistent data of several kinds in one tail."""
    m = _M(dt)
    w, b = _weights(m, (4, 3, 3, 3), 4, True)
    h = m.t("h", (1, 4, 4, 4), out=False, **({} if dt == F32 else m.q(scale=0.1)))
    m.op("CONV_2D", [m.x("x", (1, 6, 6, 3)), w, b], [h], "Conv2DOptions", padding=1, stride_w=1, stride_h=1)
    tq = {} if dt == F32 else ({"scale": 1 / 128, "zero_point": 0} if dt == I8 else {"scale": 1 / 32768, "zero_point": 0})
    t = m.t("t", (1, 4, 4, 4), out=False, **tq)
    m.op("TANH", [h], [t])
    g = m.t("g", (1, 8, 8, 4), **tq)
    return m.op("RESIZE_BILINEAR", [t, m.i32("size", [8, 8])], [g], "ResizeBilinearOptions").build()


def variant_cases() -> list[Case]:
    out: list[Case] = []

    def add(op: str, dt: DType, variant: str, fn: Callable[[], Model]) -> None:
        try:
            out.append(Case(f"{op}/{dt.name}/{variant}", op, dt.name, variant, fn()))
        except (KeyError, ValueError, TypeError, IndexError) as e:  # a builder bug must be visible
            raise AssertionError(f"sweep builder {op}/{dt.name}/{variant}: {e}") from e

    for dt in (F32, I8, I16):
        for adj_x in (False, True):
            for adj_y in (False, True):
                for const in (False, True):
                    add("BATCH_MATMUL", dt, f"adjx{int(adj_x)}_adjy{int(adj_y)}_const{int(const)}",
                        lambda: _bmm(dt, adj_x, adj_y, const, False))
        add("BATCH_MATMUL", dt, "bcast", lambda: _bmm(dt, False, False, False, True))
    for dt in (F32, I8, I16):
        for pc in (False, True):
            for r3 in (False, True):
                add("FULLY_CONNECTED", dt, f"pc{int(pc)}_rank3{int(r3)}", lambda: _fc(dt, pc, r3, True))
        add("FULLY_CONNECTED", dt, "nobias", lambda: _fc(dt, True, False, False))
        for pc in (False, True):
            add("CONV_2D", dt, f"pc{int(pc)}_relu", lambda: _conv(dt, pc, 1, 1, 3))
        add("CONV_2D", dt, "1x1_s2", lambda: _conv(dt, True, 0, 2, 1))
        for mult in (1, 2):
            add("DEPTHWISE_CONV_2D", dt, f"mult{mult}", lambda: _dwconv(dt, True, mult))
        add("DEPTHWISE_CONV_2D", dt, "per_tensor", lambda: _dwconv(dt, False, 1))
        for bias in (False, True):
            add("TRANSPOSE_CONV", dt, f"bias{int(bias)}_s2", lambda: _tconv(dt, bias, 2))
        for axes, keep, rescale in (((1, 2), True, False), ((1, 2), True, True), ((3,), False, True),
                                    ((1,), False, False)):
            add("MEAN", dt, f"axes{''.join(map(str, axes))}_keep{int(keep)}_rq{int(rescale)}",
                lambda: _mean(dt, axes, keep, rescale))
        add("SQUARED_DIFFERENCE+MEAN", dt, "chain", lambda: _sqdiff_mean(dt))
        add("CONV_2D+TANH+RESIZE_BILINEAR", dt, "chain", lambda: _chain(dt))
        for op in ("ADD", "SUB", "MUL", "MAXIMUM", "MINIMUM", "SQUARED_DIFFERENCE", "LESS", "EQUAL", "DIV",
                   "FLOOR_DIV", "PRELU"):
            for bc in ("same", "row", "scalar", "5d"):
                if op == "PRELU" and bc in ("scalar", "5d"):
                    continue
                add(op, dt, f"bcast_{bc}", lambda: _binary(op, dt, bc, 0))
            if op in _BIN_KIND:
                add(op, dt, "relu6", lambda: _binary(op, dt, "same", 3))
    for dt in (I8, I16):
        for op in ("LOGISTIC", "TANH", "HARD_SWISH", "LEAKY_RELU", "RELU", "RELU6", "ABS", "RSQRT", "ELU", "EXP",
                   "LOG_SOFTMAX", "SOFTMAX", "L2_NORMALIZATION", "NEG"):
            for scale in (0.01, 0.2):
                add(op, dt, f"scale{scale}", lambda: _lut(op, dt, scale))
    return out


def all_cases() -> list[Case]:
    return base_cases() + variant_cases()


def ci_sample(cases: list[Case]) -> list[Case]:
    """Deterministic CI subset (~1/6 of the sweep): per op its int8 first sample (float32 when it has no
    int8 one), int16 for every other op, one dtype TFLM rejects (uint64) for a third of the ops, and a
    quarter of the option variants; chains always."""
    by_op: dict[str, dict[str, Case]] = {}
    for c in cases:
        if c.variant == "sample0":
            by_op.setdefault(c.op, {})[c.dtype] = c
    keep = []
    for op, d in sorted(by_op.items()):
        first = d.get("int8") or d.get("float32") or next(iter(d.values()))
        keep.append(first)
        if "int16" in d and hash_id(op) % 2 == 0:
            keep.append(d["int16"])
        if "uint64" in d and hash_id(op) % 3 == 0:
            keep.append(d["uint64"])
    keep += [c for c in cases if not c.variant.startswith("sample") and ("+" in c.op or hash_id(c.id) % 4 == 0)]
    return keep


def hash_id(s: str) -> int:
    import zlib

    return zlib.crc32(s.encode())


# -- running ---------------------------------------------------------------------------------------
# Samples whose TFLM behaviour depends on arena contents, so no minimum or output can be compared (verdict only).
UNDEFINED_RUN = {"WHILE": "the coverage sample's cond subgraph returns a tensor nothing writes: whether the loop "
                          "ends depends on what the arena held before"}
# mcuml kernel gaps the sweep found (TFLM runs the case, mcuml's interpreter refuses it): reported in the summary,
# not failures of the memory/support facts this sweep checks. (op, dtype or "" , variant substring or "").
KNOWN_MCUML_GAPS = {
    ("GREATER", "int16", ""): "mcuml's comparisons have no int16 kernel (TFLM's GREATER has one)",
    ("RSQRT", "int16", ""): "mcuml has no int16 RSQRT (the wheel, newer than TFLM 90b983c, runs it)",
    ("SQUARED_DIFFERENCE", "", "5d"): "mcuml limits SQUARED_DIFFERENCE broadcasting to 4-D; TFLM runs 5-D",
    ("FLOOR_DIV", "", "5d"): "mcuml limits FLOOR_DIV broadcasting to 4-D; TFLM runs 5-D",
    ("CONV_2D+TANH+RESIZE_BILINEAR", "float32", ""): "float32 CONV_2D->TANH->RESIZE_BILINEAR differs from the wheel by "
                                                     "1.7e-5 relative (tolerance 1e-5): mcuml float numerics",
    ("LOGICAL_AND", "*", ""): "TFLM's LOGICAL_AND has no type check (reads any bytes as bool); mcuml wants bool",
    ("LOGICAL_OR", "*", ""): "TFLM's LOGICAL_OR has no type check (reads any bytes as bool); mcuml wants bool",
}


def known_gap(case: Case) -> str | None:
    for (op, dt, var), why in KNOWN_MCUML_GAPS.items():
        if case.op == op and (dt == "" or case.dtype == dt or (dt == "*" and case.dtype != "bool")) and var in case.variant:
            return why
    return None


POSITIVE_INPUT = ("RSQRT", "SQRT", "LOG")
# inputs that are shift amounts: out-of-range shifts are undefined behaviour in C (the result varies by run)
INPUT_RANGE = {"CUSTOM:SignalFilterBankSquareRoot": {1: (0, 31)}}  # TFLM fails Invoke on values outside the domain (data, not type)


def _inputs(case: Case, seed: int) -> list[np.ndarray]:
    from oracle import random_input

    rng = np.random.default_rng(seed)
    out = []
    for k, t in enumerate(case.model.subgraphs[0].inputs):
        x = random_input(t.shape, t.dtype.numpy, rng)
        if k in INPUT_RANGE.get(case.op, {}):
            lo, hi = INPUT_RANGE[case.op][k]
            x = rng.integers(lo, hi, size=t.shape, endpoint=True).astype(x.dtype)
        if case.op in POSITIVE_INPUT:
            zp = int(t.quantization.zero_point[0]) if t.quantization is not None and len(t.quantization.zero_point) else 0
            x = np.abs(x) + np.float32(0.1) if x.dtype.kind == "f" else np.maximum(x, zp + 1).astype(x.dtype)
        out.append(x)
    return out


@dataclass
class Outcome:
    case: Case
    pred: int | None = None
    pred_error: str = ""
    check_ok: bool | None = None
    check_reasons: tuple[str, ...] = ()
    check_nodes: tuple[int, ...] = ()
    wheel: dict = field(default_factory=dict)
    mcuml_error: str = ""
    outputs_equal: bool | None = None
    output_note: str = ""

    @property
    def wheel_ok(self) -> bool | None:
        return self.wheel.get("ok") if self.wheel else None

    @property
    def wheel_node(self) -> int | None:
        m = re.search(r"Node \S+ \(number (\d+)\) failed to (?:prepare|invoke)", self.wheel.get("log", ""))
        return int(m.group(1)) if m else None

    def problems(self) -> list[str]:
        """What is wrong with this case (empty = all three assertions hold)."""
        c, w = self.case.id, self.wheel
        if not w:
            return [f"{c}: the wheel worker crashed on it"]
        out = []
        if self.check_ok != self.wheel_ok:
            why = (w.get("log", "") or w.get("error", ""))[-300:].strip().replace("\n", " | ")
            out.append(f"{c}: check says runs_on_tflm={self.check_ok} {list(self.check_reasons)[:1]}, "
                       f"the wheel {'runs it' if self.wheel_ok else 'fails: ' + why}")
        elif not self.wheel_ok and self.wheel_node is not None and self.check_nodes \
                and self.wheel_node not in self.check_nodes and -1 not in self.check_nodes:
            out.append(f"{c}: check blames node(s) {list(self.check_nodes)}, TFLM node {self.wheel_node}")
        if self.wheel_ok and self.case.op not in UNDEFINED_RUN:
            lo = w["min"]
            if self.pred is None:
                out.append(f"{c}: no prediction ({self.pred_error})")
            elif self.pred < lo:
                out.append(f"{c}: UNDER-predicted host arena {self.pred} < wheel minimum {lo} ({self.pred - lo})")
            elif self.pred > lo + 16:
                out.append(f"{c}: over-predicted host arena {self.pred} > minimum {lo} + 16 (+{self.pred - lo})")
            if self.mcuml_error and known_gap(self.case):
                pass
            elif self.mcuml_error:
                out.append(f"{c}: mcuml cannot run what TFLM runs: {self.mcuml_error}")
            elif self.outputs_equal is False and not known_gap(self.case):
                out.append(f"{c}: outputs differ from the wheel's: {self.output_note}")
        return out


def _mcuml_side(o: Outcome, data: bytes, inputs: list[np.ndarray]) -> None:
    from mcuml.check import check
    from mcuml.plan.arena import predict_arena

    model = o.case.model
    try:
        o.pred = predict_arena(model, target="host", kernels="reference").arena_bytes
    except Exception as e:  # noqa: BLE001 - recorded as a finding, judged by problems()
        o.pred_error = f"{type(e).__name__}: {e}"
    r = check(model)
    o.check_ok = r.runs_on_tflm
    o.check_reasons = tuple(p.reason for p in r.problems)
    o.check_nodes = tuple(p.node for p in r.problems)


def _compare(o: Outcome, data: bytes, inputs: list[np.ndarray], outputs_path: Path) -> None:
    from oracle import assert_same, mcuml_run

    try:
        got = mcuml_run(data, inputs)
    except Exception as e:  # noqa: BLE001 - recorded as a finding
        o.mcuml_error = f"{type(e).__name__}: {str(e)[:200]}"
        return
    with np.load(outputs_path) as z:
        want = [z[f"arr_{i}"] for i in range(len(z.files))]
    try:
        assert_same(got, want)
        o.outputs_equal = True
    except AssertionError as e:
        o.outputs_equal, o.output_note = False, str(e)[:200]


def run_cases(cases: list[Case], workdir: Path) -> list[Outcome]:
    """Build, predict and check every case here; run the wheel side in one worker subprocess (restarted
    past any case that crashes it)."""
    outcomes, jobs = [], []
    for k, c in enumerate(cases):
        o = Outcome(c)
        data = c.model.to_bytes()
        inputs = _inputs(c, k)
        _mcuml_side(o, data, inputs)
        mp, ip, op_ = workdir / f"{k}.tflite", workdir / f"{k}_in.npz", workdir / f"{k}_out.npz"
        mp.write_bytes(data)
        np.savez(ip, *inputs)
        jobs.append({"id": k, "model": str(mp), "inputs": str(ip), "outputs": str(op_), "pred": o.pred or 0,
                     "n_out": len(c.model.subgraphs[0].outputs)})
        outcomes.append(o)
    results = _wheel(jobs)
    for k, o in enumerate(outcomes):
        o.wheel = results.get(k, {})
        if o.wheel_ok:
            _compare(o, Path(jobs[k]["model"]).read_bytes(), list(np.load(jobs[k]["inputs"]).values()),
                     Path(jobs[k]["outputs"]))
    return outcomes


def _worker(jobs: list[dict]) -> list[dict]:
    text = "".join(json.dumps(j) + "\n" for j in jobs)
    r = subprocess.run([sys.executable, str(WORKER)], input=text, capture_output=True, text=True,
                       timeout=120 + 5 * len(jobs))
    return [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]


def _wheel(jobs: list[dict]) -> dict[int, dict]:
    """All jobs through one worker (each probe forked inside it); a job that kills the worker itself is
    left without a result (reported as a finding) and the rest are re-run."""
    results: dict[int, dict] = {}
    pending = list(jobs)
    while pending:
        done = _worker(pending)
        for d in done:
            results[d["id"]] = d
        pending = pending[len(done) + 1:]
    return results


def summary(outcomes: list[Outcome]) -> dict:
    probs = [p for o in outcomes for p in o.problems()]
    runs = [o for o in outcomes if o.wheel_ok and o.case.op not in UNDEFINED_RUN]
    return {
        "cases": len(outcomes),
        "ops": len({o.case.op for o in outcomes}),
        "dtypes": len({o.case.dtype for o in outcomes}),
        "wheel_runs": len(runs),
        "not_judged_undefined": sum(1 for o in outcomes if o.wheel_ok and o.case.op in UNDEFINED_RUN),
        "wheel_rejects": sum(1 for o in outcomes if o.wheel_ok is False),
        "wheel_crashes": sum(1 for o in outcomes if not o.wheel),
        "under_predicted": sum(1 for o in runs if o.pred is not None and o.pred < o.wheel["min"]),
        "over_predicted_16": sum(1 for o in runs if o.pred is not None and o.pred > o.wheel["min"] + 16),
        "exact": sum(1 for o in runs if o.pred == o.wheel["min"]),
        "verdict_mismatches": sum(1 for o in outcomes if o.wheel and o.check_ok != o.wheel_ok),
        "output_mismatches": sum(1 for o in runs if o.outputs_equal is False),
        "mcuml_cannot_run": sum(1 for o in runs if o.mcuml_error),
        "known_mcuml_gaps": sorted({f"{o.case.op}/{o.case.dtype}: {known_gap(o.case)}" for o in runs
                                    if (o.mcuml_error or o.outputs_equal is False) and known_gap(o.case)}),
        "problems": probs,
    }
