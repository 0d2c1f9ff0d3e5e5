"""CONV_2D: 2-D convolution, float32, int8 (per-channel / per-tensor filters) and int16x8.

Ports ``tensorflow/lite/micro/kernels/conv.cc`` + ``conv_common.cc`` (prepare: padding, per-channel
multipliers, activation range) and the reference kernels ``reference/conv.h`` (float) and
``reference/integer_ops/conv.h`` (``ConvPerChannel`` for int8 and for int16 with an int32 or
int64 ``AccumScalar``). The loops become im2col + one BLAS matmul per group; TFLM's skipped
out-of-image taps are taps padded with the input zero point, whose contribution
``filter * (input + input_offset)`` is zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.kernels import conv as K
from mcuml.kernels.quant_float import FloatRequant, float_requant
from mcuml.kernels import quant
from mcuml.kernels.scratch import buffer
from mcuml.ops import Cost, OpContext, register
from mcuml.ops._base import io_bytes, param_bytes
from mcuml.ops._conv_common import ConvFacts, conv_geometry, conv_io
from mcuml.ops._facts import int4_filter_scratch


@dataclass(frozen=True, slots=True)
class ConvParams:
    win: K.Window
    groups: int
    weights: np.ndarray  # (G, KH*KW*fid, OC/G) in the matmul dtype
    bias: np.ndarray | None  # int64 (OC,) with the input-offset correction folded in; float64 for float
    pad_value: int | float  # what "outside the image" is in the raw input domain
    requant: K.Requant | None  # None for float32
    float_min: float
    float_max: float
    out_shape: tuple[int, ...]
    fast: FloatRequant | None = None  # exact float64 requantization (int8 out), bias included


def conv_output(cols: np.ndarray, weights: np.ndarray, groups: int, taps: int, exact_float: bool) -> np.ndarray:
    """(M, taps*C) @ per-group weights -> (M, OC); ``exact_float`` sums in TFLM's float order."""
    dot = K.seq_dot if exact_float else np.matmul
    if groups == 1:
        return dot(cols, weights[0])
    m = cols.shape[0]
    fid = cols.shape[1] // (taps * groups)
    g = cols.reshape(m, taps, groups, fid).transpose(2, 0, 1, 3).reshape(groups, m, taps * fid)
    if exact_float:
        return np.concatenate([dot(g[i], weights[i]) for i in range(groups)], axis=1)
    return np.matmul(g, weights).transpose(1, 0, 2).reshape(m, -1)


