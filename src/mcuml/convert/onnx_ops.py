"""One lowering per supported ONNX op: ONNX node -> TFLite ops on NHWC tensors (see onnx_lower).

Padding: ONNX pads that equal TFLite's SAME split (extra on the bottom/right) become ``SAME``, zero
pads ``VALID``; anything else becomes an explicit PAD (PADV2 with the lowest value before max
pooling) followed by a VALID op, as TF's converter does for PyTorch-style stride-2 convolutions.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from mcuml.convert.onnx_graph import BIAS, INT, PADVAL, WEIGHT
from mcuml.convert.onnx_lower import AXIS_NHWC, Lowering, Value

SAME, VALID = 0, 1
LOWEST = float(np.finfo(np.float32).min)


def _spatial(L: Lowering, n: Any, x: Value, k: tuple[int, int]) -> tuple[tuple[int, int], tuple[int, int],
                                                                         tuple[int, int, int, int]]:
    """(strides, dilations, pads top/left/bottom/right) of a 2-D conv/pool node."""
    if len(x.shape) != 4:
        raise L.fail(f"only 2-D (NCHW) inputs are supported, got shape {x.shape}")
    s = tuple(int(v) for v in n.attrs.get("strides", (1, 1)))
    d = tuple(int(v) for v in n.attrs.get("dilations", (1, 1)))
    auto = n.attrs.get("auto_pad", "NOTSET")
    hw = x.shape[2:]
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        pads = []
        for i in range(2):
            out = -(-hw[i] // s[i])
            total = max((out - 1) * s[i] + (k[i] - 1) * d[i] + 1 - hw[i], 0)
            small = total // 2
            pads.append((small, total - small) if auto == "SAME_UPPER" else (total - small, small))
        p = (pads[0][0], pads[1][0], pads[0][1], pads[1][1])
    elif auto == "VALID":
        p = (0, 0, 0, 0)
    else:
        p = tuple(int(v) for v in n.attrs.get("pads", (0, 0, 0, 0)))  # type: ignore[assignment]
    return s, d, p  # type: ignore[return-value]


def _padding(L: Lowering, x: Value, k: tuple[int, int], s: tuple[int, int], d: tuple[int, int],
             p: tuple[int, int, int, int], out_hw: tuple[int, int], pad_value: float = 0.0) -> tuple[int, Value]:
    """TFLite padding mode, and the input (explicitly padded when the ONNX pads are not SAME/VALID)."""
    hw = x.shape[2:]
    eff = [(k[i] - 1) * d[i] + 1 for i in range(2)]
    if p == (0, 0, 0, 0) and all((hw[i] - eff[i]) // s[i] + 1 == out_hw[i] for i in range(2)):
        return VALID, x
    same = []
    for i in range(2):
        out = -(-hw[i] // s[i])
        total = max((out - 1) * s[i] + eff[i] - hw[i], 0)
        same.append((out, total // 2, total - total // 2))
    if all(same[i][0] == out_hw[i] for i in range(2)) and \
            (p[0], p[2], p[1], p[3]) == (same[0][1], same[0][2], same[1][1], same[1][2]):
        return SAME, x
    # explicit padding; extend the end so that VALID gives ONNX's output size (ceil_mode)
    ends = [max(p[2 + i], (out_hw[i] - 1) * s[i] + eff[i] - hw[i] - p[i]) for i in range(2)]
    pads = np.array([[0, 0], [p[0], ends[0]], [p[1], ends[1]], [0, 0]])
    shape = (x.shape[0], x.shape[1], hw[0] + p[0] + ends[0], hw[1] + p[1] + ends[1])
    v = L.out(f"{x.tname}/pad", shape)
    if pad_value == 0.0:
        L.emit("PAD", [x.tname, L.const(f"{v.tname}/paddings", pads, INT)], [v.tname], "PadOptions")
    else:
        L.emit("PADV2", [x.tname, L.const(f"{v.tname}/paddings", pads, INT),
                         L.const(f"{v.tname}/value", np.array([pad_value]), PADVAL)], [v.tname], "PadV2Options")
    return VALID, v


def conv(L: Lowering, n: Any) -> None:
    """Conv -> CONV_2D (group 1) or DEPTHWISE_CONV_2D (one input channel per group)."""
    x = L.value(n.inputs[0])
    w = L.constant(n.inputs[1])
    if w is None:
        raise L.fail("the weights must be constant")
    if w.ndim != 4:
        raise L.fail(f"only 2-D convolutions are supported (weights {w.shape})")
    oc, icg, kh, kw = w.shape
    s, d, p = _spatial(L, n, x, (kh, kw))
    out_shape = L.shape(n.outputs[0])
    padding, x = _padding(L, x, (kh, kw), s, d, p, out_shape[2:])
    b = L.constant(n.inputs[2]) if len(n.inputs) > 2 else None
    bias = L.const(f"{n.outputs[0]}/bias", np.zeros(oc) if b is None else b, BIAS)
    group = int(n.attrs.get("group", 1))
    y = L.out(n.outputs[0])
    common = dict(padding=padding, stride_w=s[1], stride_h=s[0], fused_activation_function=0,
                  dilation_w_factor=d[1], dilation_h_factor=d[0])
    if group == 1:
        filt = L.const(f"{n.outputs[0]}/weights", w.transpose(0, 2, 3, 1), WEIGHT, qdim=0)
        L.emit("CONV_2D", [x.tname, filt, bias], [y.tname], "Conv2DOptions", **common)
    elif group == x.shape[1] and icg == 1:
        filt = L.const(f"{n.outputs[0]}/weights", w.transpose(1, 2, 3, 0), WEIGHT, qdim=3)
        L.emit("DEPTHWISE_CONV_2D", [x.tname, filt, bias], [y.tname], "DepthwiseConv2DOptions",
               depth_multiplier=oc // group, **common)
    else:
        raise L.fail(f"grouped convolution (group={group}) is not supported; only group=1 and depthwise")


def conv_transpose(L: Lowering, n: Any) -> None:
    """ConvTranspose -> TRANSPOSE_CONV (then SLICE where ONNX pads the output)."""
    x = L.value(n.inputs[0])
    w = L.constant(n.inputs[1])
    if w is None or w.ndim != 4:
        raise L.fail("the weights must be constant and 4-D")
    if int(n.attrs.get("group", 1)) != 1:
        raise L.fail("grouped ConvTranspose is not supported")
    if any(int(v) != 1 for v in n.attrs.get("dilations", (1, 1))):
        raise L.fail("dilated ConvTranspose is not supported")
    ic, oc, kh, kw = w.shape
    s = tuple(int(v) for v in n.attrs.get("strides", (1, 1)))
    p = tuple(int(v) for v in n.attrs.get("pads", (0, 0, 0, 0)))
    out_shape = L.shape(n.outputs[0])
    hw = x.shape[2:]
    oh, ow = out_shape[2:]
    b = L.constant(n.inputs[2]) if len(n.inputs) > 2 else None
    filt = L.const(f"{n.outputs[0]}/weights", w.transpose(1, 2, 3, 0), WEIGHT, qdim=0)
    bias = L.const(f"{n.outputs[0]}/bias", np.zeros(oc) if b is None else b, BIAS)
    # TFLite SAME: output in*stride, top/left pad ((in-1)*s + k - out) // 2
    same_top = [((hw[0] - 1) * s[0] + kh - oh) // 2, ((hw[1] - 1) * s[1] + kw - ow) // 2]
    if n.attrs.get("auto_pad", "NOTSET") == "NOTSET" and (oh, ow) == (hw[0] * s[0], hw[1] * s[1]) \
            and (p[0], p[1]) == tuple(same_top):
        y = L.out(n.outputs[0])
        L.emit("TRANSPOSE_CONV", [L.const(f"{n.outputs[0]}/output_shape", np.array(L.stored(y)), INT), filt,
                                  x.tname, bias], [y.tname], "TransposeConvOptions", padding=SAME,
               stride_w=s[1], stride_h=s[0], fused_activation_function=0)
        return
    full = ((hw[0] - 1) * s[0] + kh, (hw[1] - 1) * s[1] + kw)
    if p[0] + oh > full[0] or p[1] + ow > full[1]:
        raise L.fail(f"ConvTranspose pads {p} / output size {out_shape} cannot be expressed")
    mid = L.out(f"{n.outputs[0]}/full", (1, oc, *full))
    L.emit("TRANSPOSE_CONV", [L.const(f"{n.outputs[0]}/output_shape", np.array(L.stored(mid)), INT), filt,
                              x.tname, bias], [mid.tname], "TransposeConvOptions", padding=VALID,
           stride_w=s[1], stride_h=s[0], fused_activation_function=0)
    y = L.out(n.outputs[0])
    L.emit("SLICE", [mid.tname, L.const(f"{y.tname}/begin", np.array([0, p[0], p[1], 0]), INT),
                     L.const(f"{y.tname}/size", np.array(L.stored(y)), INT)], [y.tname], "SliceOptions")


def _fc(L: Lowering, n: Any, x: Value, w_out_in: np.ndarray, bias: np.ndarray | None, out_name: str) -> None:
    if x.perm is not None:
        w_out_in = w_out_in[:, x.perm]
    if len(x.shape) < 2 or x.nhwc:
        raise L.fail(f"fully connected input of shape {x.shape} is not supported")
    out_shape = L.shape(out_name)
    keep = len(out_shape) > 2
    wt = L.const(f"{out_name}/weights", w_out_in, WEIGHT, qdim=0)
    bt = L.const(f"{out_name}/bias", np.zeros(w_out_in.shape[0]) if bias is None else bias, BIAS)
    y = L.out(out_name, out_shape, plain=True)
    L.emit("FULLY_CONNECTED", [x.tname, wt, bt], [y.tname], "FullyConnectedOptions", fused_activation_function=0,
           weights_format=0, keep_num_dims=keep, asymmetric_quantize_inputs=False)


def gemm(L: Lowering, n: Any) -> None:
    """Gemm with constant weights -> FULLY_CONNECTED."""
    x = L.value(n.inputs[0])
    b = L.constant(n.inputs[1])
    if b is None:
        raise L.fail("the B input must be constant (weights)")
    if n.attrs.get("transA", 0):
        raise L.fail("transA=1 is not supported")
    w = (b if n.attrs.get("transB", 0) else b.T) * float(n.attrs.get("alpha", 1.0))
    c = L.constant(n.inputs[2]) if len(n.inputs) > 2 and n.inputs[2] else None
    if len(n.inputs) > 2 and n.inputs[2] and c is None:
        raise L.fail("the C input must be constant (bias)")
    bias = None
    if c is not None:
        if c.size not in (1, w.shape[0]):
            raise L.fail(f"bias of shape {c.shape} is not per output")
        bias = np.broadcast_to(c.ravel(), (w.shape[0],)) * float(n.attrs.get("beta", 1.0))
    _fc(L, n, x, w, bias, n.outputs[0])


def matmul(L: Lowering, n: Any) -> None:
    """MatMul by a constant 2-D matrix -> FULLY_CONNECTED."""
    x = L.value(n.inputs[0])
    b = L.constant(n.inputs[1])
    if b is None or b.ndim != 2:
        raise L.fail("only MatMul with constant 2-D weights is supported")
    out_name, bias = n.outputs[0], None
    users = L.g.consumers(out_name)
    if len(users) == 1 and users[0].op == "Add" and out_name not in L.g.outputs:
        other = [i for i in users[0].inputs if i != out_name]
        c = L.constant(other[0]) if other else None
        if c is not None and c.size == b.shape[1] and c.shape[-1] == b.shape[1]:
            bias, out_name = c.ravel(), users[0].outputs[0]
            L.skip.add(id(users[0]))
    _fc(L, n, x, b.T, bias, out_name)


def binary(op: str) -> Callable[[Lowering, Any], None]:
    """The lowering of an element-wise ONNX binary op to TFLite's ``op``."""
    def run(L: Lowering, n: Any) -> None:
        a_c, b_c = L.constant(n.inputs[0]), L.constant(n.inputs[1])
        tf_op = op
        if op == "DIV":
            if b_c is None:
                raise L.fail("division by a non-constant is not supported")
            tf_op, b_c = "MUL", 1.0 / b_c.astype(np.float64)
        if a_c is None and b_c is None:
            a, b = L.value(n.inputs[0]), L.value(n.inputs[1])
            if a.nhwc != b.nhwc or a.perm is not None or b.perm is not None:
                a, b = L.to_logical(a), L.to_logical(b)
                if a.nhwc != b.nhwc and len(a.shape) == 4 and len(b.shape) == 4:
                    raise L.fail("mixed layouts")
            ins, like = [a.tname, b.tname], a
        else:
            like = L.value(n.inputs[1] if a_c is not None else n.inputs[0])
            c = L.const(f"{n.outputs[0]}/const", L.channel_const(a_c if a_c is not None else b_c, like))
            ins = [c, like.tname] if a_c is not None else [like.tname, c]
        out_shape = L.shape(n.outputs[0])
        y = L.out(n.outputs[0], out_shape, perm=like.perm if len(out_shape) == 2 else None)
        L.emit(tf_op, ins, [y.tname], f"{tf_op.capitalize()}Options", fused_activation_function=0)

    return run


