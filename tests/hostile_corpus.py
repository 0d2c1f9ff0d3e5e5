"""A semantic-hostile corpus: models that parse but that TFLM may refuse, built with mcuml's IR at test time.

Each case is a small valid base model (``BASES``) with one edit applied (``CASES``: name -> (base, edit)).
The oracle is the TFLM wheel's ``AllocateTensors`` verdict, taken in a subprocess (``wheel_verdicts``),
because a TFLM ``TFLITE_CHECK`` aborts the process.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from typing import Callable

import numpy as np

from mcuml.ir.build import ModelBuilder
from mcuml.ir.model import Model, Quantization, Tensor

I32_MIN, I32_MAX = -(1 << 31), (1 << 31) - 1


# ---- base models (each valid, each accepted by the wheel) ------------------------------------------

def fc_int8() -> Model:
    b = ModelBuilder()
    x = b.input("x", (1, 8), "int8", scale=0.5, zero_point=-1)
    w = b.const("w", np.arange(-16, 16, dtype=np.int8).reshape(4, 8), scale=[0.01, 0.02, 0.03, 0.04],
                zero_point=0, quantized_dimension=0)
    bias = b.const("b", np.array([1, -2, 3, -4], np.int32), scale=[0.005, 0.01, 0.015, 0.02], zero_point=0)
    y = b.tensor("y", (1, 4), "int8", scale=0.25, zero_point=3)
    b.op("FULLY_CONNECTED", [x, w, bias], [y], "FullyConnectedOptions")
    b.output(y)
    return b.build()


def fc_float() -> Model:
    b = ModelBuilder()
    x = b.input("x", (1, 8), "float32")
    w = b.const("w", np.linspace(-1, 1, 32, dtype=np.float32).reshape(4, 8))
    y = b.tensor("y", (1, 4), "float32")
    b.op("FULLY_CONNECTED", [x, w, None], [y], "FullyConnectedOptions")
    b.output(y)
    return b.build()


def conv_int8() -> Model:
    b = ModelBuilder()
    x = b.input("x", (1, 5, 5, 2), "int8", scale=0.5, zero_point=-1)
    w = b.const("w", (np.arange(54) % 7 - 3).astype(np.int8).reshape(3, 3, 3, 2), scale=[0.01, 0.02, 0.03],
                zero_point=0, quantized_dimension=0)
    bias = b.const("b", np.array([5, -5, 7], np.int32), scale=[0.005, 0.01, 0.015], zero_point=0)
    y = b.tensor("y", (1, 5, 5, 3), "int8", scale=0.1, zero_point=2)
    b.op("CONV_2D", [x, w, bias], [y], "Conv2DOptions", padding=0, stride_w=1, stride_h=1)
    b.output(y)
    return b.build()


def dw_int8() -> Model:
    b = ModelBuilder()
    x = b.input("x", (1, 5, 5, 2), "int8", scale=0.5, zero_point=-1)
    w = b.const("w", (np.arange(36) % 5 - 2).astype(np.int8).reshape(1, 3, 3, 4), scale=[0.01, 0.02, 0.03, 0.04],
                zero_point=0, quantized_dimension=3)
    bias = b.const("b", np.array([1, 2, 3, 4], np.int32), scale=[0.005, 0.01, 0.015, 0.02], zero_point=0)
    y = b.tensor("y", (1, 5, 5, 4), "int8", scale=0.1, zero_point=0)
    b.op("DEPTHWISE_CONV_2D", [x, w, bias], [y], "DepthwiseConv2DOptions", padding=0, stride_w=1, stride_h=1,
         depth_multiplier=2)
    b.output(y)
    return b.build()


def add_int8() -> Model:
    b = ModelBuilder()
    x1 = b.input("x1", (1, 4, 4, 2), "int8", scale=0.5, zero_point=1)
    x2 = b.input("x2", (1, 4, 4, 2), "int8", scale=0.25, zero_point=-2)
    y = b.tensor("y", (1, 4, 4, 2), "int8", scale=0.75, zero_point=0)
    b.op("ADD", [x1, x2], [y], "AddOptions")
    b.output(y)
    return b.build()


def mul_int8() -> Model:
    b = ModelBuilder()
    x1 = b.input("x1", (1, 8), "int8", scale=0.5, zero_point=1)
    x2 = b.input("x2", (1, 8), "int8", scale=0.25, zero_point=-2)
    y = b.tensor("y", (1, 8), "int8", scale=0.75, zero_point=0)
    b.op("MUL", [x1, x2], [y], "MulOptions")
    b.output(y)
    return b.build()


def softmax_int8() -> Model:
    b = ModelBuilder()
    x = b.input("x", (1, 10), "int8", scale=0.1, zero_point=0)
    y = b.tensor("y", (1, 10), "int8", scale=1 / 256, zero_point=-128)
    b.op("SOFTMAX", [x], [y], "SoftmaxOptions", beta=1.0)
    b.output(y)
    return b.build()


def logistic_int8() -> Model:
    b = ModelBuilder()
    x = b.input("x", (1, 10), "int8", scale=0.1, zero_point=0)
    y = b.tensor("y", (1, 10), "int8", scale=1 / 256, zero_point=-128)
    b.op("LOGISTIC", [x], [y])
    b.output(y)
    return b.build()


def maxpool_int8() -> Model:
    b = ModelBuilder()
    x = b.input("x", (1, 4, 4, 2), "int8", scale=0.5, zero_point=1)
    y = b.tensor("y", (1, 2, 2, 2), "int8", scale=0.5, zero_point=1)
    b.op("MAX_POOL_2D", [x], [y], "Pool2DOptions", padding=1, stride_w=2, stride_h=2, filter_width=2,
         filter_height=2)
    b.output(y)
    return b.build()


def avgpool_int8() -> Model:
    b = ModelBuilder()
    x = b.input("x", (1, 4, 4, 2), "int8", scale=0.5, zero_point=1)
    y = b.tensor("y", (1, 2, 2, 2), "int8", scale=0.5, zero_point=1)
    b.op("AVERAGE_POOL_2D", [x], [y], "Pool2DOptions", padding=1, stride_w=2, stride_h=2, filter_width=2,
         filter_height=2)
    b.output(y)
    return b.build()


def quantize_f2i() -> Model:
    b = ModelBuilder()
    x = b.input("x", (1, 8), "float32")
    y = b.tensor("y", (1, 8), "int8", scale=0.05, zero_point=4)
    b.op("QUANTIZE", [x], [y])
    b.output(y)
    return b.build()


def dequantize_i2f() -> Model:
    b = ModelBuilder()
    x = b.input("x", (1, 8), "int8", scale=0.05, zero_point=4)
    y = b.tensor("y", (1, 8), "float32")
    b.op("DEQUANTIZE", [x], [y])
    b.output(y)
    return b.build()


def strided_slice() -> Model:
    b = ModelBuilder()
    x = b.input("x", (1, 8), "float32")
    begin = b.const("begin", np.array([0, 0], np.int32))
    end = b.const("end", np.array([1, 8], np.int32))
    strides = b.const("strides", np.array([1, 2], np.int32))
    y = b.tensor("y", (1, 4), "float32")
    b.op("STRIDED_SLICE", [x, begin, end, strides], [y], "StridedSliceOptions")
    b.output(y)
    return b.build()


def pad_float() -> Model:
    b = ModelBuilder()
    x = b.input("x", (1, 4, 4, 1), "float32")
    p = b.const("paddings", np.array([[0, 0], [1, 1], [1, 1], [0, 0]], np.int32))
    y = b.tensor("y", (1, 6, 6, 1), "float32")
    b.op("PAD", [x, p], [y], "PadOptions")
    b.output(y)
    return b.build()


def reshape_float() -> Model:
    b = ModelBuilder()
    x = b.input("x", (2, 3), "float32")
    s = b.const("shape", np.array([6], np.int32))
    y = b.tensor("y", (6,), "float32")
    b.op("RESHAPE", [x, s], [y], "ReshapeOptions", new_shape=[6])
    b.output(y)
    return b.build()


def conv_float() -> Model:
    b = ModelBuilder()
    x = b.input("x", (1, 6, 6, 1), "float32")
    w = b.const("w", np.ones((2, 3, 3, 1), np.float32))
    y = b.tensor("y", (1, 6, 6, 2), "float32")
    b.op("CONV_2D", [x, w, None], [y], "Conv2DOptions", padding=0, stride_w=1, stride_h=1)
    b.output(y)
    return b.build()


def dw_float() -> Model:
    b = ModelBuilder()
    x = b.input("x", (1, 6, 6, 2), "float32")
    w = b.const("w", np.ones((1, 3, 3, 2), np.float32))
    bias = b.const("b", np.zeros(2, np.float32))
    y = b.tensor("y", (1, 6, 6, 2), "float32")
    b.op("DEPTHWISE_CONV_2D", [x, w, bias], [y], "DepthwiseConv2DOptions", padding=0, stride_w=1, stride_h=1,
         depth_multiplier=1)
    b.output(y)
    return b.build()


def two_relu() -> Model:
    b = ModelBuilder()
    x = b.input("x", (1, 8), "float32")
    h = b.tensor("h", (1, 8), "float32")
    y = b.tensor("y", (1, 8), "float32")
    b.op("RELU", [x], [h])
    b.op("RELU", [h], [y])
    b.output(y)
    return b.build()


BASES: dict[str, Callable[[], Model]] = {f.__name__: f for f in (
    fc_int8, fc_float, conv_int8, dw_int8, add_int8, mul_int8, softmax_int8, logistic_int8, maxpool_int8,
    avgpool_int8, quantize_f2i, dequantize_i2f, strided_slice, pad_float, reshape_float, conv_float, dw_float,
    two_relu)}


# ---- edits -----------------------------------------------------------------------------------------

def _t(m: Model, name: str) -> Tensor:
    return next(t for t in m.subgraphs[0].tensors if t.name == name)


def quant(name: str, **changes) -> Callable[[Model], None]:
    """Replace fields of tensor ``name``'s quantization (``scale``/``zero_point``: tuples); None removes it."""
    def edit(m: Model) -> None:
        t = _t(m, name)
        if changes.get("remove"):
            t.quantization = None
            return
        q = t.quantization or Quantization()
        for k, v in changes.items():
            setattr(q, k, v)
        t.quantization = q
    return edit


