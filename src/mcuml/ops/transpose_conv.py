"""TRANSPOSE_CONV: the gradient of CONV_2D (scatter each input pixel through the filter); float32, int8, int16x8.

Ports ``tensorflow/lite/micro/kernels/transpose_conv.cc`` and the reference kernels
``reference/transpose_conv.h`` / ``reference/integer_ops/transpose_conv.h``. Inputs are
``[output_shape, filter (OC, KH, KW, IC), input, bias?]``. TFLM computes the padding from the
*output* size (``ComputePaddingHeightWidth`` called with the output's height/width), scatters
``(input + input_offset) * filter`` into an int32 (int8) or int64 (int16) scratch, dropping
out-of-image targets, then adds the bias and requantizes per channel. Here one matmul gives
every (pixel, tap, oc) product and a small static loop over taps scatter-adds them into an
uncropped buffer that is cropped at the end.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.kernels import conv as K
from mcuml.kernels import quant
from mcuml.ops import Cost, Op, OpContext, register
from mcuml.ops._base import io_bytes, param_bytes
from mcuml.ops._facts import F32, I8, I16, Persistent, inp, opdata, weighted_refusal


@dataclass(frozen=True, slots=True)
class TransposeConvParams:
    in_shape: tuple[int, int, int, int]  # N, H, W, IC
    k_h: int
    k_w: int
    stride_h: int
    stride_w: int
    pad_h: int
    pad_w: int
    buf_h: int  # uncropped scatter target
    buf_w: int
    weights: np.ndarray  # int: (IC, KH*KW*OC) in the matmul dtype; float: (KH, KW, IC, OC) float32
    bias: np.ndarray | None
    input_offset: int
    requant: K.Requant | None
    float_min: float
    float_max: float
    out_shape: tuple[int, ...]


@register("TRANSPOSE_CONV")
class TransposeConv(Op):
    """Memory (transpose_conv.cc; cmsis_nn/transpose_conv.cc): OpData, the per-channel multiplier/shift
    arrays (``4·OC`` each); scratch: int8 an int32 accumulator of ``4·out_elems``, int16 an int64 one of
    ``8·out_elems`` then ``8·bias_elems`` to widen an int16 bias."""

    tflm_arity = ((3, 4), 1, (0, 1, 2), {1: 4, 2: 4}, 4)  # TFLM Prepare's tensor counts; ranks the arena model reads

    cmsis_nn = True

    def prepare_temps(self, node: Operator) -> list:
        """transpose_conv.cc TransposeConvPrepare: Prepare keeps output, input and filter while CalculateOpData
        (quantized only) takes input, filter, bias and output again (a deallocated temp tensor is only reclaimed at
        the next ResetTempAllocations)."""
        x, w, y = node.inputs[2], node.inputs[1], node.outputs[0]
        bias = node.inputs[3] if len(node.inputs) > 3 else None
        return [y, x, w] + ([x, w, bias, y] if x.dtype != DType.float32 else [])

    def tflm_rejects(self, node: Operator, kernels: str = "reference") -> str | None:
        return weighted_refusal(node, 2, 1, frozenset({(F32, F32), (I8, I8), (I16, I8)}))

    def persistent(self, node: Operator, target: str = "host", kernels: str = "reference") -> Persistent:
        base = opdata(node.name, target, kernels, True)
        return Persistent(base.init, (4 * node.inputs[1].shape[0],) * 2)

    def scratch(self, node: Operator, target: str = "host", kernels: str = "reference") -> list[int]:
        if kernels == "cmsis-nn":
            from mcuml.plan.cmsis import transpose_conv_scratch

            return transpose_conv_scratch(node, target)
        x, y, bias = node.inputs[2], node.outputs[0], inp(node, 3)
        if x.dtype == I8:
            return [4 * y.size]
        if x.dtype == I16:
            return [8 * y.size] + ([8 * bias.size] if bias is not None and bias.dtype == I16 else [])
        return []

    def prepare(self, node: Operator, ctx: OpContext) -> TransposeConvParams:
        ctx.require(len(node.inputs) in (3, 4) and len(node.outputs) == 1,
                    "TRANSPOSE_CONV takes 3 or 4 inputs, 1 output")
        w, x = node.inputs[1], node.inputs[2]
        bias = node.inputs[3] if len(node.inputs) == 4 else None
        y = node.outputs[0]
        ctx.require(x is not None and w is not None, "TRANSPOSE_CONV needs input and filter tensors")
        if x.dtype != y.dtype:
            ctx.fail(f"input type {x.dtype.name} differs from output type {y.dtype.name}")
        if x.dtype not in (DType.float32, DType.int8, DType.int16):
            ctx.unsupported_type(x, (DType.float32, DType.int8, DType.int16))
        if not (x.dtype == w.dtype or (x.dtype == DType.int16 and w.dtype == DType.int8)):
            ctx.fail(K.HYBRID_MESSAGE)
        if len(x.shape) != 4 or len(w.shape) != 4 or len(y.shape) != 4:
            ctx.shape_error("TRANSPOSE_CONV needs 4-D input, filter and output")
        if not w.is_constant:
            ctx.fail(f"filter {w.name!r} must be a constant tensor")
        n, in_h, in_w, ic = x.shape
        oc, k_h, k_w, f_ic = w.shape
        if f_ic != ic or y.shape[3] != oc or y.shape[0] != n:
            ctx.shape_error(f"filter {list(w.shape)} / output {list(y.shape)} do not fit input {list(x.shape)}")
        o = node.options
        get = (lambda k, d: o.get(k, d)) if o is not None else (lambda k, d: d)  # noqa: E731
        stride_h, stride_w = int(get("stride_h", 1)), int(get("stride_w", 1))
        if min(stride_h, stride_w) < 1:
            ctx.fail(f"strides ({stride_h}, {stride_w}) must be >= 1")
        act = int(get("fused_activation_function", 0))
        out_h, out_w = y.shape[1], y.shape[2]
        # TFLM passes the output size where ComputePaddingHeightWidth expects the input size
        win = K.make_window(int(get("padding", 0)), out_h, out_w, k_h, k_w, stride_h, stride_w, 1, 1, 1, 1)
        pad_h, pad_w = win.pad_h, win.pad_w
        buf_h = max((in_h - 1) * stride_h + k_h, pad_h + out_h)
        buf_w = max((in_w - 1) * stride_w + k_w, pad_w + out_w)
        geo = ((n, in_h, in_w, ic), k_h, k_w, stride_h, stride_w, pad_h, pad_w, buf_h, buf_w)
        wf = w.data.astype(np.float64)
        if x.dtype == DType.float32:
            b = K.bias_values(ctx, bias, oc, (DType.float32,))
            lo, hi = quant.activation_range_float(act)
            taps = np.ascontiguousarray(wf.transpose(1, 2, 3, 0), dtype=np.float32)  # (KH, KW, IC, OC)
            return TransposeConvParams(*geo, taps, None if b is None else b.astype(np.float32), 0, None, lo, hi,
                                       tuple(y.shape))
        requant = K.conv_requant(ctx, x, w, y, act, oc, 0)
        wm = wf.transpose(3, 1, 2, 0).reshape(ic, k_h * k_w * oc)  # (IC, KH*KW*OC)
        if x.dtype == DType.int8:
            b = K.bias_values(ctx, bias, oc, (DType.int32,))
            input_offset = -x.zero_point
            # (input + input_offset) spans up to 255 in magnitude
            dtype = K.matmul_dtype(wf.reshape(oc, -1).T, 256)
            if K.acc_fits_int32(wf.reshape(oc, -1).T, 255, b):
                requant = requant.without_wrap()
        else:
            b = K.bias_values(ctx, bias, oc, (DType.int16, DType.int64))
            input_offset = 0
            requant = K.Requant(requant.output_multiplier, requant.output_shift, 0, requant.act_min,
                                requant.act_max, True, requant.out_dtype)
            dtype = np.dtype(np.float64)
        return TransposeConvParams(*geo, np.ascontiguousarray(wm, dtype=dtype), b, input_offset, requant, 0.0, 0.0,
                                   tuple(y.shape))

    def eval(self, p: TransposeConvParams, inputs, outputs) -> None:
        x = inputs[2]
        bsz = x.shape[0]
        n, in_h, in_w, ic = p.in_shape
        nb = bsz * n
        x = x.reshape(nb, in_h, in_w, ic)
        oc = p.out_shape[3]
        span_h, span_w = (in_h - 1) * p.stride_h + 1, (in_w - 1) * p.stride_w + 1
        if p.requant is None:
            buf = np.zeros((nb, p.buf_h, p.buf_w, oc), dtype=np.float32)
            tmp = np.empty((nb, in_h, in_w, oc), dtype=np.float32)
            # TFLM adds into one output in (in_y, in_x, in_channel) order: filter taps descending
            for ky in range(p.k_h - 1, -1, -1):
                for kx in range(p.k_w - 1, -1, -1):
                    dst = buf[:, ky:ky + span_h:p.stride_h, kx:kx + span_w:p.stride_w, :]
                    for c in range(ic):
                        np.multiply(x[..., c:c + 1], p.weights[ky, kx, c], out=tmp)
                        dst += tmp
            out = buf[:, p.pad_h:p.pad_h + p.out_shape[1], p.pad_w:p.pad_w + p.out_shape[2], :]
            if p.bias is not None:
                out = out + p.bias
            outputs[0][...] = np.clip(out, p.float_min, p.float_max).reshape((bsz, *p.out_shape))
            return
        xf = x.reshape(-1, ic).astype(p.weights.dtype)
        if p.input_offset:
            xf += p.input_offset
        prod = (xf @ p.weights).reshape(nb, in_h, in_w, p.k_h, p.k_w, oc)
        buf = np.zeros((nb, p.buf_h, p.buf_w, oc), dtype=np.float64)
        for ky in range(p.k_h):
            for kx in range(p.k_w):
                buf[:, ky:ky + span_h:p.stride_h, kx:kx + span_w:p.stride_w, :] += prod[:, :, :, ky, kx, :]
        acc = buf[:, p.pad_h:p.pad_h + p.out_shape[1], p.pad_w:p.pad_w + p.out_shape[2], :].astype(np.int64)
        if p.bias is not None:
            acc += p.bias
        outputs[0][...] = p.requant.apply(acc).reshape((bsz, *p.out_shape))

    def cost(self, node: Operator) -> Cost:
        w, x = node.inputs[1], node.inputs[2]
        return Cost(macs=x.size * w.shape[1] * w.shape[2] * w.shape[0], param_bytes=param_bytes(node),
                    bytes_in=io_bytes(node.inputs), bytes_out=io_bytes(node.outputs))
