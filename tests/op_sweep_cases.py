"""Option-variant cases of the op sweep (``tests/op_sweep.py``): the builders of single-op models and short
chains whose options change what TFLM allocates (constant vs non-constant operands, adj_x/adj_y,
broadcasting, per-tensor vs per-channel, fused activations, LUT paths, kernel-selecting shapes)."""

from __future__ import annotations

from typing import Callable

import numpy as np

from mcuml.ir.build import ModelBuilder
from mcuml.ir.dtypes import DType
from mcuml.ir.model import Model

F32, I8, I16, I32, BOOL = DType.float32, DType.int8, DType.int16, DType.int32, DType.bool


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


def variant_cases(case: Callable) -> list:
    """Every variant as ``case(id, op, dtype, variant, model)`` (the sweep's Case class)."""
    out: list = []

    def add(op: str, dt: DType, variant: str, fn: Callable[[], Model]) -> None:
        try:
            out.append(case(f"{op}/{dt.name}/{variant}", op, dt.name, variant, fn()))
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