def opt(**changes) -> Callable[[Model], None]:
    def edit(m: Model) -> None:
        node = m.subgraphs[0].operators[0]
        node.options = node.options.replace(**changes)
    return edit


def const_data(name: str, values) -> Callable[[Model], None]:
    def edit(m: Model) -> None:
        t = _t(m, name)
        arr = np.asarray(values, dtype=t.dtype.numpy)
        t.buffer.data = arr.tobytes()
        t.shape = arr.shape
    return edit


def shape(name: str, dims) -> Callable[[Model], None]:
    def edit(m: Model) -> None:
        _t(m, name).shape = tuple(dims)
    return edit


def dtype_code(name: str, code: int) -> Callable[[Model], None]:
    def edit(m: Model) -> None:
        _t(m, name).dtype = code
    return edit


def node_io(inputs=None, outputs=None, node: int = 0) -> Callable[[Model], None]:
    def edit(m: Model) -> None:
        op = m.subgraphs[0].operators[node]
        if inputs is not None:
            op.inputs = op.inputs[:inputs]
        if outputs is not None:
            op.outputs = op.outputs[:outputs]
    return edit


def no_subgraphs(m: Model) -> None:
    m.subgraphs = []


def unwritten_output(m: Model) -> None:
    """An extra subgraph output that no operator writes (TFLM hands back arena bytes)."""
    sg = m.subgraphs[0]
    t = Tensor("orphan", (1, 8), sg.outputs[0].dtype)
    sg.tensors.append(t)
    sg.outputs.append(t)


