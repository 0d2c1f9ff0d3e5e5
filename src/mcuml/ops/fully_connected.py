"""FULLY_CONNECTED: ``output[b, :] = act(W @ input[b, :] + bias)``; float32, int8, int16x8.

Ports ``tensorflow/lite/micro/kernels/fully_connected.cc`` + ``fully_connected_common.cc``
(``CalculateOpDataFullyConnected``: per-channel multipliers, or one multiplier from
``GetQuantizedConvolutionMultipler``, see ``kernels.conv.per_tensor_multiplier``) and the reference
kernels ``reference/fully_connected.h`` and ``reference/integer_ops/fully_connected.h``
(``FullyConnected`` / ``FullyConnectedPerChannel``; the BiasType template parameter is the
accumulator: int32 for int8 and for int16 with int32 bias, int64 otherwise).
The input is read as ``[batches, accum_depth]`` whatever its rank; ``keep_num_dims`` only changes
the declared output shape.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.kernels import conv as K
from mcuml.kernels.quant_float import FloatRequant, float_requant
from mcuml.kernels import quant
from mcuml.ops import Cost, Op, OpContext, register
from mcuml.ops._base import io_bytes, param_bytes
from mcuml.ops._facts import CONV_TYPES, I8, I16, Persistent, int4_filter_scratch, opdata, per_channel, weighted_refusal


@dataclass(frozen=True, slots=True)
class FullyConnectedParams:
    depth: int
    out_channels: int
    weights: np.ndarray | None  # (depth, OC) in the matmul dtype; None when the weights are not constant
    bias: np.ndarray | None  # int64 with the input-offset correction folded in (constant weights); float32
    raw_bias: np.ndarray | None  # bias alone, for non-constant weights
    input_offset: int
    filter_offset: int
    dtype: np.dtype
    requant: K.Requant | None
    float_min: float
    float_max: float
    out_shape: tuple[int, ...]
    fast: FloatRequant | None = None  # exact float64 requantization (int8 out), bias included


@register("FULLY_CONNECTED")
class FullyConnected(Op):
    """Memory (fully_connected.cc, fully_connected_common.cc; cmsis_nn/fully_connected.cc): OpData, and for
    a per-channel int8/int16 filter the multiplier/shift arrays (``4·OC`` each)."""

    tflm_arity = ((2, 3), 1, (0, 1), {1: 1}, 1)  # TFLM Prepare's tensor counts; ranks the arena model reads

    cmsis_nn = True

    def tflm_rejects(self, node: Operator, kernels: str = "reference") -> str | None:
        return weighted_refusal(node, 0, 1, CONV_TYPES)

    def persistent(self, node: Operator, target: str = "host", kernels: str = "reference") -> Persistent:
        if kernels == "cmsis-nn":
            from mcuml.plan.cmsis import fully_connected_persistent

            return fully_connected_persistent(node, target)
        base = opdata(node.name, target, kernels, True)
        f = node.inputs[1]
        if node.inputs[0].dtype in (I8, I16) and per_channel(f):
            return Persistent(base.init, (4 * len(f.quantization.scale),) * 2)
        return base

    def scratch(self, node: Operator, target: str = "host", kernels: str = "reference") -> list[int]:
        if kernels == "cmsis-nn":
            from mcuml.plan.cmsis import fully_connected_scratch

            return fully_connected_scratch(node, target)
        return int4_filter_scratch(node)

    def prepare(self, node: Operator, ctx: OpContext) -> FullyConnectedParams:
        if not (len(node.inputs) in (2, 3) and len(node.outputs) == 1):
            ctx.invalid("FULLY_CONNECTED takes 2 or 3 inputs, 1 output")
        x, w = node.inputs[0], node.inputs[1]
        bias = node.inputs[2] if len(node.inputs) == 3 else None
        y = node.outputs[0]
        if x is None or w is None:
            ctx.invalid("FULLY_CONNECTED needs input and weights tensors")
        if x.dtype != y.dtype:
            ctx.fail(f"input type {x.dtype.name} differs from output type {y.dtype.name}")
        if x.dtype not in (DType.float32, DType.int8, DType.int16):
            ctx.unsupported_type(x, (DType.float32, DType.int8, DType.int16))
        want_w = DType.float32 if x.dtype == DType.float32 else DType.int8
        if w.dtype != want_w:
            if x.dtype == DType.int8 and w.dtype == DType.int4:
                ctx.fail("int4 packed weights are not supported by mcuml yet")
            if x.dtype == DType.float32:
                ctx.fail(K.HYBRID_MESSAGE)
            ctx.fail(f"Input type: {x.dtype.name} with filter type: {w.dtype.name} not supported.")
        o = node.options
        get = (lambda k, d: o.get(k, d)) if o is not None else (lambda k, d: d)  # noqa: E731
        if int(get("weights_format", 0)) != 0:
            ctx.fail("shuffled FULLY_CONNECTED weights are not supported")
        q = w.quantization
        if x.dtype != DType.float32 and q is not None and len(q.scale) > 1 and not (
                0 <= q.quantized_dimension < len(w.shape) and w.shape[q.quantized_dimension] == len(q.scale)):
            ctx.invalid(f"weights {w.name!r} have {len(q.scale)} scales along dimension {q.quantized_dimension} "
                        f"of shape {list(w.shape)}")  # fully_connected_common.cc
        if len(w.shape) != 2:
            ctx.shape_error(f"weights must be 2-D, got {list(w.shape)}")
        oc, depth = w.shape
        if not y.shape or y.shape[-1] != oc or depth <= 0 or x.size % depth or y.size // oc != x.size // depth:
            ctx.shape_error(f"input {list(x.shape)}, weights {list(w.shape)} and output {list(y.shape)} disagree")
        act = int(get("fused_activation_function", 0))
        const_w = w.is_constant

        if x.dtype == DType.float32:
            b = K.bias_values(ctx, bias, oc, (DType.float32,))
            b = None if b is None else b.astype(np.float32)
            lo, hi = quant.activation_range_float(act)
            wt = np.ascontiguousarray(w.data.T, dtype=np.float32) if const_w else None
            return FullyConnectedParams(depth, oc, wt, b, b, 0, 0, np.dtype(np.float32), None, lo, hi, tuple(y.shape))

        q = w.quantization
        if q is None or not q.scale:
            ctx.fail(f"weights {w.name!r} have no affine quantization")
        qmin, qmax = quant.type_range(y.dtype.numpy)
        act_min, act_max = quant.activation_range_quantized(act, y.scale, y.zero_point, qmin, qmax)
        if len(q.scale) > 1:
            if not 0 <= q.quantized_dimension < len(w.shape):  # TFLM reads dims->data[qdim] out of bounds
                ctx.invalid(f"weights {w.name!r} have quantized dimension {q.quantized_dimension} for rank "
                            f"{len(w.shape)}")
            if len(q.scale) != w.shape[q.quantized_dimension]:
                ctx.invalid(f"weights {w.name!r} have {len(q.scale)} scales for dimension of size "
                         f"{w.shape[q.quantized_dimension]}")
            mult, shift = K.per_channel_multipliers(x.scale, tuple(q.scale), y.scale, len(q.scale))
            filter_offset = 0  # the per-channel kernel has no weights offset
        else:
            if bias is not None and bias.quantization is not None and bias.quantization.scale:
                diff = abs(float(x.scale) * float(w.scale) - float(bias.scale))
                if not quant.ratio(diff, y.scale) <= 0.02:
                    ctx.fail(f"bias scale {bias.scale:g} differs from input scale x weights scale")
            m, s = K.per_tensor_multiplier(x.scale, w.scale, y.scale)
            mult, shift = np.array([m], np.int64), np.array([s], np.int64)
            filter_offset = -w.zero_point
        if x.dtype == DType.int8:
            b = K.bias_values(ctx, bias, oc, (DType.int32,))
            int64_acc, max_in = False, 128
        else:
            b = K.bias_values(ctx, bias, oc, (DType.int32, DType.int64))
            int64_acc, max_in = K.int16_uses_int64_acc(bias, o), 32768
        requant = K.Requant(mult, shift, y.zero_point, act_min, act_max, int64_acc, y.dtype.numpy)
        input_offset = -x.zero_point
        raw_b = np.zeros(oc, np.int64) if b is None else b
        if not const_w:
            return FullyConnectedParams(depth, oc, None, None, raw_b, input_offset, filter_offset,
                                        np.dtype(np.float64), requant, 0.0, 0.0, tuple(y.shape))
        wt = w.data.T.astype(np.float64) + filter_offset  # (depth, OC)
        dtype = K.matmul_dtype(wt, max_in)
        if not int64_acc and K.acc_fits_int32(wt, 2 * max_in, raw_b):
            requant = requant.without_wrap()
        b_eff = raw_b + input_offset * wt.sum(axis=0).astype(np.int64)
        fast = None
        if x.dtype == DType.int8:
            fast = float_requant(requant, b_eff, raw_b, np.abs(wt).sum(axis=0) * 255)
        return FullyConnectedParams(depth, oc, np.ascontiguousarray(wt, dtype=dtype), b_eff, raw_b, input_offset,
                                    filter_offset, dtype, requant, 0.0, 0.0, tuple(y.shape), fast)

    def eval(self, p: FullyConnectedParams, inputs, outputs) -> None:
        x = inputs[0]
        if p.fast is not None:
            acc = np.matmul(x.reshape(-1, p.depth).astype(p.dtype), p.weights)
            p.fast.apply(acc, outputs[0].reshape(-1, p.out_channels))
            return
        bsz = x.shape[0]
        shape = (bsz, *p.out_shape)
        if p.weights is not None:
            acc = (K.seq_dot if p.requant is None else np.matmul)(x.reshape(-1, p.depth).astype(p.dtype, copy=False),
                                                                   p.weights)
            bias = p.bias
        else:
            wt = np.swapaxes(inputs[1], -1, -2).astype(p.dtype)  # (Bw, depth, OC)
            xs = x.reshape(bsz, -1, p.depth).astype(p.dtype)
            if p.requant is None:
                acc = K.seq_dot(xs, wt)
                bias = p.raw_bias
            else:
                wt += p.filter_offset
                acc = np.matmul(xs, wt)
                bias = p.raw_bias + p.input_offset * wt.sum(axis=-2, keepdims=True).astype(np.int64)
        if p.requant is None:
            if bias is not None:
                acc += bias
            outputs[0][...] = np.clip(acc, p.float_min, p.float_max).reshape(shape)
            return
        outputs[0][...] = p.requant.apply(acc.astype(np.int64) + bias).reshape(shape)

    def cost(self, node: Operator) -> Cost:
        w, y = node.inputs[1], node.outputs[0]
        return Cost(macs=y.size * w.shape[-1], param_bytes=param_bytes(node), bytes_in=io_bytes(node.inputs),
                    bytes_out=io_bytes(node.outputs))
