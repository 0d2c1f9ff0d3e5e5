"""Which TFLM builtins mcuml runs, in which data types: probed, not declared.

For every registered op, :func:`sample_models` builds tiny single-op models (one per candidate
data type; a few ops get more than one variant, e.g. QUANTIZE's output type) with
:class:`mcuml.ir.build.ModelBuilder`, and :func:`probe` runs the op's ``prepare`` on them. A data
type is *accepted* when some variant prepares. "Data type" is the op's main data operand: input 0
for most ops, the table of EMBEDDING_LOOKUP, the value/output of FILL, the operands (not the
condition) of SELECT_V2, the shape tensors of BROADCAST_ARGS. Weighted ops pair an activation type
with the weight/bias types TFLM expects for it (int8 -> int8/int32, int16 -> int8/int64).

The same samples feed the op contract tests (``tests/test_op_contract.py``) and ``docs/ops.md``
(``tools/gen_ops_doc.py``); :func:`mcuml.check.check` uses :func:`op_coverage` to say what is missing.
The TFLM list is :data:`mcuml.ops._tflm.TFLM_BUILTINS` (``micro_mutable_op_resolver.h``).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from collections.abc import Callable

import numpy as np

from mcuml.ir.build import ModelBuilder
from mcuml.ir.dtypes import DType
from mcuml.ir.model import Model, Tensor

CANDIDATE_DTYPES: tuple[DType, ...] = (DType.float32, DType.int8, DType.int16, DType.int32, DType.int64,
                                       DType.uint8, DType.bool, DType.uint32, DType.uint64)
_TFLM_PATH = re.compile(r"(?:tensorflow/lite|signal/micro/kernels)/[\w/.-]+\.(?:cc|h)")  # signal/: Signal ops
_INT = (DType.int8, DType.int16, DType.uint8)
_QUANT = {DType.int8: (0.05, 3), DType.int16: (0.01, 0), DType.uint8: (0.05, 128)}
# ops whose quantized outputs TFLM pins to a fixed scale/zero point: dtype -> (scale, zero_point)
_FIXED_OUT = {
    "LOGISTIC": {DType.int8: (1 / 256, -128), DType.int16: (1 / 32768, 0)},
    "TANH": {DType.int8: (1 / 128, 0), DType.int16: (1 / 32768, 0)},
    "SOFTMAX": {DType.int8: (1 / 256, -128), DType.int16: (1 / 32768, 0)},
    "LOG_SOFTMAX": {DType.int8: (16 / 256, 127)},
    "L2_NORMALIZATION": {DType.int8: (1 / 128, 0), DType.int16: (1 / 32768, 0)},
}


@dataclass(frozen=True, slots=True)
class OpInfo:
    """One operator: is it a TFLM builtin, does mcuml run it, where, citing what, in which types."""

    name: str
    in_tflm: bool
    implemented: bool
    module: str | None = None
    tflm_source: str | None = None
    dtypes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class OpCoverage:
    """Every TFLM builtin and every registered op, sorted by name."""

    ops: tuple[OpInfo, ...]

    def get(self, name: str) -> OpInfo | None:
        return next((o for o in self.ops if o.name == name), None)

    @property
    def implemented(self) -> tuple[OpInfo, ...]:
        return tuple(o for o in self.ops if o.implemented)

    @property
    def missing(self) -> tuple[str, ...]:
        """TFLM builtins mcuml has no kernel for."""
        return tuple(o.name for o in self.ops if o.in_tflm and not o.implemented)

    @property
    def extra(self) -> tuple[str, ...]:
        """Registered ops that stock TFLM does not register."""
        return tuple(o.name for o in self.ops if o.implemented and not o.in_tflm)

    @property
    def tflm_covered(self) -> int:
        return sum(1 for o in self.ops if o.in_tflm and o.implemented)

    @property
    def tflm_total(self) -> int:
        return sum(1 for o in self.ops if o.in_tflm)


# -- sample models -----------------------------------------------------------------------------------
class _B:
    """ModelBuilder plus the quantization conventions of the samples."""

    def __init__(self, op: str, dt: DType) -> None:
        self.b, self.name, self.dt = ModelBuilder("mcuml coverage sample"), op, dt
        self.rng = np.random.default_rng(0)

    def q(self, dt: DType, fixed: tuple[float, int] | None = None) -> dict:
        if dt not in _QUANT:
            return {}
        s, z = fixed or _QUANT[dt]
        return {"scale": s, "zero_point": z}

    def x(self, name: str, shape, dt: DType | None = None) -> Tensor:
        dt = self.dt if dt is None else dt
        return self.b.input(name, shape, dt, **self.q(dt))

    def y(self, name: str, shape, dt: DType | None = None) -> Tensor:
        dt = self.dt if dt is None else dt
        t = self.b.tensor(name, shape, dt, **self.q(dt, _FIXED_OUT.get(self.name, {}).get(dt)))
        self.b.output(t)
        return t

    def c(self, name: str, value, dt: DType | str | None = None, **kw) -> Tensor:
        arr = np.asarray(value)
        dt = DType[dt] if isinstance(dt, str) else dt
        if dt is not None and kw == {} and dt in _QUANT:
            kw = self.q(dt)
        return self.b.const(name, arr.astype(dt.numpy) if dt is not None else arr, dt, **kw)

    def op(self, ins, outs, kind: str | None = None, **opts) -> Model:
        self.b.op(self.name, ins, outs, kind, **opts)
        return self.b.build()


def _unary(s: _B) -> list[Model]:
    kind = {"LEAKY_RELU": ("LeakyReluOptions", {"alpha": 0.2}), "SOFTMAX": ("SoftmaxOptions", {"beta": 1.0}),
            "L2_NORMALIZATION": ("L2NormOptions", {})}.get(s.name, (None, {}))
    return [s.op([s.x("x", (2, 3, 4))], [s.y("y", (2, 3, 4))], kind[0], **kind[1])]


_BINARY_OPTS = {"ADD": "AddOptions", "SUB": "SubOptions", "MUL": "MulOptions", "DIV": "DivOptions"}


def _binary(s: _B) -> list[Model]:
    out = DType.bool if s.name in _COMPARISONS else None
    return [s.op([s.x("a", (2, 3, 4)), s.x("b", (1, 3, 4))], [s.y("y", (2, 3, 4), out)], _BINARY_OPTS.get(s.name))]


def _convert(s: _B) -> list[Model]:
    """CAST/QUANTIZE/DEQUANTIZE: one variant per output type."""
    outs = {"DEQUANTIZE": (DType.float32,), "CAST": (DType.float32, DType.int32, DType.int8),
            "QUANTIZE": (DType.int8, DType.int16, DType.int32, DType.uint8)}[s.name]
    models = []
    for od in outs:
        t = _B(s.name, s.dt)
        # QUANTIZE requantizes int32 too, so its int32 input carries a scale
        x = t.b.input("x", (2, 5), s.dt, scale=0.001, zero_point=0) if s.dt == DType.int32 else t.x("x", (2, 5))
        models.append(t.op([x], [t.y("y", (2, 5), od)]))
    return models


def _weights(s: _B, shape, n_out: int, qdim: int = 0) -> tuple[Tensor, Tensor]:
    """Filter and bias for the activation type: float32/float32, int8/int32, int16 -> int8/int64."""
    dt = s.dt
    if dt == DType.float32:
        return s.c("w", s.rng.standard_normal(shape) * 0.3, dt), s.c("bias", s.rng.standard_normal(n_out), dt)
    wdt = DType.int8 if dt in (DType.int8, DType.int16) else dt
    bdt = {DType.int8: DType.int32, DType.int16: DType.int64}.get(dt, dt)
    scales = np.linspace(0.004, 0.02, n_out)
    wq = {"scale": scales, "zero_point": [0] * n_out, "quantized_dimension": qdim} if wdt in _QUANT else {}
    bq = {"scale": scales * _QUANT[dt][0], "zero_point": [0] * n_out} if dt in _QUANT else {}
    w = s.c("w", s.rng.integers(-127, 128, shape), wdt, **wq)
    return w, s.c("bias", s.rng.integers(-500, 500, n_out), bdt, **bq)


def _conv(s: _B) -> list[Model]:
    x = s.x("x", (1, 5, 5, 3))
    if s.name == "CONV_2D":
        w, bias = _weights(s, (4, 3, 3, 3), 4)
        return [s.op([x, w, bias], [s.y("y", (1, 3, 3, 4))], "Conv2DOptions", padding=1, stride_w=1, stride_h=1)]
    if s.name == "DEPTHWISE_CONV_2D":
        w, bias = _weights(s, (1, 3, 3, 6), 6, qdim=3)
        return [s.op([x, w, bias], [s.y("y", (1, 3, 3, 6))], "DepthwiseConv2DOptions", padding=1, stride_w=1,
                     stride_h=1, depth_multiplier=2)]
    w, bias = _weights(s, (4, 3, 3, 3), 4)  # TRANSPOSE_CONV: [output_shape, filter, input, bias]
    shape = s.c("out_shape", [1, 5, 5, 4], "int32")
    return [s.op([shape, w, x, bias], [s.y("y", (1, 5, 5, 4))], "TransposeConvOptions", padding=0, stride_w=1,
                 stride_h=1)]


def _fully_connected(s: _B) -> list[Model]:
    w, bias = _weights(s, (5, 8), 5)
    return [s.op([s.x("x", (2, 8)), w, bias], [s.y("y", (2, 5))], "FullyConnectedOptions")]


def _batch_matmul(s: _B) -> list[Model]:
    return [s.op([s.x("a", (2, 3, 4)), s.x("b", (2, 4, 5))], [s.y("y", (2, 3, 5))], "BatchMatMulOptions")]


def _pool(s: _B) -> list[Model]:
    return [s.op([s.x("x", (1, 4, 4, 3))], [s.y("y", (1, 2, 2, 3))], "Pool2DOptions", padding=1, stride_w=2,
                 stride_h=2, filter_width=2, filter_height=2)]


def _svdf(s: _B) -> list[Model]:
    dt, b = s.dt, s.b
    quant = dt in _QUANT
    wt_dt = DType.int16 if dt == DType.int8 else dt
    wt_q = {"scale": 0.0037, "zero_point": 0} if wt_dt in _QUANT else {}
    st_q = {"scale": 0.004, "zero_point": 0} if wt_dt in _QUANT else {}
    wf = s.c("wf", s.rng.integers(-100, 100, (4, 6)) * (1 if quant else 0.01), dt)
    wt = s.c("wt", s.rng.integers(-100, 100, (4, 3)) * (1 if quant else 0.01), wt_dt, **wt_q)
    bdt = DType.int32 if dt == DType.int8 else dt
    bq = {"scale": float(np.float32(0.004) * np.float32(0.0037)), "zero_point": 0} if quant else {}
    bias = s.c("bias", s.rng.integers(-100, 100, 2), bdt, **bq)
    state = b.tensor("state", (1, 12), wt_dt, is_variable=True, **st_q)
    return [s.op([s.x("x", (1, 6)), wf, wt, bias, state], [s.y("y", (1, 2))], "SVDFOptions", rank=2,
                 fused_activation_function=0)]


def _lstm(s: _B) -> list[Model]:
    dt, b, n_in, n = s.dt, s.b, 3, 4
    ins: list[Tensor | None] = [None] * 24
    ins[0] = s.x("x", (1, 2, n_in))
    fl = dt == DType.float32
    wdt = DType.int8 if dt in (DType.int8, DType.int16) else dt
    bdt = {DType.int8: DType.int32, DType.int16: DType.int64}.get(dt, dt)
    x_scale = _QUANT.get(dt, (1.0, 0))[0]
    for i in range(1, 9):
        w = s.rng.standard_normal((n, n_in if i <= 4 else n)) * 0.4 if fl else s.rng.integers(-127, 128, (n, n))
        w = w[:, :n_in] if i <= 4 else w
        ins[i] = s.c(f"w{i}", w, wdt, **({"scale": 0.01, "zero_point": 0} if wdt in _QUANT else {}))
    for i in range(12, 16):
        v = s.rng.standard_normal(n) * 0.3 if fl else s.rng.integers(-300, 300, n)
        ins[i] = s.c(f"b{i}", v, bdt, **({"scale": x_scale * 0.01, "zero_point": 0} if dt in _QUANT else {}))
    ins[18] = b.tensor("h", (1, n), dt, is_variable=True, **s.q(dt))
    cdt = DType.int16 if dt in _QUANT else dt
    ins[19] = b.tensor("c", (1, n), cdt, is_variable=True, **({"scale": 2.0 ** -11, "zero_point": 0}
                                                             if cdt in _QUANT else {}))
    return [s.op(ins, [s.y("y", (1, 2, n))], "UnidirectionalSequenceLSTMOptions", fused_activation_function=4,
                 cell_clip=0.0, proj_clip=0.0, time_major=False)]


def _reduce(s: _B) -> list[Model]:
    axis = s.c("axis", [1], "int32")
    if s.name in ("ARG_MAX", "ARG_MIN"):
        kind = "ArgMaxOptions" if s.name == "ARG_MAX" else "ArgMinOptions"
        return [s.op([s.x("x", (2, 3, 4)), axis], [s.y("y", (2, 4), DType.int32)], kind, output_type=2)]
    if s.name == "CUMSUM":
        return [s.op([s.x("x", (2, 3, 4)), s.c("axis", 1, "int32")], [s.y("y", (2, 3, 4))], "CumsumOptions")]
    return [s.op([s.x("x", (2, 3, 4)), axis], [s.y("y", (2, 4))], "ReducerOptions", keep_dims=False)]


def _i32(s: _B, name: str, v) -> Tensor:
    return s.c(name, v, "int32")


def _shape_op(s: _B) -> list[Model]:
    op, x = s.name, (lambda shape: s.x("x", shape))
    if op == "RESHAPE":
        return [s.op([x((2, 3, 4)), _i32(s, "shape", [6, 4])], [s.y("y", (6, 4))], "ReshapeOptions",
                     new_shape=[6, 4])]
    if op == "SQUEEZE":
        return [s.op([x((2, 1, 4))], [s.y("y", (2, 4))], "SqueezeOptions", squeeze_dims=[1])]
    if op == "EXPAND_DIMS":
        return [s.op([x((3, 4)), _i32(s, "axis", [1])], [s.y("y", (3, 1, 4))], "ExpandDimsOptions")]
    if op == "TRANSPOSE":
        return [s.op([x((2, 3, 4)), _i32(s, "perm", [0, 2, 1])], [s.y("y", (2, 4, 3))], "TransposeOptions")]
    if op in ("PAD", "PADV2", "MIRROR_PAD"):
        ins = [x((2, 3, 4)), _i32(s, "paddings", [[0, 0], [1, 1], [2, 1]])]
        if op == "PADV2":
            ins.append(s.c("value", np.zeros((), np.int64) + 1, s.dt))
        kind = {"PAD": ("PadOptions", {}), "PADV2": ("PadV2Options", {}), "MIRROR_PAD": ("MirrorPadOptions",
                                                                                         {"mode": 0})}[op]
        return [s.op(ins, [s.y("y", (2, 5, 7))], kind[0], **kind[1])]
    if op == "CONCATENATION":
        return [s.op([x((2, 3, 4)), s.x("x2", (2, 2, 4))], [s.y("y", (2, 5, 4))], "ConcatenationOptions",
                     axis=1)]
    if op == "PACK":
        return [s.op([x((3, 4)), s.x("x2", (3, 4))], [s.y("y", (3, 2, 4))], "PackOptions", values_count=2,
                     axis=1)]
    if op == "UNPACK":
        return [s.op([x((3, 2, 4))], [s.y("y0", (3, 4)), s.y("y1", (3, 4))], "UnpackOptions", num=2, axis=1)]
    if op == "SPLIT":
        return [s.op([_i32(s, "axis", 2), x((2, 3, 4))], [s.y("y0", (2, 3, 2)), s.y("y1", (2, 3, 2))],
                     "SplitOptions", num_splits=2)]
    if op == "SPLIT_V":
        return [s.op([x((2, 5, 4)), _i32(s, "sizes", [2, 3]), _i32(s, "axis", 1)],
                     [s.y("y0", (2, 2, 4)), s.y("y1", (2, 3, 4))], "SplitVOptions", num_splits=2)]
    if op == "SLICE":
        return [s.op([x((2, 3, 4)), _i32(s, "begin", [0, 1, 1]), _i32(s, "size", [2, 2, 3])],
                     [s.y("y", (2, 2, 3))], "SliceOptions")]
    if op == "STRIDED_SLICE":
        return [s.op([x((2, 3, 6)), _i32(s, "begin", [0, 0, 1]), _i32(s, "end", [2, 3, 6]),
                      _i32(s, "strides", [1, 2, 2])], [s.y("y", (2, 2, 3))], "StridedSliceOptions")]
    if op == "GATHER":
        return [s.op([x((5, 4)), _i32(s, "idx", [3, 0, 4])], [s.y("y", (3, 4))], "GatherOptions", axis=0)]
    if op == "GATHER_ND":
        return [s.op([x((3, 4)), _i32(s, "idx", [[2], [0]])], [s.y("y", (2, 4))], "GatherNdOptions")]
    if op == "REVERSE_V2":
        return [s.op([x((2, 3, 4)), _i32(s, "axis", [1])], [s.y("y", (2, 3, 4))], "ReverseV2Options")]
    if op == "SPACE_TO_BATCH_ND":
        return [s.op([x((1, 4, 4, 2)), _i32(s, "block", [2, 2]), _i32(s, "pads", [[0, 0], [0, 0]])],
                     [s.y("y", (4, 2, 2, 2))], "SpaceToBatchNDOptions")]
    if op == "BATCH_TO_SPACE_ND":
        return [s.op([x((4, 2, 2, 2)), _i32(s, "block", [2, 2]), _i32(s, "crops", [[0, 0], [0, 0]])],
                     [s.y("y", (1, 4, 4, 2))], "BatchToSpaceNDOptions")]
    if op == "DEPTH_TO_SPACE":
        return [s.op([x((1, 2, 2, 8))], [s.y("y", (1, 4, 4, 2))], "DepthToSpaceOptions", block_size=2)]
    if op == "SPACE_TO_DEPTH":
        return [s.op([x((1, 4, 4, 2))], [s.y("y", (1, 2, 2, 8))], "SpaceToDepthOptions", block_size=2)]
    if op in ("RESIZE_NEAREST_NEIGHBOR", "RESIZE_BILINEAR"):
        kind = "ResizeNearestNeighborOptions" if op == "RESIZE_NEAREST_NEIGHBOR" else "ResizeBilinearOptions"
        return [s.op([x((1, 2, 3, 2)), _i32(s, "size", [4, 5])], [s.y("y", (1, 4, 5, 2))], kind)]
    if op == "SHAPE":
        return [s.op([x((2, 3, 4))], [s.y("y", (3,), DType.int32)], "ShapeOptions", out_type=2)]
    if op == "FILL":
        return [s.op([_i32(s, "dims", [2, 3]), s.x("value", ())], [s.y("y", (2, 3))], "FillOptions")]
    if op == "BROADCAST_TO":
        return [s.op([x((1, 4)), _i32(s, "shape", [3, 4])], [s.y("y", (3, 4))], "BroadcastToOptions")]
    if op == "BROADCAST_ARGS":
        return [s.op([s.c("s0", [2, 1, 4], s.dt), s.c("s1", [3, 1], s.dt)], [s.y("y", (3,))])]
    if op == "EMBEDDING_LOOKUP":
        return [s.op([_i32(s, "ids", [2, 0, 2]), s.x("table", (4, 5))], [s.y("y", (3, 5))])]
    if op == "DYNAMIC_UPDATE_SLICE":
        return [s.op([x((4, 5)), s.x("update", (2, 3)), _i32(s, "start", [1, 2])], [s.y("y", (4, 5))])]
    if op == "SELECT_V2":
        cond = s.x("cond", (2, 3, 4), DType.bool)
        return [s.op([cond, x((2, 3, 4)), s.x("x2", (1, 3, 4))], [s.y("y", (2, 3, 4))])]
    if op == "ADD_N":
        return [s.op([x((2, 3)), s.x("x2", (2, 3)), s.x("x3", (2, 3))], [s.y("y", (2, 3))])]
    raise KeyError(op)


_UNARY = ("ABS", "CEIL", "COS", "EXP", "FLOOR", "LOG", "NEG", "ROUND", "RSQRT", "SIN", "SQRT", "SQUARE", "RELU",
          "RELU6", "RELU_N1_TO_1", "LOGISTIC", "TANH", "HARD_SWISH", "ELU", "LEAKY_RELU", "SOFTMAX", "LOG_SOFTMAX",
          "L2_NORMALIZATION", "ZEROS_LIKE", "LOGICAL_NOT")
_COMPARISONS = ("EQUAL", "NOT_EQUAL", "GREATER", "GREATER_EQUAL", "LESS", "LESS_EQUAL")
_BINARY = ("ADD", "SUB", "MUL", "DIV", "MAXIMUM", "MINIMUM", "SQUARED_DIFFERENCE", "FLOOR_DIV", "FLOOR_MOD",
           "PRELU", "LOGICAL_AND", "LOGICAL_OR") + _COMPARISONS
_BUILDERS: dict[str, Callable[[_B], list[Model]]] = {
    **{op: _unary for op in _UNARY}, **{op: _binary for op in _BINARY},
    **{op: _convert for op in ("CAST", "QUANTIZE", "DEQUANTIZE")},
    **{op: _conv for op in ("CONV_2D", "DEPTHWISE_CONV_2D", "TRANSPOSE_CONV")},
    "FULLY_CONNECTED": _fully_connected, "BATCH_MATMUL": _batch_matmul, "SVDF": _svdf,
    "UNIDIRECTIONAL_SEQUENCE_LSTM": _lstm,
    **{op: _pool for op in ("AVERAGE_POOL_2D", "MAX_POOL_2D", "L2_POOL_2D")},
    **{op: _reduce for op in ("MEAN", "SUM", "REDUCE_MAX", "REDUCE_MIN", "REDUCE_ALL", "ARG_MAX", "ARG_MIN",
                              "CUMSUM")},
}


def _signal(s: _B) -> list[Model]:
    """TFLM Signal library custom ops; the data type is the operand each op is typed by."""
    from mcuml.ops._signal import flex_bytes

    def op(ins, outs, **opts) -> Model:
        s.b.op(s.name, ins, outs, custom_options=flex_bytes(opts) if opts else None)
        return s.b.build()

    dt, name = s.dt, s.name[len("CUSTOM:Signal"):]
    i16 = lambda n, v: s.c(n, np.asarray(v), "int16")  # noqa: E731
    if name == "Window":
        return [op([s.x("x", (2, 8)), i16("w", np.arange(8) * 512)], [s.y("y", (2, 8))], shift=12)]
    if name == "FftAutoScale":
        return [op([s.x("x", (8,))], [s.y("y", (8,)), s.y("s", (), DType.int32)])]
    if name == "Rfft":
        code = {DType.int16: 7, DType.int32: 2, DType.float32: 0}.get(dt, 9)
        return [op([s.x("x", (2, 6))], [s.y("y", (2, 10))], T=code, fft_length=8)]
    if name == "Energy":
        return [op([s.x("x", (10,))], [s.y("y", (5,), DType.uint32)], end_index=4, start_index=1)]
    if name == "FilterBank":
        tables = [s.c(f"t{k}", np.asarray(v), dt) for k, v in enumerate(
            ([100, 200, 300, 400], [50, 60, 70, 80], [0, 1, 3], [0, 1, 3], [1, 2, 1]))]
        return [op([s.x("x", (5,), DType.uint32), *tables], [s.y("y", (2,), DType.uint64)], num_channels=2)]
    if name == "FilterBankSquareRoot":
        return [op([s.x("x", (4,), DType.uint64), s.x("s", (), dt)], [s.y("y", (4,), DType.uint32)])]
    if name == "FilterBankSpectralSubtraction":
        return [op([s.x("x", (4,))], [s.y("y", (4,)), s.y("n", (4,))], alternate_one_minus_smoothing=15401,
                   alternate_smoothing=983, clamping=False, min_signal_remaining=819, num_channels=4,
                   one_minus_smoothing=15975, smoothing=409, smoothing_bits=10, spectral_subtraction_bits=14)]
    if name == "PCAN":
        lut = s.c("lut", np.arange(125) * 64, dt)
        return [op([s.x("x", (4,), DType.uint32), s.x("n", (4,), DType.uint32), lut], [s.y("y", (4,), DType.uint32)],
                   snr_shift=6)]
    if name == "FilterBankLog":
        return [op([s.x("x", (4,), DType.uint32)], [s.y("y", (4,))], input_correction_bits=3, output_scale=64)]
    raise KeyError(s.name)


def _control(s: _B) -> list[Model]:
    """IF/WHILE/CALL_ONCE call pass-through subgraphs; resource ops take a handle input. The data
    type is that of the carried data (IF/WHILE), the variable's value (READ/ASSIGN_VARIABLE); CALL_ONCE
    and VAR_HANDLE carry none."""
    b, dt, op = s.b, s.dt, s.name

    def passthrough(name: str, outs_bool: bool = False) -> None:
        b.subgraph(name)
        a = b.input("a", (2, 3), dt, **s.q(dt))
        b.output(b.tensor("c", (1,), DType.bool) if outs_bool else a)
        b.select(0)

    if op == "IF":
        model = s.op([s.x("cond", (1,), DType.bool), s.x("x", (2, 3))], [s.y("y", (2, 3))], "IfOptions",
                     then_subgraph_index=1, else_subgraph_index=2)
        passthrough("then")
        passthrough("else")
        return [model]
    if op == "WHILE":
        model = s.op([s.x("x", (2, 3))], [s.y("y", (2, 3))], "WhileOptions", cond_subgraph_index=1,
                     body_subgraph_index=2)
        passthrough("cond", outs_bool=True)
        passthrough("body")
        return [model]
    if op == "CALL_ONCE":
        model = s.op([], [], "CallOnceOptions", init_subgraph_index=1)
        b.subgraph("init")
        b.select(0)
        return [model]
    if op == "VAR_HANDLE":
        return [s.op([], [s.y("h", (), DType.resource)], "VarHandleOptions", container="", shared_name="v")]
    h = s.x("h", (), DType.resource)
    if op == "READ_VARIABLE":
        return [s.op([h], [s.y("y", (2, 3))])]
    return [s.op([h, s.x("v", (2, 3))], [])]  # ASSIGN_VARIABLE


_BUILDERS.update({op: _control for op in ("IF", "WHILE", "CALL_ONCE", "VAR_HANDLE", "READ_VARIABLE",
                                          "ASSIGN_VARIABLE")})


def has_sample(op: str) -> bool:
    try:
        sample_models(op, DType.float32)
    except KeyError:
        return False
    return True


def sample_models(op: str, dtype: DType) -> list[Model]:
    """Tiny single-op models of ``op`` with main data type ``dtype`` (KeyError if there is no recipe)."""
    return _BUILDERS.get(op, _signal if op.startswith("CUSTOM:Signal") else _shape_op)(_B(op, dtype))


def probe(op: str, dtype: DType) -> tuple[Model | None, BaseException | None]:
    """Prepare ``op``'s samples of ``dtype``: the first model that prepares (and None), or None and the
    error of the first variant (any exception: the contract tests tell mcuml errors from kernel bugs)."""
    from mcuml.ops import OpContext, lookup

    kernel = lookup(op)
    if kernel is None:
        return None, KeyError(op)
    first: BaseException | None = None
    for m in sample_models(op, dtype):
        sg = m.subgraphs[0]
        try:
            kernel.prepare(sg.operators[0], OpContext(m, sg, 0, 0, op))
        except Exception as e:  # noqa: BLE001 - recorded, judged by the caller
            first = first or e
            continue
        return m, None
    return None, first


def tflm_source(module_doc: str | None, op: str | None = None) -> str | None:
    """The TFLM source file a module docstring cites (for ``op``: its own kernel file when a module
    ports several, e.g. ``pack.cc`` and ``unpack.cc``, even if named without its directory)."""
    paths = _TFLM_PATH.findall(module_doc or "")
    if not paths:
        return None
    if op is not None:
        own = f"{op.lower()}.cc"
        for p in paths:
            if p.endswith("/" + own):
                return p
        if re.search(rf"(?<![\w/]){re.escape(own)}", module_doc or ""):
            return paths[0].rsplit("/", 1)[0] + "/" + own
    return paths[0]


def accepted_dtypes(op: str) -> tuple[str, ...]:
    try:
        return tuple(d.name for d in CANDIDATE_DTYPES if probe(op, d)[0] is not None)
    except KeyError:
        return ()


@lru_cache(maxsize=1)
def op_coverage() -> OpCoverage:
    """Per TFLM builtin (and per extra registered op): kernel, module, cited TFLM source, accepted types."""
    from mcuml.ops import registry
    from mcuml.ops._tflm import TFLM_BUILTINS

    reg = registry()
    infos = []
    for name in sorted(TFLM_BUILTINS | set(reg)):
        kernel = reg.get(name)
        if kernel is None:
            infos.append(OpInfo(name, name in TFLM_BUILTINS, False))
            continue
        module = type(kernel).__module__
        doc = sys.modules[module].__doc__ if module in sys.modules else None
        infos.append(OpInfo(name, name in TFLM_BUILTINS, True, module, tflm_source(doc, name),
                            accepted_dtypes(name)))
    return OpCoverage(tuple(infos))


__all__ = ["CANDIDATE_DTYPES", "OpCoverage", "OpInfo", "accepted_dtypes", "has_sample", "op_coverage", "probe",
           "sample_models", "tflm_source"]