def drop_producer(m: Model) -> None:
    """Remove the first operator: its output (the second op's input) is then written by nobody."""
    del m.subgraphs[0].operators[0]


def nothing(m: Model) -> None:
    pass


def _scales(name, *vals):
    return quant(name, scale=tuple(vals))


CASES: dict[str, tuple[str, Callable[[Model], None]]] = {}


def _add(name: str, base: str, edit: Callable[[Model], None]) -> None:
    assert name not in CASES, name
    CASES[name] = (base, edit)


for _b in BASES:
    _add(f"{_b}/valid", _b, nothing)

_BAD_SCALES = {"0": 0.0, "nan": math.nan, "inf": math.inf, "neg": -0.5}
for _b, _out in (("fc_int8", "y"), ("conv_int8", "y"), ("dw_int8", "y"), ("add_int8", "y"), ("mul_int8", "y"),
                 ("softmax_int8", "y"), ("logistic_int8", "y"), ("quantize_f2i", "y"), ("maxpool_int8", "y"),
                 ("avgpool_int8", "y")):
    for _k, _v in _BAD_SCALES.items():
        _add(f"{_b}/out_scale_{_k}", _b, _scales(_out, _v))
    _add(f"{_b}/out_quant_absent", _b, quant(_out, remove=True))
for _b, _in in (("fc_int8", "x"), ("conv_int8", "x"), ("add_int8", "x1"), ("dequantize_i2f", "x"),
                ("softmax_int8", "x")):
    for _k in ("0", "nan"):
        _add(f"{_b}/in_scale_{_k}", _b, _scales(_in, _BAD_SCALES[_k]))
    _add(f"{_b}/in_quant_absent", _b, quant(_in, remove=True))
