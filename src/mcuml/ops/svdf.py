"""SVDF: singular-value-decomposition filter with a variable activation state (memory).

Ports ``tensorflow/lite/micro/kernels/svdf.cc`` and ``svdf_common.cc`` (``PrepareSvdf``,
``EvalIntegerSvdfReference<T>``, ``EvalFloatSvdfReference``).

Per invoke the state (``batch x num_filters x memory_size``, flattened) is shifted left by one
element, the newest column is the feature matmul of the input, and the output is the time-weighted
sum of the memory, reduced over ``rank`` filters per unit, plus bias.

TFLM quirks kept on purpose:

* the integer path ignores the fused activation (only the float path applies it);
* a fused activation outside the schema enum (6 would be kTfLiteActSigmoid) is read as NONE, like
  ``ConvertActivation`` in flatbuffer_conversions.cc does, so the sigmoid is never reached from a file;
* the effective scales are formed in float32 (``float * float / float``) before widening to double;
* the int8 feature result is clamped to the state type's range *before* the state zero point is
  added, so ``zero_point + value`` wraps like the C cast to ``T`` does;
* the state shift runs over the whole flattened buffer; the element that crosses a filter
  boundary is then overwritten by the new column, so it is equivalent to a per-filter shift.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.kernels.lstm import expf, fc_f32, tanhf
from mcuml.kernels.quant import mbqm_positive as requantize
from mcuml.kernels.quant import ACT_NONE, ACT_RELU, ACT_RELU6, ACT_RELU_N1_TO_1, ACT_SIGN_BIT, ACT_TANH, mbqm, \
    quantize_multiplier, wrap_int32
from mcuml.ops import Cost, Op, OpContext, register
from mcuml.ops._base import io_bytes, param_bytes
from mcuml.ops._facts import F32, I8, Persistent, opdata, options, weighted_refusal

ACT_SIGMOID = 6  # TfLiteFusedActivation kTfLiteActSigmoid (not in the schema enum, but in ActivationValFloat)


@dataclass(frozen=True, slots=True)
class SvdfParams:
    rank: int
    num_filters: int
    num_units: int
    memory_size: int
    quantized: bool
    activation: int
    # int path (OpDataSvdf)
    state_dtype: np.dtype
    input_zero_point: int = 0
    output_zero_point: int = 0
    activation_state_zero_point: int = 0
    effective_scale_1_a: int = 0
    effective_scale_1_b: int = 0
    effective_scale_2_a: int = 0
    effective_scale_2_b: int = 0


def _requant(x: np.ndarray, multiplier: int, shift: int) -> np.ndarray:
    """``MultiplyByQuantizedMultiplier`` (same result as ``quant.mbqm``, fewer passes)."""
    if multiplier < 0:
        return mbqm(x, multiplier, shift)
    return requantize(x, np.int64(multiplier), np.int64(max(shift, 0)), np.int64(max(-shift, 0)), shift > 0)


def apply_float_activation(act: int, x: np.ndarray) -> np.ndarray:
    """``ActivationValFloat`` (tensorflow/lite/micro/kernels/activation_utils.h) on float32 arrays."""
    if act == ACT_NONE:
        return x
    if act == ACT_RELU:
        return np.maximum(x, np.float32(0))
    if act == ACT_RELU_N1_TO_1:
        return np.clip(x, np.float32(-1), np.float32(1))
    if act == ACT_RELU6:
        return np.clip(x, np.float32(0), np.float32(6))
    if act == ACT_TANH:
        return tanhf(x)
    if act == ACT_SIGN_BIT:
        return np.signbit(x).astype(x.dtype)
    if act == ACT_SIGMOID:
        return (np.float32(1) / (np.float32(1) + expf(-x))).astype(x.dtype)
    raise ValueError(f"unknown activation {act}")


@register("SVDF")
class Svdf(Op):
    """Memory (svdf.cc, svdf_common.cc; cmsis_nn/svdf.cc): OpData; scratch ``4·batch·filters`` (int8 adds
    ``4·batch·units``)."""

    tflm_arity = ((5,), 1, (0, 1, 2, 4), {0: 1, 1: 1}, 0)  # TFLM Prepare's tensor counts; ranks the arena model reads

    cmsis_nn = True

    def tflm_rejects(self, node: Operator, kernels: str = "reference") -> str | None:
        return weighted_refusal(node, 0, 1, frozenset({(F32, F32), (I8, I8)}))

    def persistent(self, node: Operator, target: str = "host", kernels: str = "reference") -> Persistent:
        base = opdata(node.name, target, kernels, True)
        if kernels == "cmsis-nn" and node.inputs[0].dtype == I8:
            from mcuml.plan.cmsis import TARGET_ISA, svdf_s8_buffer_size

            n = svdf_s8_buffer_size(node.inputs[1].shape[0], TARGET_ISA.get(target, target))
            return Persistent(base.init, (n,) if n > 0 else ())
        return base

    def scratch(self, node: Operator, target: str = "host", kernels: str = "reference") -> list[int]:
        x, wf = node.inputs[0], node.inputs[1]
        batch, filters = x.shape[0], wf.shape[0]
        if x.dtype == I8:
            rank = int(options(node, "rank", 1)) or 1
            return [4 * batch * filters, 4 * batch * (filters // rank)]
        return [4 * batch * filters]

    def prepare(self, node: Operator, ctx: OpContext) -> SvdfParams:
        ctx.require(len(node.inputs) == 5, f"SVDF needs 5 inputs, got {len(node.inputs)}")
        ctx.require(len(node.outputs) == 1, "SVDF has one output")
        x, wf, wt, bias, state = node.inputs
        out = node.outputs[0]
        ctx.require(x is not None and wf is not None and wt is not None and state is not None,
                    "SVDF input, weights_feature, weights_time and activation state are required")
        ctx.require(node.options is not None, "SVDF has no SVDFOptions")
        rank = int(node.options.rank)
        act = int(node.options.get("fused_activation_function", 0))
        if act not in (ACT_NONE, ACT_RELU, ACT_RELU_N1_TO_1, ACT_RELU6, ACT_TANH, ACT_SIGN_BIT):
            act = ACT_NONE  # TFLM's ConvertActivation maps values outside the schema enum to kTfLiteActNone
        if len(x.shape) != 2 or len(wf.shape) != 2 or len(wt.shape) != 2 or len(out.shape) != 2 \
                or len(state.shape) != 2:
            ctx.shape_error("SVDF input, weights, state and output must all be 2-D")
        batch, input_size = x.shape
        num_filters = wf.shape[0]
        if rank <= 0 or num_filters % rank:
            ctx.shape_error(f"num_filters {num_filters} is not a multiple of rank {rank}")
        num_units = num_filters // rank
        memory_size = wt.shape[1]
        if wf.shape[1] != input_size:
            ctx.shape_error(f"weights_feature {list(wf.shape)} does not match input size {input_size}")
        if wt.shape[0] != num_filters:
            ctx.shape_error(f"weights_time {list(wt.shape)} does not match {num_filters} filters")
        if bias is not None and bias.shape[0] != num_units:
            ctx.shape_error(f"bias {list(bias.shape)} does not match {num_units} units")
        if tuple(out.shape) != (batch, num_units):
            ctx.shape_error(f"output {list(out.shape)} should be {[batch, num_units]}")
        if tuple(state.shape) != (batch, memory_size * num_filters):
            ctx.shape_error(f"activation state {list(state.shape)} should be {[batch, memory_size * num_filters]}")
        ctx.require(state.is_variable, f"activation state {state.name!r} must be a variable tensor")
        ctx.require(wf.is_constant and wt.is_constant, "SVDF weights must be constant")
        # TFLM does not handle an omitted bias (TODO #1751 in svdf_common.cc): PrepareSvdf dereferences
        # it for int8 and the TFLM wheel segfaults on float32 too. Refuse instead of crashing later.
        ctx.require(bias is not None, "SVDF without a bias is not supported by TFLM (it crashes)")

        if x.dtype == DType.int8:
            if wf.dtype != DType.int8:
                ctx.unsupported_type(wf, [DType.int8])
            if wt.dtype not in (DType.int16, DType.int8):
                ctx.unsupported_type(wt, [DType.int16, DType.int8])
            if state.dtype != wt.dtype:
                ctx.fail(f"activation state is {state.dtype.name} but weights_time is {wt.dtype.name}; "
                         "TFLM reads the state with the weights_time type")
            if out.dtype != DType.int8:
                ctx.unsupported_type(out, [DType.int8])
            if bias.dtype != DType.int32:
                ctx.unsupported_type(bias, [DType.int32])
            f32 = np.float32
            s1 = float(f32(f32(x.scale) * f32(wf.scale)) / f32(state.scale))
            s2 = float(f32(f32(state.scale) * f32(wt.scale)) / f32(out.scale))
            expected_bias = float(f32(state.scale) * f32(wt.scale))
            ctx.require(abs(float(f32(bias.scale)) - expected_bias) < 1e-5,
                        f"bias scale {bias.scale:g} != state scale x weights_time scale {expected_bias:g}")
            m1, e1 = quantize_multiplier(s1)
            m2, e2 = quantize_multiplier(s2)
            return SvdfParams(rank, num_filters, num_units, memory_size, True, act, state.dtype.numpy,
                              x.zero_point, out.zero_point, state.zero_point, m1, e1, m2, e2)
        if x.dtype == DType.float32:
            for t in (wf, wt, bias, state, out):
                if t.dtype != DType.float32:
                    ctx.unsupported_type(t, [DType.float32])
            return SvdfParams(rank, num_filters, num_units, memory_size, False, act, np.dtype(np.float32))
        ctx.unsupported_type(x, [DType.int8, DType.float32])

    def eval(self, p: SvdfParams, inputs, outputs) -> None:
        x, wf, wt, bias, state = inputs
        out = outputs[0]
        n = x.shape[0]
        batch = x.shape[1]
        flat = state.reshape(n, -1)
        flat[:, :-1] = flat[:, 1:]  # NumPy buffers overlapping copies, like the C forward loop
        mem = state.reshape(n, batch, p.num_filters, p.memory_size)
        if p.quantized:
            feat = np.matmul(x.astype(np.float64) - p.input_zero_point, wf[0].astype(np.float64).T)
            feat = _requant(wrap_int32(feat.astype(np.int64)), p.effective_scale_1_a, p.effective_scale_1_b)
            info = np.iinfo(p.state_dtype)
            feat = np.clip(feat, info.min, info.max) + p.activation_state_zero_point
            mem[..., -1] = feat.astype(p.state_dtype)  # C cast to T wraps
            # int16 x int16 products summed over memory_size stay far below 2^53: float64 is exact
            centered = mem.astype(np.float64) - p.activation_state_zero_point
            scratch = np.einsum("nbfm,fm->nbf", centered, wt[0].astype(np.float64))
            scratch = wrap_int32(scratch.astype(np.int64))
            acc = scratch.reshape(n, batch, p.num_units, p.rank).sum(axis=-1) + bias[0].astype(np.int64)
            acc = _requant(wrap_int32(acc), p.effective_scale_2_a, p.effective_scale_2_b) + p.output_zero_point
            out[...] = np.clip(acc, -128, 127).astype(np.int8)
            return
        mem[..., -1] = fc_f32(x, wf[0])
        # time weights: per filter, sum over memory in order, in float32
        scratch = mem[..., 0] * wt[0][:, 0]
        for j in range(1, p.memory_size):
            scratch += mem[..., j] * wt[0][:, j]
        acc = np.broadcast_to(bias[0], (n, batch, p.num_units))
        parts = scratch.reshape(n, batch, p.num_units, p.rank)
        for j in range(p.rank):
            acc = acc + parts[..., j]
        out[...] = apply_float_activation(p.activation, acc)

    def cost(self, node: Operator) -> Cost:
        x, wf, wt = node.inputs[0], node.inputs[1], node.inputs[2]
        batch = x.shape[0]
        macs = batch * wf.shape[0] * wf.shape[1] + batch * wt.shape[0] * wt.shape[1]
        return Cost(macs=macs, elementwise=node.outputs[0].size, param_bytes=param_bytes(node),
                    bytes_in=io_bytes(node.inputs), bytes_out=io_bytes(node.outputs))
