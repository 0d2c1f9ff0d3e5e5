"""UNIDIRECTIONAL_SEQUENCE_LSTM: the standard (Keras) LSTM over a whole sequence, state kept in variables.

Ports ``tensorflow/lite/micro/kernels/unidirectional_sequence_lstm.cc``, ``lstm_eval.h/.cc``,
``lstm_eval_common.cc`` and ``lstm_shared.h``. TFLM supports only the plain LSTM: all four gates
(no CIFG), no peephole, no projection, no layer norm; recurrent biases are never used; the cell
gate activation must be TANH. Supported types (as TFLM): float32; int8 activations x int8 weights
with int32 bias and int16 cell state; int16 activations x int8 weights with int64 bias.

Integer arithmetic, per time step (TFLM's ``LstmStep``):

* every gate is ``FC(input) + FC(hidden)`` requantized to the fixed gate scale 2^-12 (Q3.12),
  saturating int16 add, then the LUT sigmoid/tanh to Q0.15. TFLM ignores the node's
  ``intermediates`` (their scales are not read), so mcuml does too;
* ``cell = clip(forget * cell + input * cell_gate)`` with multipliers 2^-15 x cell scale;
* ``hidden = tanh(cell) * output`` requantized to the hidden state's scale/zero point; the output
  at that time step is a copy of the hidden state.

The output gate reads the *old* hidden state (it runs before the hidden update), so all four
gates are computed together here. Input FCs do not depend on the state: they are evaluated for
every time step at once before the recurrence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.kernels.lstm import (INT16_MAX, INT16_MIN, checked_log2, fc_f32, logistic_f32, logistic_int16,
                                lstm_tanh_int16, mul_elementwise, saturating_add_int16, tanhf)
from mcuml.kernels.quant import ACT_TANH, mbqm, mbqm_int64, quantize_multiplier, wrap_int32
from mcuml.ops import Cost, Op, OpContext, register
from mcuml.ops._base import io_bytes, param_bytes

# lstm_shared.h tensor indices
INPUT = 0
INPUT_WEIGHTS = (1, 2, 3, 4)  # input-to-{input, forget, cell, output}
RECURRENT_WEIGHTS = (5, 6, 7, 8)
PEEPHOLE = (9, 10, 11)
BIASES = (12, 13, 14, 15)
PROJECTION = (16, 17)
HIDDEN_STATE, CELL_STATE = 18, 19
LAYER_NORM = (20, 21, 22, 23)

GATE_SCALE = 2.0 ** -12  # FC output / nonlinearity input, Q3.12
GATE_OUT_SCALE = 2.0 ** -15  # nonlinearity output, Q0.15


@dataclass(frozen=True, slots=True)
class LstmParams:
    time_major: bool
    batch: int
    time_steps: int
    input_dim: int
    state_dim: int
    kind: str  # "float32", "int8", "int16" (activation type)
    cell_clip: float
    # integer path; arrays are laid out gate-major [input, forget, cell, output] x state_dim
    input_offset: int = 0
    hidden_offset: int = 0
    input_multiplier: np.ndarray | None = None
    input_shift: np.ndarray | None = None
    recurrent_multiplier: np.ndarray | None = None
    recurrent_shift: np.ndarray | None = None
    forget_cell_mul: tuple[int, int] = (0, 0)
    input_mul: tuple[int, int] = (0, 0)
    output_mul: tuple[int, int] = (0, 0)
    hidden_zero_point: int = 0
    hidden_min: int = 0
    hidden_max: int = 0
    quantized_cell_clip: int = 0
    cell_state_scale_power: int = 0


def _fc_multiplier(in_scale: float, w_scale: float) -> tuple[int, int]:
    # GetQuantizedConvolutionMultipler: float product widened, then divided in double
    real = float(np.float32(in_scale) * np.float32(w_scale)) / GATE_SCALE
    return quantize_multiplier(real)


def _inter_gate_mul(s1: float, s2: float, out: float) -> tuple[int, int]:
    # CreateInterGateMulParams: all three scales widened to double first
    return quantize_multiplier(float(np.float32(s1)) * float(np.float32(s2)) / float(np.float32(out)))


@register("UNIDIRECTIONAL_SEQUENCE_LSTM")
class UnidirectionalSequenceLstm(Op):
    def prepare(self, node: Operator, ctx: OpContext) -> LstmParams:
        ins = list(node.inputs)
        ctx.require(len(ins) == 24, f"UNIDIRECTIONAL_SEQUENCE_LSTM needs 24 inputs, got {len(ins)}")
        ctx.require(len(node.outputs) == 1, "UNIDIRECTIONAL_SEQUENCE_LSTM has one output")
        x, hidden, cell, out = ins[INPUT], ins[HIDDEN_STATE], ins[CELL_STATE], node.outputs[0]
        ctx.require(x is not None and hidden is not None and cell is not None,
                    "input, hidden state and cell state are required")
        ctx.require(hidden.is_variable and cell.is_variable, "hidden and cell state must be variable tensors")
        for i in INPUT_WEIGHTS + RECURRENT_WEIGHTS + BIASES:
            ctx.require(ins[i] is not None, f"input {i} is missing: TFLM supports only the LSTM with all four "
                                            "gates (no CIFG)")
        for group, what in ((PEEPHOLE, "peephole"), (PROJECTION, "projection"), (LAYER_NORM, "layer norm")):
            if any(ins[i] is not None for i in group):
                ctx.fail(f"{what} LSTM variants are not supported by TFLM")
        opts = node.options
        ctx.require(opts is not None, "missing UnidirectionalSequenceLSTMOptions")
        act = int(opts.get("fused_activation_function", 0))
        if act != ACT_TANH:
            ctx.fail(f"cell gate activation {act} not supported (TFLM's LSTM supports TANH only)")
        time_major = bool(opts.get("time_major", False))
        cell_clip = float(np.float32(opts.get("cell_clip", 0.0)))

        if len(x.shape) != 3:
            ctx.shape_error(f"input must be 3-D, got {list(x.shape)}")
        if len(hidden.shape) < 2:
            ctx.shape_error(f"hidden state must be 2-D, got {list(hidden.shape)}")
        batch, steps = (x.shape[1], x.shape[0]) if time_major else (x.shape[0], x.shape[1])
        n_in, n_state = x.shape[2], hidden.shape[1]
        for i in INPUT_WEIGHTS:
            if tuple(ins[i].shape) != (n_state, n_in):
                ctx.shape_error(f"input weights {i} {list(ins[i].shape)} should be {[n_state, n_in]}")
        for i in RECURRENT_WEIGHTS:
            if tuple(ins[i].shape) != (n_state, n_state):
                ctx.shape_error(f"recurrent weights {i} {list(ins[i].shape)} should be {[n_state, n_state]}")
        for i in BIASES:
            if tuple(ins[i].shape) != (n_state,):
                ctx.shape_error(f"bias {i} {list(ins[i].shape)} should be {[n_state]}")
        if hidden.size != batch * n_state or cell.size != batch * n_state:
            ctx.shape_error(f"state tensors must hold batch x state = {batch * n_state} elements")
        if len(out.shape) != 3 or out.shape[0] != x.shape[0] or out.shape[1] != x.shape[1] or out.shape[2] != n_state:
            ctx.shape_error(f"output {list(out.shape)} should be {[x.shape[0], x.shape[1], n_state]}")
        for i in INPUT_WEIGHTS + RECURRENT_WEIGHTS:
            ctx.require(ins[i].is_constant, f"weights {i} must be constant")
        w_type = ins[INPUT_WEIGHTS[1]].dtype
        for i in INPUT_WEIGHTS + RECURRENT_WEIGHTS:
            if ins[i].dtype != w_type:
                ctx.fail("all weight tensors must have the same type")
        b_type = ins[BIASES[1]].dtype
        for i in BIASES:
            if ins[i].dtype != b_type:
                ctx.fail("all bias tensors must have the same type")
        if hidden.dtype != x.dtype or out.dtype != x.dtype:
            ctx.fail("input, hidden state and output must have the same type")
        base = dict(time_major=time_major, batch=batch, time_steps=steps, input_dim=n_in, state_dim=n_state,
                    cell_clip=cell_clip)

        if cell.dtype == DType.float32:
            for t in (x, ins[INPUT_WEIGHTS[0]], ins[BIASES[0]]):
                if t.dtype != DType.float32:
                    ctx.unsupported_type(t, [DType.float32])
            return LstmParams(kind="float32", **base)
        if cell.dtype != DType.int16:
            ctx.unsupported_type(cell, [DType.float32, DType.int16])
        if x.dtype not in (DType.int8, DType.int16):
            ctx.unsupported_type(x, [DType.int8, DType.int16])
        if w_type != DType.int8:
            ctx.unsupported_type(ins[INPUT_WEIGHTS[1]], [DType.int8])
        want_bias = DType.int32 if x.dtype == DType.int8 else DType.int64
        if b_type != want_bias:
            ctx.unsupported_type(ins[BIASES[1]], [want_bias])
        for i in INPUT_WEIGHTS + RECURRENT_WEIGHTS:
            q = ins[i].quantization
            if q is not None and q.per_channel:
                ctx.fail(f"per-channel weights {i}: TFLM's LSTM uses per-tensor gate multipliers only")
            if ins[i].zero_point != 0:
                ctx.fail(f"weights {i} have zero point {ins[i].zero_point}; TFLM requires symmetric weights")
        im, ish, rm, rsh = [], [], [], []
        for g in range(4):
            m, s = _fc_multiplier(x.scale, ins[INPUT_WEIGHTS[g]].scale)
            im.append(m), ish.append(s)
            m, s = _fc_multiplier(hidden.scale, ins[RECURRENT_WEIGHTS[g]].scale)
            rm.append(m), rsh.append(s)
        cell_scale = float(np.float32(cell.scale))
        qmin, qmax = (-128, 127) if hidden.dtype == DType.int8 else (INT16_MIN, INT16_MAX)
        rep = (lambda v: np.repeat(np.array(v, dtype=np.int64), n_state))  # noqa: E731 - per gate -> per lane
        return LstmParams(
            kind=x.dtype.name, **base,
            input_offset=-x.zero_point, hidden_offset=-hidden.zero_point,
            input_multiplier=rep(im), input_shift=rep(ish), recurrent_multiplier=rep(rm), recurrent_shift=rep(rsh),
            forget_cell_mul=_inter_gate_mul(GATE_OUT_SCALE, cell_scale, cell_scale),
            input_mul=_inter_gate_mul(GATE_OUT_SCALE, GATE_OUT_SCALE, cell_scale),
            output_mul=_inter_gate_mul(GATE_OUT_SCALE, GATE_OUT_SCALE, hidden.scale),
            hidden_zero_point=hidden.zero_point, hidden_min=qmin, hidden_max=qmax,
            # static_cast<int16_t>(clamped double): truncation toward zero
            quantized_cell_clip=int(min(max(float(np.float32(cell_clip)) / cell_scale, -32768.0), 32767.0)),
            cell_state_scale_power=checked_log2(cell_scale),
        )

    def eval(self, p: LstmParams, inputs, outputs) -> None:
        x, hidden, cell = inputs[INPUT], inputs[HIDDEN_STATE], inputs[CELL_STATE]
        w_in = np.concatenate([inputs[i][0] for i in INPUT_WEIGHTS], axis=0)  # (4S, I)
        w_rec = np.concatenate([inputs[i][0] for i in RECURRENT_WEIGHTS], axis=0)  # (4S, S)
        bias = np.concatenate([inputs[i][0] for i in BIASES])
        out = outputs[0]
        n = x.shape[0]
        # time-major views (n, T, B, ...) of input and output
        xs = x if p.time_major else x.swapaxes(1, 2)
        ys = out if p.time_major else out.swapaxes(1, 2)
        h = hidden.reshape(n, p.batch, p.state_dim)
        c = cell.reshape(n, p.batch, p.state_dim)
        if p.kind == "float32":
            _eval_float(p, xs, ys, h, c, w_in, w_rec, bias)
        else:
            _eval_int(p, xs, ys, h, c, w_in, w_rec, bias)

    def cost(self, node: Operator) -> Cost:
        x, hidden = node.inputs[INPUT], node.inputs[HIDDEN_STATE]
        n_state = hidden.shape[-1]
        seq = x.shape[0] * x.shape[1]
        macs = seq * 4 * n_state * (x.shape[2] + n_state)
        return Cost(macs=macs, elementwise=node.outputs[0].size, param_bytes=param_bytes(node),
                    bytes_in=io_bytes(node.inputs), bytes_out=io_bytes(node.outputs))


def _eval_float(p: LstmParams, xs, ys, h, c, w_in, w_rec, bias) -> None:
    s = p.state_dim
    # reference FullyConnected: total (float32, in order) + bias; the recurrent FC adds 0.0f
    gates_in = fc_f32(xs, w_in) + bias.astype(np.float32)
    clip = np.float32(p.cell_clip)
    for t in range(p.time_steps):
        g = gates_in[:, t] + fc_f32(h, w_rec)
        i_g = logistic_f32(g[..., 0:s])
        f_g = logistic_f32(g[..., s:2 * s])
        c_g = tanhf(g[..., 2 * s:3 * s])
        o_g = logistic_f32(g[..., 3 * s:])
        new_c = f_g * c + i_g * c_g
        if p.cell_clip > 0:
            new_c = np.clip(new_c, -clip, clip)
        c[...] = new_c
        h[...] = tanhf(new_c) * o_g
        ys[:, t] = h


def _eval_int(p: LstmParams, xs, ys, h, c, w_in, w_rec, bias) -> None:
    s = p.state_dim
    wide = p.kind == "int16"  # 16x8 path: int64 accumulators and the 64-bit multiplier
    w_in_f = w_in.astype(np.float64).T
    w_rec_f = w_rec.astype(np.float64).T
    # int8 x int8 (or int16 x int8) dot products are exact in float64 for any realistic depth
    acc_in = np.matmul(xs.astype(np.float64) + p.input_offset, w_in_f).astype(np.int64) + bias.astype(np.int64)
    if wide:
        pre_in = mbqm_int64(acc_in, p.input_multiplier, p.input_shift)
    else:
        pre_in = mbqm(wrap_int32(acc_in), p.input_multiplier, p.input_shift)
    gates_in = np.clip(pre_in, INT16_MIN, INT16_MAX).astype(np.int16)
    fmul, imul, omul = p.forget_cell_mul, p.input_mul, p.output_mul
    for t in range(p.time_steps):
        acc = np.matmul(h.astype(np.float64) + p.hidden_offset, w_rec_f).astype(np.int64)
        if wide:
            rec = mbqm_int64(acc, p.recurrent_multiplier, p.recurrent_shift)
        else:
            rec = mbqm(wrap_int32(acc), p.recurrent_multiplier, p.recurrent_shift)
        g = saturating_add_int16(gates_in[:, t], np.clip(rec, INT16_MIN, INT16_MAX))
        i_g = logistic_int16(g[..., 0:s])
        f_g = logistic_int16(g[..., s:2 * s])
        c_g = lstm_tanh_int16(g[..., 2 * s:3 * s], -12)
        o_g = logistic_int16(g[..., 3 * s:])
        fc = mul_elementwise(f_g, c, *fmul, 0, INT16_MIN, INT16_MAX, np.int16)
        ic = mul_elementwise(i_g, c_g, *imul, 0, INT16_MIN, INT16_MAX, np.int16)
        new_c = saturating_add_int16(fc, ic)
        if p.cell_clip > 0:
            new_c = np.clip(new_c, -p.quantized_cell_clip, p.quantized_cell_clip).astype(np.int16)
        c[...] = new_c
        tanh_c = lstm_tanh_int16(new_c, p.cell_state_scale_power)
        h[...] = mul_elementwise(tanh_c, o_g, *omul, p.hidden_zero_point, p.hidden_min, p.hidden_max, h.dtype)
        ys[:, t] = h