for _b, _t_name in (("fc_int8", "y"), ("conv_int8", "y"), ("add_int8", "y"), ("quantize_f2i", "y"),
                    ("softmax_int8", "x"), ("dequantize_i2f", "x"), ("maxpool_int8", "y")):
    for _k, _zp in (("128", 128), ("m129", -129), ("i32max", I32_MAX), ("i32min", I32_MIN)):
        _add(f"{_b}/zp_{_t_name}_{_k}", _b, quant(_t_name, zero_point=(_zp,)))
# per-channel arrays and quantized dimension
_add("fc_int8/w_scales_short", "fc_int8", quant("w", scale=(0.01, 0.02, 0.03), zero_point=(0, 0, 0)))
_add("fc_int8/w_scales_long", "fc_int8", quant("w", scale=(0.01,) * 5, zero_point=(0,) * 5))
_add("conv_int8/w_scales_short", "conv_int8", quant("w", scale=(0.01, 0.02), zero_point=(0, 0)))
_add("conv_int8/w_scales_long", "conv_int8", quant("w", scale=(0.01,) * 4, zero_point=(0,) * 4))
_add("conv_int8/w_zp_short", "conv_int8", quant("w", zero_point=(0, 0)))
_add("conv_int8/w_zp_nonzero", "conv_int8", quant("w", zero_point=(1, 1, 1)))
_add("conv_int8/w_qdim_5", "conv_int8", quant("w", quantized_dimension=5))
_add("conv_int8/w_qdim_3", "conv_int8", quant("w", quantized_dimension=3))
_add("conv_int8/w_qdim_neg", "conv_int8", quant("w", quantized_dimension=-1))
_add("conv_int8/w_scale_0", "conv_int8", quant("w", scale=(0.01, 0.0, 0.03)))
_add("conv_int8/w_scale_neg", "conv_int8", quant("w", scale=(0.01, -0.02, 0.03)))
_add("conv_int8/w_quant_absent", "conv_int8", quant("w", remove=True))
_add("conv_int8/bias_scales_short", "conv_int8", quant("b", scale=(0.005,), zero_point=(0,)))
_add("dw_int8/w_scales_short", "dw_int8", quant("w", scale=(0.01, 0.02), zero_point=(0, 0)))
_add("dw_int8/w_qdim_0", "dw_int8", quant("w", quantized_dimension=0))
_add("dw_int8/w_qdim_7", "dw_int8", quant("w", quantized_dimension=7))
_add("fc_int8/w_qdim_3", "fc_int8", quant("w", quantized_dimension=3))
_add("fc_int8/w_quant_absent", "fc_int8", quant("w", remove=True))
_add("fc_int8/x_per_channel", "fc_int8", quant("x", scale=(0.5, 0.5), zero_point=(-1, -1)))
# options
_add("strided_slice/stride_0", "strided_slice", const_data("strides", [1, 0]))
_add("strided_slice/stride_neg", "strided_slice", const_data("strides", [1, -1]))
_add("strided_slice/strides_len_3", "strided_slice", const_data("strides", [1, 1, 1]))
_add("pad_float/negative", "pad_float", const_data("paddings", [[0, 0], [-1, 1], [1, 1], [0, 0]]))
_add("pad_float/wrong_rows", "pad_float", const_data("paddings", [[0, 0], [1, 1], [1, 1]]))
_add("dw_int8/depth_multiplier_0", "dw_int8", opt(depth_multiplier=0))
_add("dw_int8/depth_multiplier_3", "dw_int8", opt(depth_multiplier=3))
_add("dw_float/depth_multiplier_0", "dw_float", opt(depth_multiplier=0))
_add("dw_float/bias_omitted", "dw_float", lambda m: m.subgraphs[0].operators[0].inputs.__setitem__(2, None))
_add("dw_float/two_inputs", "dw_float", node_io(inputs=2))
_add("dw_int8/bias_omitted", "dw_int8", lambda m: m.subgraphs[0].operators[0].inputs.__setitem__(2, None))
for _b in ("fc_int8", "conv_int8", "add_int8", "conv_float", "fc_float"):
    _add(f"{_b}/activation_99", _b, opt(fused_activation_function=99))
    _add(f"{_b}/activation_tanh", _b, opt(fused_activation_function=4))
