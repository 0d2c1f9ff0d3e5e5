"""Per-operator emitters of the C engine: one BoundNode (mcuml's prepared params) -> one :class:`Layer`.

The arithmetic constants come from mcuml's own prepare (``mcuml.compile``), which is bit-exact
with TFLM: per-channel multipliers/shifts (``kernels/quant.py``), folded biases, activation
ranges, 256-entry tables of the 8-bit element-wise formulas, SOFTMAX's exp table.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mcuml.cengine._emit import (
    CTYPE,
    ConstPool,
    Layer,
    NotSupported,
    c_float,
    pad6,
    row_strides,
    wrap32,
)
from mcuml.ir.dtypes import DType
from mcuml.ir.model import Tensor

Emitter = Callable[["object", object], Layer]
EMITTERS: dict[str, Emitter] = {}


def emitter(*names: str):
    def deco(fn):
        for n in names:
            EMITTERS[n] = fn
        return fn
    return deco


def _per_oc(a, oc: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(a, dtype=np.int64).reshape(-1), (oc,)) if np.size(a) == 1 else \
        np.asarray(a, dtype=np.int64).reshape(oc)


def _need(cond: bool, why: str) -> None:
    if not cond:
        raise NotSupported(why)


def _io(g, bn) -> tuple[list[int], list[int]]:
    ins = [i for i, t in zip(bn.inputs, bn.node.inputs) if i >= 0 and not t.is_constant]
    return ins, list(bn.outputs)


def _window_fields(win, batch: int, in_c: int, out_c: int) -> dict:
    return {"batch": batch, "in_h": win.in_h, "in_w": win.in_w, "in_c": in_c, "out_h": win.out_h, "out_w": win.out_w,
            "out_c": out_c, "k_h": win.k_h, "k_w": win.k_w, "stride_h": win.stride_h, "stride_w": win.stride_w,
            "dil_h": win.dil_h, "dil_w": win.dil_w, "pad_h": win.pad_h, "pad_w": win.pad_w}


def pack4(w: np.ndarray) -> np.ndarray:
    """(rows, K) int8 -> the kernels' 4-row block layout: per block of 4 rows, for every 4 inputs the 4 rows'
    4 bytes (16 bytes), then each row's K % 4 tail bytes; rows past the last full block stay as they are.
    Block b starts at byte 4bK, so row r's data always starts at r*K (mcuml_conv.c ``dot4p_s8``)."""
    w = np.ascontiguousarray(w, dtype=np.int8).reshape(w.shape[0], -1)
    rows, k = w.shape
    q = k - k % 4
    parts = []
    for b in range(rows // 4):
        blk = w[4 * b:4 * b + 4]
        parts.append(blk[:, :q].reshape(4, q // 4, 4).transpose(1, 0, 2).reshape(-1))
        parts.append(blk[:, q:].reshape(-1))
    parts.append(w[4 * (rows // 4):].reshape(-1))
    return np.concatenate(parts) if parts else w.reshape(-1)


def _requant_fields(pool: ConstPool, rq, oc: int) -> dict:
    _need(not rq.int64_acc and np.dtype(rq.out_dtype) == np.int8, "only int8 outputs (int8 x int8 -> int32)")
    return {"out_offset": rq.output_offset, "act_min": rq.act_min, "act_max": rq.act_max,
                "mult": pool.array(_per_oc(rq.output_multiplier, oc), "int32_t", "m"),
                "shift": pool.array(_per_oc(rq.output_shift, oc), "int32_t", "s")}


@emitter("CONV_2D", "DEPTHWISE_CONV_2D")
def conv(g, bn) -> Layer:
    node, p = bn.node, bn.params
    x, w, y = node.inputs[0], node.inputs[1], node.outputs[0]
    b = node.inputs[2] if len(node.inputs) > 2 else None
    dw = node.name == "DEPTHWISE_CONV_2D"
    _need(w.is_constant, "filter must be constant")
    _need(len(x.shape) == 4, "4-D input")
    if not dw:
        _need(p.groups == 1, "grouped convolution")
    oc = y.shape[3]
    fields = _window_fields(p.win, x.shape[0], x.shape[3], oc)
    fields["depth_mult"] = p.depth_multiplier if dw else 1
    ins, outs = _io(g, bn)
    wdata = w.data.reshape(w.shape[1], w.shape[2], oc) if dw else w.data
    kind = "dwconv" if dw else "conv"
    if x.dtype == DType.float32:
        fields.update(act_min=p.float_min, act_max=p.float_max, weights=g.pool.array(wdata, "float", "w"),
                      bias=g.pool.array(None if p.bias is None else p.bias, "float", "b"))
        ref = g.pool.struct("mcuml_conv_f32_t", fields)
        lay = Layer(node.name, bn.index, f"mcuml_{kind}_f32({ref}, (const float *){{i0}}, (float *){{o0}});", ins, outs,
                    meta={"kind": f"{kind}_f32", "ref": ref, "out_c": oc})
        _ring(lay, p.win, x, y, oc, f"mcuml_{kind}_f32_inplace({ref}, (float *){{o0}}, (float *){{s0}}", 4)
        return lay
    _need(x.dtype == DType.int8 and y.dtype == DType.int8, f"{x.dtype.name} activations")
    _need(w.dtype == DType.int8, f"{w.dtype.name} filter")
    raw = np.zeros(oc, np.int64) if b is None else b.data.reshape(-1).astype(np.int64)
    # 1x1 CONV_2D stays unpacked: the DSP pixel-pair kernel (mcuml_conv_dsp.c) beats the 4-row packed one on the
    # emulated Cortex-M4 (DS-CNN KWS 9.21 M -> 8.82 M instructions); FULLY_CONNECTED keeps pack4.
    packed = False
    if packed:
        wdata = pack4(w.data.reshape(oc, -1))
    fields.update(in_offset=-x.zero_point, weights=g.pool.array(wdata, "int8_t", "w"),
                  bias=g.pool.array(None if b is None else wrap32(raw), "int32_t", "b"),
                  fbias=g.pool.array(wrap32(p.bias), "int32_t", "fb"))
    fields.update(_requant_fields(g.pool, p.requant, oc))
    fields["packed"] = int(packed)
    ref = g.pool.struct("mcuml_conv_s8_t", fields)
    lay = Layer(node.name, bn.index, f"mcuml_{kind}_s8({ref}, (const int8_t *){{i0}}, (int8_t *){{o0}});", ins, outs,
                meta={"kind": f"{kind}_s8", "ref": ref, "out_c": oc})
    _ring(lay, p.win, x, y, oc, f"mcuml_{kind}_s8_inplace({ref}, (int8_t *){{o0}}, (int8_t *){{s0}}", 1)
    if g.pack:  # the Cortex-M layout: the DSP row kernels get their scratch in the arena
        need = dsp_scratch_bytes(fields, dw, False)
        lay.meta["dsp_add"] = 0 if dw else dsp_scratch_bytes(fields, dw, True)
        if need:
            lay.call, lay.scratch = dsp_use(0, need) + lay.call, need
            if lay.inplace_call:
                at = align4(lay.inplace_scratch)
                lay.inplace_call, lay.inplace_scratch = dsp_use(at, need) + lay.inplace_call, at + need
    return lay


def align4(n: int) -> int:
    return (n + 3) // 4 * 4


def dsp_use(at: int, nbytes: int) -> str:
    """The C statement handing a layer's DSP scratch ({s0} + at, nbytes) to mcuml_conv_dsp.c."""
    return f"mcuml_dsp_use((int8_t *){{s0}} + {at}, {nbytes}); "


def dsp_scratch_bytes(f: dict, dw: bool, add: bool) -> int:
    """Scratch bytes of mcuml_conv_dsp.c's kernel for an int8 conv layer (0: it does not qualify); the same
    formulas as the C (conv_need / mcuml_dw_row_dsp)."""
    if f["packed"] or f["dil_h"] != 1 or f["dil_w"] != 1 or (dw and f["depth_mult"] != 1):
        return 0
    kk = f["k_h"] * f["k_w"] * f["in_c"]
    if dw:
        return align4(kk)  # the window of a border pixel
    return 2 * align4(kk) + 16 * (kk // 4) + (2 * f["out_c"] if add else 0)


def _ring(lay: Layer, win, x: Tensor, y: Tensor, oc: int, call: str, esize: int) -> None:
    """Offer the in-place (row ring) variant when its ring is smaller than the buffer it saves."""
    if x.shape[0] != 1:
        return
    geo = (win.out_h, win.stride_h, win.pad_h, win.k_h, win.dil_h, win.in_h, win.in_w * x.shape[3], win.out_w * oc)
    rows, rev = min((ring_rows(*geo, False), 0), (ring_rows(*geo, True), 1))
    ring = rows * win.out_w * oc * esize
    if ring < min(x.nbytes, y.nbytes):
        lay.inplace_call = call + f", {rows}, {rev});"
        lay.inplace_scratch = ring


def ring_rows(out_h: int, stride_h: int, pad_h: int, k_h: int, dil_h: int, in_h: int, row_in: int, row_out: int,
              reverse: bool) -> int:
    """Rows of output the in-place schedule of ``inplace_rows`` (mcuml_conv.c) holds at most."""
    most = 1
    if not reverse:
        nxt = 0
        for oy in range(out_h):
            most = max(most, oy - nxt + 1)
            safe = max((oy + 1) * stride_h - pad_h, 0) * row_in
            while nxt <= oy and (oy + 1 == out_h or (nxt + 1) * row_out <= safe):
                nxt += 1
        return most
    nxt = out_h - 1
    for oy in range(out_h - 1, -1, -1):
        most = max(most, nxt - oy + 1)
        end = min((oy - 1) * stride_h - pad_h + (k_h - 1) * dil_h + 1, in_h)
        used = max(end, 0) * row_in
        while nxt >= oy and (oy == 0 or nxt * row_out >= used):
            nxt -= 1
    return most


@emitter("FULLY_CONNECTED")
def fully_connected(g, bn) -> Layer:
    node, p = bn.node, bn.params
    x, w, _y = node.inputs[0], node.inputs[1], node.outputs[0]
    _need(w.is_constant and p.weights is not None, "weights must be constant")
    ins, outs = _io(g, bn)
    rows = x.size // p.depth
    if x.dtype == DType.float32:
        ref = g.pool.struct("mcuml_fc_f32_t", {
            "rows": rows, "in_depth": p.depth, "out_depth": p.out_channels, "act_min": p.float_min, "act_max": p.float_max,
            "weights": g.pool.array(w.data, "float", "w"), "bias": g.pool.array(p.bias, "float", "b")})
        return Layer(node.name, bn.index, f"mcuml_fc_f32({ref}, (const float *){{i0}}, (float *){{o0}});", ins, outs)
    _need(x.dtype == DType.int8 and w.dtype == DType.int8, f"{x.dtype.name} x {w.dtype.name}")
    _need(p.filter_offset == 0, "weights with a zero point")
    rq = p.requant
    per_channel = np.size(rq.output_multiplier) > 1
    n = p.out_channels if per_channel else 1
    fields = {"rows": rows, "in_depth": p.depth, "out_depth": p.out_channels, "per_channel": int(per_channel),
                  "weights": g.pool.array(pack4(w.data) if g.pack else w.data, "int8_t", "w"),
              "fbias": g.pool.array(wrap32(p.bias), "int32_t", "fb"), "packed": int(g.pack)}
    fields.update(_requant_fields(g.pool, rq, n))
    ref = g.pool.struct("mcuml_fc_s8_t", fields)
    return Layer(node.name, bn.index, f"mcuml_fc_s8({ref}, (const int8_t *){{i0}}, (int8_t *){{o0}});", ins, outs)


@emitter("AVERAGE_POOL_2D", "MAX_POOL_2D")
def pool2d(g, bn) -> Layer:
    node, p = bn.node, bn.params
    x = node.inputs[0]
    win = p.win
    f = {"batch": x.shape[0], "in_h": win.in_h, "in_w": win.in_w, "ch": x.shape[3], "out_h": win.out_h, "out_w": win.out_w,
         "k_h": win.k_h, "k_w": win.k_w, "stride_h": win.stride_h, "stride_w": win.stride_w, "pad_h": win.pad_h,
         "pad_w": win.pad_w}
    kind = "avgpool" if node.name == "AVERAGE_POOL_2D" else "maxpool"
    ins, outs = _io(g, bn)
    if x.dtype == DType.float32:
        f.update(act_min=0, act_max=0, f_min=float(p.act_min), f_max=float(p.act_max))
        ref = g.pool.struct("mcuml_pool_t", f)
        return Layer(node.name, bn.index, f"mcuml_{kind}_f32({ref}, (const float *){{i0}}, (float *){{o0}});", ins, outs)
    _need(x.dtype == DType.int8, f"{x.dtype.name} pooling")
    f.update(act_min=int(p.act_min), act_max=int(p.act_max), f_min=0.0, f_max=0.0)
    ref = g.pool.struct("mcuml_pool_t", f)
    return Layer(node.name, bn.index, f"mcuml_{kind}_s8({ref}, (const int8_t *){{i0}}, (int8_t *){{o0}});", ins, outs)


@emitter("RESHAPE", "SQUEEZE", "EXPAND_DIMS")
def reshape(g, bn) -> Layer:
    x = bn.node.inputs[0]
    _need(not x.is_constant, "constant input")
    return Layer(bn.node.name, bn.index, "", [bn.inputs[0]], list(bn.outputs), alias=True)


@emitter("SOFTMAX")
def softmax(g, bn) -> Layer:
    node, p = bn.node, bn.params
    x = node.inputs[0]
    depth = x.shape[-1]
    rows = x.size // depth
    ins, outs = _io(g, bn)
    if p.kind == "float":
        return Layer(node.name, bn.index, f"mcuml_softmax_f32({rows}, {depth}, {c_float(p.beta)}, "
                     "(const float *){i0}, (float *){o0});", ins, outs)
    _need(p.kind == "int8", f"{p.kind} softmax")
    ref = g.pool.struct("mcuml_softmax_s8_t", {
        "rows": rows, "depth": depth, "out_bits": p.out_bits, "out_min": p.out_min, "out_max": p.out_max,
        "exp_table": g.pool.array(np.asarray(p.exp_table, np.int64), "int32_t", "exp")})
    return Layer(node.name, bn.index, f"mcuml_softmax_s8({ref}, (const int8_t *){{i0}}, (void *){{o0}});", ins, outs)


_QTYPE = {DType.int8: 0, DType.uint8: 1, DType.int16: 2, DType.int32: 3}
_LUT_KERNEL = {1: ("mcuml_lut_u8", "uint8_t"), 2: ("mcuml_lut_16", "int16_t"), 4: ("mcuml_lut_f32", "float")}


@emitter("LOGISTIC", "TANH", "HARD_SWISH", "LEAKY_RELU", "RELU", "RELU6", "RELU_N1_TO_1", "QUANTIZE", "DEQUANTIZE",
         "ABS", "NEG", "ELU", "PRELU_")
def unary(g, bn) -> Layer:
    """8-bit inputs: a 256-entry table of mcuml's exact formula; float32 ReLU family; float -> int8 QUANTIZE."""
    node, p = bn.node, bn.params
    x, y = node.inputs[0], node.outputs[0]
    ins, outs = _io(g, bn)
    n = x.size
    lut = getattr(p, "lut", None)
    if x.dtype in (DType.int8, DType.uint8) and lut is not None and len(lut) == 256:
        esize = y.dtype.itemsize
        _need(esize in _LUT_KERNEL, f"{y.dtype.name} output")
        fn, ct = _LUT_KERNEL[esize]
        table = np.asarray(lut)
        if ct == "uint8_t":
            table = table.astype(np.int64) & 0xFF
        sym = g.pool.array(table, ct, "lut")
        return Layer(node.name, bn.index, f"{fn}({sym}, (const uint8_t *){{i0}}, ({ct} *){{o0}}, {n});", ins, outs,
                     inplace=(0,) if esize == 1 else ())
    if node.name == "QUANTIZE" and x.dtype in _QTYPE and y.dtype in _QTYPE:
        from mcuml.kernels.quant import quantize_multiplier, type_range

        m, sh = quantize_multiplier(float(x.scale) / float(y.scale))
        qmin, qmax = type_range(y.dtype.numpy)
        ref = g.pool.struct("mcuml_requant_t", {"in_type": _QTYPE[x.dtype], "out_type": _QTYPE[y.dtype],
                                                "in_zp": x.zero_point, "out_zp": y.zero_point, "mult": m, "shift": sh,
                                                "qmin": qmin, "qmax": qmax})
        return Layer(node.name, bn.index, f"mcuml_requantize({ref}, {{i0}}, {{o0}}, {n});", ins, outs,
                     inplace=(0,) if x.dtype.itemsize == y.dtype.itemsize else ())
    if x.dtype == DType.float32 and node.name == "QUANTIZE" and y.dtype in (DType.int8, DType.uint8):
        fn = p.fn.args[0]  # AffineQuantizeParams
        ref = g.pool.struct("mcuml_quantize_t", {"scale": float(fn.scale), "zero_point": fn.zero_point,
                                                     "qmin": fn.qmin, "qmax": fn.qmax})
        return Layer(node.name, bn.index, f"mcuml_quantize_f32_s8({ref}, (const float *){{i0}}, (int8_t *){{o0}}, {n});",
                     ins, outs)
    if x.dtype == DType.float32 and node.name in ("RELU", "RELU6", "RELU_N1_TO_1"):
        lo, hi = {"RELU": (0.0, float("inf")), "RELU6": (0.0, 6.0), "RELU_N1_TO_1": (-1.0, 1.0)}[node.name]
        return Layer(node.name, bn.index, f"mcuml_relu_f32((const float *){{i0}}, (float *){{o0}}, {n}, "
                     f"{c_float(lo)}, {c_float(hi)});", ins, outs, inplace=(0,))
    if x.dtype == DType.float32 and y.dtype == DType.float32 and node.name in ("LOGISTIC", "TANH"):
        return Layer(node.name, bn.index, f"mcuml_{node.name.lower()}_f32((const float *){{i0}}, (float *){{o0}}, {n});",
                     ins, outs, inplace=(0,))
    raise NotSupported(f"{x.dtype.name} -> {y.dtype.name}")


@emitter("LOG_SOFTMAX")
def log_softmax(g, bn) -> Layer:
    x = bn.node.inputs[0]
    _need(x.dtype == DType.float32, f"{x.dtype.name} LOG_SOFTMAX")
    depth = x.shape[-1]
    ins, outs = _io(g, bn)
    return Layer(bn.node.name, bn.index, f"mcuml_log_softmax_f32({x.size // depth}, {depth}, (const float *){{i0}}, "
                 "(float *){o0});", ins, outs)


def _binary_fields(g, bn, x1: Tensor, x2: Tensor, y: Tensor) -> dict:
    s1, s2 = bn.params.shape1, bn.params.shape2
    out = tuple(y.shape)
    flat = tuple(s1) == out and tuple(s2) == out
    def strides(s):
        st = row_strides(s)
        return pad6([0 if d == 1 and o != 1 else v for d, o, v in zip(s, out, st)], 0)
    return {"n": y.size, "flat": int(flat), "dims": pad6(list(out), 1), "str1": strides(s1), "str2": strides(s2)}


@emitter("ADD", "SUB", "MUL")
def binary(g, bn) -> Layer:
    node, p = bn.node, bn.params
    x1, x2, y = node.inputs[0], node.inputs[1], node.outputs[0]
    f = _binary_fields(g, bn, x1, x2, y)
    srcs, ins = [], []
    for i, t in zip(bn.inputs, (x1, x2)):
        if t.is_constant:
            srcs.append(g.pool.array(t.data, CTYPE[t.dtype], "k"))
        else:
            srcs.append(f"{{i{len(ins)}}}")
            ins.append(i)
    outs = list(bn.outputs)
    tuple(k for k, t in enumerate((x1, x2)) if not t.is_constant and tuple(t.shape) == tuple(y.shape))
    name = node.name.lower()
    if y.dtype == DType.float32:
        lo, hi = p.fn.args[1], p.fn.args[2]
        f.update(f_min=float(lo), f_max=float(hi))
        ref = g.pool.struct("mcuml_binary_t", f)
        ip = tuple(j for j, i in enumerate(ins) if tuple(g.tensor(i).shape) == tuple(y.shape))
        meta = {"kind": "add_f32", "ref": ref} if name == "add" and f["flat"] and len(ins) == 2 else {}
        return Layer(node.name, bn.index, f"mcuml_{name}_f32({ref}, (const float *){srcs[0]}, (const float *){srcs[1]}, "
                     "(float *){o0});", ins, outs, inplace=ip, meta=meta)
    _need(y.dtype == DType.int8 or (y.dtype == DType.int16 and node.name != "MUL"), f"{y.dtype.name} {node.name}")
    q = p.fn.args[0]
    if node.name == "MUL":
        f.update(in1_offset=q.input1_offset, in2_offset=q.input2_offset, out_offset=q.output_offset,
                 out_mult=q.output_multiplier, out_shift=q.output_shift, act_min=q.output_activation_min,
                 act_max=q.output_activation_max)
        kern = "mcuml_mul_s8"
    else:
        f.update(left_shift=q.left_shift, in1_offset=q.input1_offset, in1_mult=q.input1_multiplier,
                 in1_shift=q.input1_shift, in2_offset=q.input2_offset, in2_mult=q.input2_multiplier,
                 in2_shift=q.input2_shift, out_offset=q.output_offset, out_mult=q.output_multiplier,
                 out_shift=q.output_shift, act_min=q.output_activation_min, act_max=q.output_activation_max,
                 sign=q.sign)
        kern = "mcuml_add_s8" if y.dtype == DType.int8 else "mcuml_add_s16"
    ref = g.pool.struct("mcuml_binary_t", f)
    if kern == "mcuml_add_s16":
        return Layer(node.name, bn.index, f"{kern}({ref}, (const int16_t *){srcs[0]}, (const int16_t *){srcs[1]}, "
                     "(int16_t *){o0});", ins, outs, inplace=tuple(j for j, i in enumerate(ins)
                                                                  if tuple(g.tensor(i).shape) == tuple(y.shape)))
    ip = tuple(j for j, i in enumerate(ins) if tuple(g.tensor(i).shape) == tuple(y.shape))
    meta = {"kind": "add_s8", "ref": ref} if kern == "mcuml_add_s8" and f["flat"] and len(ins) == 2 else {}
    return Layer(node.name, bn.index, f"{kern}({ref}, (const int8_t *){srcs[0]}, (const int8_t *){srcs[1]}, "
                 "(int8_t *){o0});", ins, outs, inplace=ip, meta=meta)


@emitter("TRANSPOSE_CONV")
def transpose_conv(g, bn) -> Layer:
    node, p = bn.node, bn.params
    w, x, y = node.inputs[1], node.inputs[2], node.outputs[0]
    b = node.inputs[3] if len(node.inputs) > 3 else None
    n, in_h, in_w, ic = p.in_shape
    oc = y.shape[3]
    f = {"batch": n, "in_h": in_h, "in_w": in_w, "in_c": ic, "out_h": y.shape[1], "out_w": y.shape[2], "out_c": oc,
         "k_h": p.k_h, "k_w": p.k_w, "stride_h": p.stride_h, "stride_w": p.stride_w, "pad_h": p.pad_h,
         "pad_w": p.pad_w}
    ins = [bn.inputs[2]]
    if x.dtype == DType.float32:
        f.update(in_offset=0, out_offset=0, act_min=0, act_max=0, f_min=p.float_min, f_max=p.float_max,
                 weights=g.pool.array(w.data, "float", "w"), bias=g.pool.array(p.bias, "float", "b"),
                 mult="NULL", shift="NULL")
        ref = g.pool.struct("mcuml_tconv_t", f)
        return Layer(node.name, bn.index, f"mcuml_tconv_f32({ref}, (const float *){{i0}}, (float *){{o0}});", ins,
                     list(bn.outputs))
    _need(x.dtype == DType.int8 and y.dtype == DType.int8, f"{x.dtype.name} TRANSPOSE_CONV")
    f.update(in_offset=p.input_offset, f_min=0.0, f_max=0.0, weights=g.pool.array(w.data, "int8_t", "w"),
             bias=g.pool.array(None if b is None else wrap32(b.data.reshape(-1)), "int32_t", "b"))
    f.update(_requant_fields(g.pool, p.requant, oc))
    f["out_offset"] = p.requant.output_offset
    ref = g.pool.struct("mcuml_tconv_t", f)
    return Layer(node.name, bn.index, f"mcuml_tconv_s8({ref}, (const int8_t *){{i0}}, (int8_t *){{o0}}, "
                 "(int32_t *){s0});", ins, list(bn.outputs), scratch=4 * y.size)


@emitter("BATCH_MATMUL")
def batch_matmul(g, bn) -> Layer:
    node, p = bn.node, bn.params
    lhs, rhs, y = node.inputs[0], node.inputs[1], node.outputs[0]
    ls, rs = p.lhs_shape, p.rhs_shape
    nb = len(ls) - 2
    _need(nb <= 4, "more than 4 batch dims")
    lst, rst = row_strides(ls), row_strides(rs)
    bd = [max(a, b) for a, b in zip(ls[:-2], rs[:-2])]
    f = {"n_batch": int(np.prod(bd, dtype=np.int64)) if bd else 1, "bdims": [1] * (4 - nb) + bd,
         "lstr": [0] * (4 - nb) + [s if d != 1 else 0 for d, s in zip(ls[:-2], lst[:-2])],
         "rstr": [0] * (4 - nb) + [s if d != 1 else 0 for d, s in zip(rs[:-2], rst[:-2])],
         "rows": y.shape[-2], "cols": y.shape[-1], "depth": ls[-2] if p.adj_x else ls[-1],
         "l_rs": 1 if p.adj_x else ls[-1], "l_ks": ls[-1] if p.adj_x else 1,
         "r_ks": 1 if p.adj_y else rs[-1], "r_cs": rs[-1] if p.adj_y else 1}
    ct = "float" if y.dtype == DType.float32 else "int8_t"
    if ct == "float":
        f.update(lhs_offset=0, rhs_offset=0, out_offset=0, mult=0, shift=0, act_min=0, act_max=0)
    else:
        _need(y.dtype == DType.int8 and not p.requant.int64_acc, f"{y.dtype.name} BATCH_MATMUL")
        rq = p.requant
        f.update(lhs_offset=-p.lhs_zp, rhs_offset=-p.rhs_zp, out_offset=rq.output_offset,
                 mult=int(np.asarray(rq.output_multiplier).reshape(-1)[0]),
                 shift=int(np.asarray(rq.output_shift).reshape(-1)[0]), act_min=rq.act_min, act_max=rq.act_max)
    ref = g.pool.struct("mcuml_bmm_t", f)
    srcs, ins = [], []
    for i, t in zip(bn.inputs, (lhs, rhs)):
        if t.is_constant:
            srcs.append(g.pool.array(t.data, ct, "k"))
        else:
            srcs.append(f"{{i{len(ins)}}}")
            ins.append(i)
    kern = "mcuml_bmm_f32" if ct == "float" else "mcuml_bmm_s8"
    return Layer(node.name, bn.index, f"{kern}({ref}, (const {ct} *){srcs[0]}, (const {ct} *){srcs[1]}, ({ct} *){{o0}});",
                 ins, list(bn.outputs))