def unary(op: str, kind: str | None = None, **opts: Any) -> Callable[[Lowering, Any], None]:
    """The lowering of a one-input ONNX op to TFLite's ``op`` (options may be functions of the node)."""
    def run(L: Lowering, n: Any) -> None:
        x = L.value(n.inputs[0])
        y = L.out(n.outputs[0], x.shape, perm=x.perm)
        extra = {k: (v(n) if callable(v) else v) for k, v in opts.items()}
        L.emit(op, [x.tname], [y.tname], kind, **extra)

    return run


def clip(L: Lowering, n: Any) -> None:
    """Clip -> RELU/RELU6/RELU_N1_TO_1 where the bounds match, else MINIMUM/MAXIMUM."""
    lo = n.attrs.get("min", None)
    hi = n.attrs.get("max", None)
    if len(n.inputs) > 1 and n.inputs[1]:
        lo = L.constant(n.inputs[1])
    if len(n.inputs) > 2 and n.inputs[2]:
        hi = L.constant(n.inputs[2])
    lo = -np.inf if lo is None else float(np.asarray(lo))
    hi = np.inf if hi is None else float(np.asarray(hi))
    named = {(0.0, 6.0): "RELU6", (0.0, np.inf): "RELU", (-1.0, 1.0): "RELU_N1_TO_1"}
    if (lo, hi) in named:
        return unary(named[(lo, hi)])(L, n)
    x = L.value(n.inputs[0])
    cur = x
    for op, bound in (("MAXIMUM", lo), ("MINIMUM", hi)):
        if np.isinf(bound):
            continue
        last = (op == "MINIMUM") or np.isinf(hi)
        y = L.out(n.outputs[0], x.shape, perm=x.perm) if last else L.out(f"{n.outputs[0]}/lo", x.shape, perm=x.perm)
        L.emit(op, [cur.tname, L.const(f"{y.tname}/bound", np.array([bound]))], [y.tname])
        cur = y