_add("conv_float/dilation_huge", "conv_float", opt(dilation_w_factor=1 << 20, dilation_h_factor=1 << 20))
_add("conv_float/dilation_0", "conv_float", opt(dilation_w_factor=0))
_add("conv_float/stride_huge", "conv_float", opt(stride_w=1 << 30, stride_h=1 << 30))
_add("conv_float/stride_0", "conv_float", opt(stride_w=0))
_add("conv_float/padding_7", "conv_float", opt(padding=7))
_add("dw_float/dilation_huge", "dw_float", opt(dilation_w_factor=1 << 20, dilation_h_factor=1 << 20))
_add("maxpool_int8/filter_0", "maxpool_int8", opt(filter_width=0))
_add("maxpool_int8/stride_0", "maxpool_int8", opt(stride_w=0))
_add("maxpool_int8/filter_huge", "maxpool_int8", opt(filter_width=1 << 30, filter_height=1 << 30))
_add("softmax_int8/beta_nan", "softmax_int8", opt(beta=math.nan))
_add("softmax_int8/beta_0", "softmax_int8", opt(beta=0.0))
# tensor counts
for _b in ("fc_int8", "conv_int8", "add_int8", "softmax_int8", "strided_slice", "pad_float", "two_relu",
           "maxpool_int8"):
    _add(f"{_b}/no_inputs", _b, node_io(inputs=0))
    _add(f"{_b}/no_outputs", _b, node_io(outputs=0))
_add("conv_int8/one_input", "conv_int8", node_io(inputs=1))
_add("fc_int8/one_input", "fc_int8", node_io(inputs=1))
_add("strided_slice/two_inputs", "strided_slice", node_io(inputs=2))
# dtypes and dims
_add("two_relu/dtype_42", "two_relu", dtype_code("h", 42))
_add("two_relu/dtype_unknown_in", "two_relu", dtype_code("x", 99))
_add("fc_int8/bias_dtype_42", "fc_int8", dtype_code("b", 42))
_add("two_relu/zero_dim_hidden", "two_relu", shape("h", (1, 0)))
_add("two_relu/zero_dim_input", "two_relu", shape("x", (0, 8)))
_add("two_relu/huge_dim_hidden", "two_relu", shape("h", (1, 1 << 30)))
_add("two_relu/huge_rank_hidden", "two_relu", shape("h", (1,) * 9))
_add("add_int8/huge_output", "add_int8", shape("y", (1 << 16, 1 << 16, 4, 2)))
_add("reshape_float/shape_mismatch", "reshape_float", shape("y", (7,)))
_add("fc_int8/out_shape_wrong", "fc_int8", shape("y", (1, 5)))
# graph structure
_add("two_relu/no_subgraphs", "two_relu", no_subgraphs)
_add("two_relu/unwritten_output", "two_relu", unwritten_output)
_add("two_relu/dropped_producer", "two_relu", drop_producer)