@register("CONV_2D")
class Conv2D(ConvFacts):
    """Memory (conv.cc ``Init``/``ConvPrepare`` in conv_common.cc; cmsis_nn/conv.cc): OpData, then the
    per-channel output multiplier and shift arrays (``4·OC`` each; every type on the reference kernel,
    quantized only on CMSIS-NN)."""

    tflm_arity = ((2, 3), 1, (0, 1), {0: 4, 1: 4}, 4)  # TFLM Prepare's tensor counts; ranks the arena model reads

    cmsis_nn = True

    filter_channel_axis = 0  # filter [OC, KH, KW, IC]

    def scratch(self, node: Operator, target: str = "host", kernels: str = "reference") -> list[int]:
        if kernels == "cmsis-nn":
            from mcuml.plan.cmsis import conv_scratch

            return conv_scratch(node, target)
        return int4_filter_scratch(node)

    def prepare(self, node: Operator, ctx: OpContext) -> ConvParams:
        x, w, bias, y = conv_io(node, ctx)
        n, in_h, in_w, in_c = x.shape
        oc, k_h, k_w, fid = w.shape
        if fid <= 0 or in_c % fid:
            ctx.shape_error(f"input depth {in_c} is not a multiple of filter depth {fid}")
        groups = in_c // fid
        if oc % groups or y.shape[3] != oc or y.shape[0] != n:
            ctx.shape_error(f"output shape {list(y.shape)} does not match filter {list(w.shape)} / input "
                            f"{list(x.shape)}")
        g = conv_geometry(node, ctx, x, y, k_h, k_w)
        act, win = g.activation, g.window
        fpg = oc // groups
        # filter (OC, KH, KW, fid) -> per group (KH*KW*fid, OC/G)
        wmat = w.data.astype(np.float64).reshape(groups, fpg, k_h * k_w * fid).transpose(0, 2, 1)

        if x.dtype == DType.float32:
            b = K.bias_values(ctx, bias, oc, (DType.float32,))
            lo, hi = quant.activation_range_float(act)
            return ConvParams(win, groups, np.ascontiguousarray(wmat, dtype=np.float32),
                              None if b is None else b.astype(np.float32), 0.0, None, lo, hi, tuple(y.shape))

        requant = K.conv_requant(ctx, x, w, y, act, oc, 0)
        if x.dtype == DType.int8:
            b = K.bias_values(ctx, bias, oc, (DType.int32,))
            in_zp = x.zero_point
            dtype = K.matmul_dtype(wmat, 128, axis=1)
        else:
            # the int16 kernel has no input/output offset: int16 activations are symmetric
            b = K.bias_values(ctx, bias, oc, (DType.int32, DType.int64))
            in_zp = 0
            requant = K.Requant(requant.output_multiplier, requant.output_shift, 0, requant.act_min,
                                requant.act_max, K.int16_uses_int64_acc(bias, node.options), requant.out_dtype)
            dtype = np.dtype(np.float64)
        if not requant.int64_acc and K.acc_fits_int32(wmat, 255 if x.dtype == DType.int8 else 32768, b, axis=1):
            requant = requant.without_wrap()
        sum_w = wmat.sum(axis=1).reshape(oc).astype(np.int64)
        raw_b = np.zeros(oc, np.int64) if b is None else b
        b = raw_b - in_zp * sum_w
        fast = None
        if x.dtype == DType.int8:
            fast = float_requant(requant, b, raw_b, np.abs(wmat).sum(axis=1).reshape(oc) * 255)
        return ConvParams(win, groups, np.ascontiguousarray(wmat, dtype=dtype), b, in_zp, requant, 0.0, 0.0,
                          tuple(y.shape), fast)

    trusts_stored_output_shape = True  # conv_common.cc: padding from the computed size, loops over the stored one

    def computed_output_shape(self, node: Operator) -> tuple[int, ...] | None:
        from mcuml.ops._shape_util import windowed_output_shape

        w = node.inputs[1] if len(node.inputs) > 1 else None
        return None if w is None or len(w.shape) != 4 else windowed_output_shape(node, w.shape[1], w.shape[2],
                                                                                  w.shape[0])

    def eval(self, p: ConvParams, inputs, outputs) -> None:
        x = inputs[0]
        bsz = x.shape[0]
        win = p.win
        nb = bsz * x.shape[1]
        x = x.reshape(nb, win.in_h, win.in_w, x.shape[-1])
        out = outputs[0].reshape(nb, *p.out_shape[1:])
        k = p.weights.shape[1] * p.groups
        per_sample = win.out_h * win.out_w * (k * p.weights.itemsize + p.out_shape[3] * 16)
        if p.fast is not None:
            rows = win.out_h * win.out_w
            out2 = out.reshape(nb * rows, p.out_shape[3])
            for sl in K.sample_chunks(nb, per_sample):
                cols = K.im2col(x[sl], win, p.pad_value, p.weights.dtype, scratch=True)
                if p.groups == 1:
                    acc = np.matmul(cols, p.weights[0],
                                    out=buffer("conv.acc", (cols.shape[0], p.weights.shape[2]), p.weights.dtype))
                else:
                    acc = conv_output(cols, p.weights, p.groups, win.k_h * win.k_w, False)
                p.fast.apply(acc, out2[sl.start * rows:sl.stop * rows])
            return
        for sl in K.sample_chunks(nb, per_sample):
            cols = K.im2col(x[sl], win, p.pad_value, p.weights.dtype)
            acc = conv_output(cols, p.weights, p.groups, win.k_h * win.k_w, p.requant is None)
            if p.requant is None:
                if p.bias is not None:
                    acc += p.bias
                out[sl] = np.clip(acc, p.float_min, p.float_max).reshape(out[sl].shape)
            else:
                out[sl] = p.requant.apply(acc.astype(np.int64) + p.bias).reshape(out[sl].shape)

    def cost(self, node: Operator) -> Cost:
        w, y = node.inputs[1], node.outputs[0]
        _, k_h, k_w, fid = w.shape
        return Cost(macs=y.size * k_h * k_w * fid, param_bytes=param_bytes(node), bytes_in=io_bytes(node.inputs),
                    bytes_out=io_bytes(node.outputs))