def hard_sigmoid(L: Lowering, n: Any) -> None:
    """max(0, min(1, a*x + b)) == RELU6(6a*x + 6b) / 6: MUL, ADD with fused RELU6, MUL."""
    a, b = float(n.attrs.get("alpha", 0.2)), float(n.attrs.get("beta", 0.5))
    x = L.value(n.inputs[0])
    t1 = L.out(f"{n.outputs[0]}/scaled", x.shape, perm=x.perm)
    L.emit("MUL", [x.tname, L.const(f"{t1.tname}/c", np.array([6 * a]))], [t1.tname], "MulOptions",
           fused_activation_function=0)
    t2 = L.out(f"{n.outputs[0]}/relu6", x.shape, perm=x.perm)
    L.emit("ADD", [t1.tname, L.const(f"{t2.tname}/c", np.array([6 * b]))], [t2.tname], "AddOptions",
           fused_activation_function=3)
    y = L.out(n.outputs[0], x.shape, perm=x.perm)
    L.emit("MUL", [t2.tname, L.const(f"{y.tname}/c", np.array([1 / 6]))], [y.tname], "MulOptions",
           fused_activation_function=0)


def pool(op: str) -> Callable[[Lowering, Any], None]:
    """The lowering of MaxPool/AveragePool to TFLite's ``op``."""
    def run(L: Lowering, n: Any) -> None:
        x = L.value(n.inputs[0])
        k = tuple(int(v) for v in n.attrs["kernel_shape"])
        s, d, p = _spatial(L, n, x, k)  # type: ignore[arg-type]
        if d != (1, 1):
            raise L.fail("dilated pooling is not supported")
        out_shape = L.shape(n.outputs[0])
        if op == "AVERAGE_POOL_2D":
            include = int(n.attrs.get("count_include_pad", 0))
            if n.attrs.get("ceil_mode", 0) and any(
                    (x.shape[2 + i] + p[i] + p[2 + i] - k[i]) // s[i] + 1 != out_shape[2 + i] for i in range(2)):
                raise L.fail("ceil_mode average pooling is not supported")
            if include and p != (0, 0, 0, 0):
                padding, x = _padding(L, x, k, s, (1, 1), p, (-1, -1))  # force an explicit zero PAD
            else:
                padding, x = _padding(L, x, k, s, (1, 1), p, out_shape[2:])
                if padding == VALID and p != (0, 0, 0, 0):
                    raise L.fail(f"average pooling with pads {p} that exclude padding is not expressible")
        else:
            padding, x = _padding(L, x, k, s, (1, 1), p, out_shape[2:], pad_value=LOWEST)
        y = L.out(n.outputs[0])
        L.emit(op, [x.tname], [y.tname], "Pool2DOptions", padding=padding, stride_w=s[1], stride_h=s[0],
               filter_width=k[1], filter_height=k[0], fused_activation_function=0)

    return run


def _axes_of(L: Lowering, n: Any, x: Value, default_all: bool = True) -> list[int]:
    axes = n.attrs.get("axes")
    if axes is None and len(n.inputs) > 1 and n.inputs[1]:
        axes = L.constant(n.inputs[1])
        if axes is None:
            raise L.fail("axes must be constant")
    if axes is None:
        return list(range(len(x.shape))) if default_all else []
    return [int(a) % len(x.shape) for a in np.asarray(axes).ravel()]


def _mean(L: Lowering, n: Any, x: Value, axes: list[int], keep: bool) -> None:
    if x.perm is not None:
        x = L.to_logical(x)
    stored_axes = sorted(AXIS_NHWC[a] for a in axes) if x.nhwc else sorted(axes)
    out_shape = L.shape(n.outputs[0])
    if x.nhwc and not keep:
        kept = [x.shape[a] for a in (0, 2, 3, 1) if a not in axes]
        if [d for d in kept if d != 1] != [d for d in out_shape if d != 1] or len(out_shape) == 4:
            x = L.to_logical(x)
            x = Value(x.tname, x.shape, False)
            stored_axes = sorted(axes)
    y = L.out(n.outputs[0], out_shape)
    L.emit("MEAN", [x.tname, L.const(f"{y.tname}/axes", np.array(stored_axes), INT)], [y.tname], "ReducerOptions",
           keep_dims=bool(keep))


def global_avg_pool(L: Lowering, n: Any) -> None:
    """GlobalAveragePool -> MEAN over the spatial axes."""
    x = L.value(n.inputs[0])
    _mean(L, n, x, [2, 3] if len(x.shape) == 4 else list(range(2, len(x.shape))), True)


def reduce_mean(L: Lowering, n: Any) -> None:
    """ReduceMean -> MEAN."""
    x = L.value(n.inputs[0])
    _mean(L, n, x, _axes_of(L, n, x), bool(n.attrs.get("keepdims", 1)))


def reshape_like(L: Lowering, n: Any) -> None:
    """Reshape / Flatten / Squeeze / Unsqueeze: one RESHAPE to the inferred output shape."""
    x = L.value(n.inputs[0])
    L.reshape(x, n.outputs[0], L.shape(n.outputs[0]))


def concat(L: Lowering, n: Any) -> None:
    """Concat -> CONCATENATION on the stored axis."""
    xs = [L.value(i) for i in n.inputs if i]
    axis = int(n.attrs["axis"]) % len(xs[0].shape)
    if any(v.perm is not None for v in xs) or len({v.nhwc for v in xs}) > 1:
        xs = [L.to_logical(v) for v in xs]
    stored_axis = AXIS_NHWC[axis] if xs[0].nhwc else axis
    y = L.out(n.outputs[0])
    if not xs[0].nhwc and y.nhwc:
        raise L.fail("mixed layouts in Concat")
    L.emit("CONCATENATION", [v.tname for v in xs], [y.tname], "ConcatenationOptions", axis=stored_axis,
           fused_activation_function=0)


def pad(L: Lowering, n: Any) -> None:
    """Pad -> PAD, PADV2 (non-zero constant) or MIRROR_PAD (reflect)."""
    x = L.value(n.inputs[0])
    if x.perm is not None:
        x = L.to_logical(x)
    mode = n.attrs.get("mode", "constant")
    pads = n.attrs.get("pads")
    if pads is None:
        pads = L.constant(n.inputs[1])
        if pads is None:
            raise L.fail("pads must be constant")
    pads = np.asarray(pads, np.int64).ravel()
    r = len(x.shape)
    if len(n.inputs) > 3 and n.inputs[3]:
        raise L.fail("Pad with axes is not supported")
    table = np.stack([pads[:r], pads[r:]], axis=1)
    if x.nhwc:
        table = table[list((0, 2, 3, 1))]
    value = n.attrs.get("value", 0.0)
    if len(n.inputs) > 2 and n.inputs[2]:
        cv = L.constant(n.inputs[2])
        value = 0.0 if cv is None or cv.size == 0 else float(np.asarray(cv).ravel()[0])
    y = L.out(n.outputs[0])
    paddings = L.const(f"{y.tname}/paddings", table, INT)
    if mode == "reflect":
        L.emit("MIRROR_PAD", [x.tname, paddings], [y.tname], "MirrorPadOptions", mode=0)
    elif mode != "constant":
        raise L.fail(f"Pad mode {mode!r} is not supported")
    elif value == 0.0:
        L.emit("PAD", [x.tname, paddings], [y.tname], "PadOptions")
    else:
        L.emit("PADV2", [x.tname, paddings, L.const(f"{y.tname}/value", np.array([value]), PADVAL)], [y.tname],
               "PadV2Options")


def softmax(L: Lowering, n: Any) -> None:
    """Softmax over the channel axis -> SOFTMAX."""
    x = L.value(n.inputs[0])
    if x.perm is not None:
        x = L.to_logical(x)
    r = len(x.shape)
    axis = int(n.attrs.get("axis", -1 if L.g.opset >= 13 else 1)) % r
    last_stored = (x.nhwc and axis == 1) or (not x.nhwc and axis == r - 1)
    if not last_stored:
        raise L.fail(f"Softmax over axis {axis} of a rank-{r} tensor is not supported (only the channel axis)")
    y = L.out(n.outputs[0], x.shape)
    L.emit("SOFTMAX", [x.tname], [y.tname], "SoftmaxOptions", beta=1.0)


def resize(L: Lowering, n: Any) -> None:
    """Nearest-neighbour Resize of H and W -> RESIZE_NEAREST_NEIGHBOR."""
    x = L.value(n.inputs[0])
    if n.attrs.get("mode", "nearest") != "nearest" or not x.nhwc:
        raise L.fail("only nearest-neighbour Resize of NCHW images is supported")
    ctm = n.attrs.get("coordinate_transformation_mode", "half_pixel")
    nm = n.attrs.get("nearest_mode", "round_prefer_floor")
    out_shape = L.shape(n.outputs[0])
    if out_shape[:2] != x.shape[:2]:
        raise L.fail("Resize may only scale H and W")
    if ctm == "asymmetric" and nm == "floor":
        half = False
    elif ctm == "tf_half_pixel_for_nn" or (ctm == "half_pixel" and all(
            out_shape[i] % x.shape[i] == 0 and (out_shape[i] // x.shape[i]) % 2 == 0 for i in (2, 3))):
        half = True
    else:
        raise L.fail(f"Resize coordinate_transformation_mode={ctm!r} nearest_mode={nm!r} is not supported "
                     "(use asymmetric/floor, PyTorch's default for nearest)")
    y = L.out(n.outputs[0])
    L.emit("RESIZE_NEAREST_NEIGHBOR", [x.tname, L.const(f"{y.tname}/size", np.array(out_shape[2:]), INT)],
           [y.tname], "ResizeNearestNeighborOptions", align_corners=False, half_pixel_centers=half)


def batchnorm(L: Lowering, n: Any) -> None:
    """A BatchNormalization that could not be folded: per-channel MUL then ADD."""
    x = L.value(n.inputs[0])
    prm = [L.constant(i) for i in n.inputs[1:5]]
    if any(p is None for p in prm):
        raise L.fail("BatchNormalization parameters must be constant")
    gamma, beta, mean, var = (p.astype(np.float64) for p in prm)  # type: ignore[union-attr]
    k = gamma / np.sqrt(var + float(n.attrs.get("epsilon", 1e-5)))
    shift = beta - mean * k
    tail = (1,) * (len(x.shape) - 2)
    t = L.out(f"{n.outputs[0]}/scaled", x.shape, perm=x.perm)
    L.emit("MUL", [x.tname, L.const(f"{t.tname}/k", L.channel_const(k.reshape(-1, *tail), x))], [t.tname],
           "MulOptions", fused_activation_function=0)
    y = L.out(n.outputs[0], x.shape, perm=x.perm)
    L.emit("ADD", [t.tname, L.const(f"{y.tname}/b", L.channel_const(shift.reshape(-1, *tail), x))], [y.tname],
           "AddOptions", fused_activation_function=0)


def identity(L: Lowering, n: Any) -> None:
    """Identity/Dropout: the output is the input value."""
    L.values[n.outputs[0]] = L.value(n.inputs[0])


LOWERINGS: dict[str, Callable[[Lowering, Any], None]] = {
    "Conv": conv, "ConvTranspose": conv_transpose, "Gemm": gemm, "MatMul": matmul,
    "Add": binary("ADD"), "Sub": binary("SUB"), "Mul": binary("MUL"), "Div": binary("DIV"),
    "Relu": unary("RELU"), "Clip": clip, "Sigmoid": unary("LOGISTIC"), "Tanh": unary("TANH"),
    "LeakyRelu": unary("LEAKY_RELU", "LeakyReluOptions", alpha=lambda n: float(n.attrs.get("alpha", 0.01))),
    "HardSwish": unary("HARD_SWISH", "HardSwishOptions"), "HardSigmoid": hard_sigmoid,
    "MaxPool": pool("MAX_POOL_2D"), "AveragePool": pool("AVERAGE_POOL_2D"), "GlobalAveragePool": global_avg_pool,
    "Flatten": reshape_like, "Reshape": reshape_like, "Squeeze": reshape_like, "Unsqueeze": reshape_like,
    "Concat": concat, "Pad": pad, "Softmax": softmax, "Resize": resize, "ReduceMean": reduce_mean,
    "BatchNormalization": batchnorm, "Identity": identity, "Dropout": identity,
}