def build_case(name: str) -> bytes:
    base, edit = CASES[name]
    m = BASES[base]()
    edit(m)
    return m.to_bytes()


_WHEEL = r"""
import json, sys
from tflite_micro.python.tflite_micro import runtime
data = sys.stdin.buffer.read()
try:
    runtime.Interpreter.from_bytes(data, arena_size=16 << 20)
    print(json.dumps({"ok": True}))
except Exception as e:
    print(json.dumps({"ok": False, "why": str(e)[:300]}))
"""


_WHEEL_STREAM = r"""
import json, struct, sys
from tflite_micro.python.tflite_micro import runtime
inp = sys.stdin.buffer
while True:
    head = inp.read(4)
    if len(head) < 4:
        break
    data = inp.read(struct.unpack("<I", head)[0])
    try:
        runtime.Interpreter.from_bytes(data, arena_size=16 << 20)
        r = {"ok": True}
    except Exception as e:
        r = {"ok": False, "why": str(e)[:300]}
    sys.stdout.write(json.dumps(r) + "\n")
    sys.stdout.flush()
"""


def wheel_verdicts(blobs: list[bytes], timeout: float = 120) -> list[dict]:
    """``wheel_verdict`` for many models, one wheel process for a run of them: a model that crashes the
    process gets ``{"ok": False, "crash": rc}`` and the rest continue in a fresh process."""
    import struct

    out: list[dict] = []
    while len(out) < len(blobs):
        todo = blobs[len(out):]
        payload = b"".join(struct.pack("<I", len(b)) + b for b in todo)
        try:
            p = subprocess.run([sys.executable, "-c", _WHEEL_STREAM], input=payload, capture_output=True,
                               timeout=timeout)
            lines, rc = p.stdout.decode().splitlines(), p.returncode
        except subprocess.TimeoutExpired as e:
            lines, rc = (e.stdout or b"").decode().splitlines(), "timeout"
        done = [json.loads(x) for x in lines if x.startswith("{")]
        out.extend(done)
        if len(out) < len(blobs):  # the next model killed (or hung) the process
            out.append({"ok": False, "why": "the TFLM process died", "crash": rc})
    return out


def wheel_verdict(data: bytes, timeout: float = 60) -> dict:
    """The TFLM wheel's AllocateTensors verdict in a subprocess: {"ok": bool, "why": ..., "crash": rc}."""
    try:
        p = subprocess.run([sys.executable, "-c", _WHEEL], input=data, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"ok": False, "why": "timeout", "crash": "timeout"}
    if p.returncode != 0 or not p.stdout.strip():
        return {"ok": False, "why": p.stderr.decode(errors="replace")[-300:], "crash": p.returncode}
    return json.loads(p.stdout.decode().strip().splitlines()[-1])


# ranks the arena model and the kernels read (each must be refused before anything indexes them)
_add("conv_int8/filter_rank3", "conv_int8", shape("w", (3, 3, 6)))
_add("conv_int8/input_rank3", "conv_int8", shape("x", (5, 5, 2)))
_add("conv_int8/output_rank0", "conv_int8", shape("y", ()))
_add("dw_int8/filter_rank0", "dw_int8", shape("w", ()))
_add("dw_int8/filter_rank2", "dw_int8", shape("w", (9, 4)))
_add("fc_int8/filter_rank1", "fc_int8", shape("w", (32,)))
_add("fc_int8/filter_rank3", "fc_int8", shape("w", (4, 2, 4)))
_add("fc_int8/output_rank0", "fc_int8", shape("y", ()))
_add("fc_int8/input_rank0", "fc_int8", shape("x", ()))
_add("avgpool_int8/input_rank3", "avgpool_int8", shape("x", (4, 4, 2)))
_add("maxpool_int8/output_rank2", "maxpool_int8", shape("y", (4, 2)))
_add("softmax_int8/input_rank0", "softmax_int8", shape("x", ()))
