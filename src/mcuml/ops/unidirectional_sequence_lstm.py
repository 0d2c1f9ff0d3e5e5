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
from mcuml.kernels.lstm import (INT16_MAX, INT16_MIN, checked_log2, fc_f32, int16_table, logistic_f32,
                                lstm_tanh_args, tanhf)
from mcuml.kernels.quant import ACT_TANH, mbqm_int64, quantize_multiplier, ratio, wrap_int32
from mcuml.kernels.quant import mbqm_positive as requantize
from mcuml.ops import Cost, Op, OpContext, register
from mcuml.ops._base import io_bytes, param_bytes
from mcuml.ops._facts import F32, I8, I16, Persistent, inp, opdata, weighted_refusal

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
_CHUNK_ELEMS = 8192


@dataclass(frozen=True, slots=True)
class LstmParams:
    time_major: bool
    batch: int
    time_steps: int
    input_dim: int
    state_dim: int
    kind: str  # "float32", "int8", "int16" (activation type)
    cell_clip: float
    # the four gates' weights side by side, gate-major [input, forget, cell, output] x state_dim:
    # float32 (4S, I)/(4S, S) for the float path, float64 transposed (I, 4S)/(S, 4S) for the integer one
    w_in: np.ndarray
    w_rec: np.ndarray
    bias: np.ndarray
    # integer path; arrays are laid out gate-major [input, forget, cell, output] x state_dim
    input_offset: int = 0
    hidden_offset: int = 0
    input_rq: tuple | None = None  # (multiplier, left, right, has_left) per lane, for kernels.quant.mbqm_positive
    recurrent_rq: tuple | None = None
    forget_cell_rq: tuple | None = None
    input_mul_rq: tuple | None = None
    output_mul_rq: tuple | None = None
    hidden_zero_point: int = 0
    hidden_min: int = 0
    hidden_max: int = 0
    quantized_cell_clip: int = 0
    sigmoid_table: np.ndarray | None = None  # int16 -> int16 maps indexed by the uint16 view
    gate_tanh_table: np.ndarray | None = None
    cell_tanh_table: np.ndarray | None = None


def _fc_multiplier(in_scale: float, w_scale: float) -> tuple[int, int]:
    # GetQuantizedConvolutionMultipler: float product widened, then divided in double
    real = float(np.float32(in_scale) * np.float32(w_scale)) / GATE_SCALE
    return quantize_multiplier(real)


def _inter_gate_mul(s1: float, s2: float, out: float) -> tuple:
    # CreateInterGateMulParams: all three scales widened to double first
    return _rq([quantize_multiplier(ratio(float(np.float32(s1)) * float(np.float32(s2)), float(np.float32(out))))])


def _rq(pairs: list[tuple[int, int]], lanes: int = 1) -> tuple:
    """(multiplier, left shift, right shift, any left shift) arrays, each pair repeated ``lanes`` times."""
    m = np.repeat(np.array([q for q, _ in pairs], np.int64), lanes)
    sh = np.repeat(np.array([e for _, e in pairs], np.int64), lanes)
    return m, np.maximum(sh, 0), np.maximum(-sh, 0), bool(np.any(sh > 0))


def _check_variant(node: Operator, ctx: OpContext) -> tuple[bool, float]:
    """The LSTM flavour TFLM supports (all four gates, no peephole/projection/layer norm, TANH) ->
    (time_major, cell_clip)."""
    ins = list(node.inputs)
    ctx.require(len(ins) == 24, f"UNIDIRECTIONAL_SEQUENCE_LSTM needs 24 inputs, got {len(ins)}")
    ctx.require(len(node.outputs) == 1, "UNIDIRECTIONAL_SEQUENCE_LSTM has one output")
    x, hidden, cell = ins[INPUT], ins[HIDDEN_STATE], ins[CELL_STATE]
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
    return bool(opts.get("time_major", False)), float(np.float32(opts.get("cell_clip", 0.0)))


def _check_shapes(ins: list, out, time_major: bool, ctx: OpContext) -> tuple[int, int, int, int]:
    """-> (batch, time steps, input dim, state dim), every weight/bias/state shape checked against them."""
    x, hidden, cell = ins[INPUT], ins[HIDDEN_STATE], ins[CELL_STATE]
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
    return batch, steps, n_in, n_state


def _check_types(ins: list, out, ctx: OpContext) -> tuple[DType, DType]:
    """Constant weights of one type, biases of one type, input/hidden/output alike -> (weight, bias) types."""
    x, hidden = ins[INPUT], ins[HIDDEN_STATE]
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
    return w_type, b_type


def _check_integer(ins: list, w_type: DType, b_type: DType, ctx: OpContext) -> None:
    """The integer kernels' types: int16 cell, int8/int16 input, symmetric per-tensor int8 weights."""
    x, cell = ins[INPUT], ins[CELL_STATE]
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


@register("UNIDIRECTIONAL_SEQUENCE_LSTM")
class UnidirectionalSequenceLstm(Op):
    """Memory (unidirectional_sequence_lstm.cc; cmsis_nn/unidirectional_sequence_lstm.cc): OpData; scratch
    4 cell-state-sized buffers (3 on the CMSIS-NN integer path, which also keeps 8 kernel-sum arrays)."""

    tflm_arity = ((24,), 1, (0,), {0: 1, 19: 1}, 0)  # TFLM Prepare's tensor counts; ranks the arena model reads

    cmsis_nn = True

    def tflm_rejects(self, node: Operator, kernels: str = "reference") -> str | None:
        return weighted_refusal(node, 0, 2, frozenset({(F32, F32), (I8, I8), (I16, I8)}))

    @staticmethod
    def _integer(node: Operator) -> bool:
        x, cell = node.inputs[0], inp(node, 19)
        return cell is not None and cell.dtype == I16 and x.dtype in (I8, I16)

    def persistent(self, node: Operator, target: str = "host", kernels: str = "reference") -> Persistent:
        base = opdata(node.name, target, kernels, True)
        if kernels == "cmsis-nn" and self._integer(node):
            state = node.inputs[19].shape[-1]
            return Persistent(base.init, (state * (4 if node.inputs[0].dtype == I8 else 8),) * 8)
        return base

    def scratch(self, node: Operator, target: str = "host", kernels: str = "reference") -> list[int]:
        cell = inp(node, 19)
        if cell is None:
            return []
        n = 3 if kernels == "cmsis-nn" and self._integer(node) else 4
        return [cell.nbytes] * n  # cell state is [batch, state_dim]

    def prepare(self, node: Operator, ctx: OpContext) -> LstmParams:
        ins = list(node.inputs)
        x, hidden, cell = ins[INPUT], ins[HIDDEN_STATE], ins[CELL_STATE]
        time_major, cell_clip = _check_variant(node, ctx)
        batch, steps, n_in, n_state = _check_shapes(ins, node.outputs[0], time_major, ctx)
        w_type, b_type = _check_types(ins, node.outputs[0], ctx)
        base = dict(time_major=time_major, batch=batch, time_steps=steps, input_dim=n_in, state_dim=n_state,
                    cell_clip=cell_clip)
        w_in = np.concatenate([ins[i].data for i in INPUT_WEIGHTS], axis=0)
        w_rec = np.concatenate([ins[i].data for i in RECURRENT_WEIGHTS], axis=0)
        ctx.require(all(ins[i].is_constant for i in BIASES), "biases must be constant")
        bias = np.concatenate([ins[i].data for i in BIASES])

        if cell.dtype == DType.float32:
            for t in (x, ins[INPUT_WEIGHTS[0]], ins[BIASES[0]]):
                if t.dtype != DType.float32:
                    ctx.unsupported_type(t, [DType.float32])
            return LstmParams(kind="float32", w_in=np.ascontiguousarray(w_in, np.float32),
                              w_rec=np.ascontiguousarray(w_rec, np.float32), bias=bias.astype(np.float32), **base)
        _check_integer(ins, w_type, b_type, ctx)
        in_pairs = [_fc_multiplier(x.scale, ins[i].scale) for i in INPUT_WEIGHTS]
        rec_pairs = [_fc_multiplier(hidden.scale, ins[i].scale) for i in RECURRENT_WEIGHTS]
        cell_scale = float(np.float32(cell.scale))
        qmin, qmax = (-128, 127) if hidden.dtype == DType.int8 else (INT16_MIN, INT16_MAX)
        return LstmParams(
            kind=x.dtype.name, **base,
            w_in=np.ascontiguousarray(w_in.astype(np.float64).T), w_rec=np.ascontiguousarray(w_rec.astype(np.float64).T),
            bias=bias.astype(np.int64),
            input_offset=-x.zero_point, hidden_offset=-hidden.zero_point,
            input_rq=_rq(in_pairs, n_state), recurrent_rq=_rq(rec_pairs, n_state),
            forget_cell_rq=_inter_gate_mul(GATE_OUT_SCALE, cell_scale, cell_scale),
            input_mul_rq=_inter_gate_mul(GATE_OUT_SCALE, GATE_OUT_SCALE, cell_scale),
            output_mul_rq=_inter_gate_mul(GATE_OUT_SCALE, GATE_OUT_SCALE, hidden.scale),
            hidden_zero_point=hidden.zero_point, hidden_min=qmin, hidden_max=qmax,
            # static_cast<int16_t>(clamped double): truncation toward zero
            quantized_cell_clip=int(min(max(float(np.float32(cell_clip)) / cell_scale, -32768.0), 32767.0)),
            sigmoid_table=int16_table("logistic"),
            gate_tanh_table=int16_table("tanh", *lstm_tanh_args(-12)),
            cell_tanh_table=int16_table("tanh", *lstm_tanh_args(checked_log2(cell_scale))),
        )

    def eval(self, p: LstmParams, inputs, outputs) -> None:
        x, hidden, cell = inputs[INPUT], inputs[HIDDEN_STATE], inputs[CELL_STATE]
        out = outputs[0]
        n = x.shape[0]
        # time-major views (n, T, B, ...) of input and output
        xs = x if p.time_major else x.swapaxes(1, 2)
        ys = out if p.time_major else out.swapaxes(1, 2)
        h = hidden.reshape(n, p.batch, p.state_dim)
        c = cell.reshape(n, p.batch, p.state_dim)
        run = _eval_float if p.kind == "float32" else _eval_int
        # the recurrence makes ~30 passes over (samples, 4 x state) arrays per time step: keep them
        # cache-sized (and below malloc's mmap threshold) by walking the sample axis in chunks
        chunk = max(1, _CHUNK_ELEMS // (4 * p.state_dim * p.batch))
        for a in range(0, n, chunk):
            run(p, xs[a:a + chunk], ys[a:a + chunk], h[a:a + chunk], c[a:a + chunk])

    def cost(self, node: Operator) -> Cost:
        x, hidden = node.inputs[INPUT], node.inputs[HIDDEN_STATE]
        n_state = hidden.shape[-1]
        seq = x.shape[0] * x.shape[1]
        macs = seq * 4 * n_state * (x.shape[2] + n_state)
        return Cost(macs=macs, elementwise=node.outputs[0].size, param_bytes=param_bytes(node),
                    bytes_in=io_bytes(node.inputs), bytes_out=io_bytes(node.outputs))


def _eval_float(p: LstmParams, xs, ys, h, c) -> None:
    s = p.state_dim
    # reference FullyConnected: total (float32, in order) + bias; the recurrent FC adds 0.0f
    gates_in = fc_f32(xs, p.w_in) + p.bias
    clip = np.float32(p.cell_clip)
    for t in range(p.time_steps):
        g = gates_in[:, t] + fc_f32(h, p.w_rec)
        sig = logistic_f32(np.concatenate([g[..., :2 * s], g[..., 3 * s:]], axis=-1))
        c_g = tanhf(g[..., 2 * s:3 * s])
        new_c = sig[..., s:2 * s] * c + sig[..., :s] * c_g
        if p.cell_clip > 0:
            new_c = np.clip(new_c, -clip, clip)
        c[...] = new_c
        h[...] = tanhf(new_c) * sig[..., 2 * s:]
        ys[:, t] = h


def _mul(a, b, rq, offset, qmin, qmax, dtype):
    # MulElementwise with symmetric int16 inputs
    return np.clip(requantize(a.astype(np.int64) * b, *rq) + offset, qmin, qmax).astype(dtype)


def _eval_int(p: LstmParams, xs, ys, h, c) -> None:
    s = p.state_dim
    wide = p.kind == "int16"  # 16x8 path: int64 accumulators and the 64-bit multiplier overload
    # int8 x int8 (or int16 x int8) dot products are exact in float64 for any realistic depth
    acc_in = np.matmul(xs.astype(np.float64) + p.input_offset, p.w_in).astype(np.int64) + p.bias
    if wide:
        m, left, right, _ = p.input_rq
        pre_in = mbqm_int64(acc_in, m, left - right)
    else:
        pre_in = requantize(wrap_int32(acc_in), *p.input_rq)
    gates_in = np.clip(pre_in, INT16_MIN, INT16_MAX).astype(np.int16)
    sig_tab, gtanh_tab, ctanh_tab = p.sigmoid_table, p.gate_tanh_table, p.cell_tanh_table
    i16 = np.int16
    for t in range(p.time_steps):
        acc = np.matmul(h.astype(np.float64) + p.hidden_offset, p.w_rec).astype(np.int64)
        if wide:
            m, left, right, _ = p.recurrent_rq
            rec = mbqm_int64(acc, m, left - right)
        else:
            rec = requantize(acc, *p.recurrent_rq)
        g = np.clip(gates_in[:, t] + np.clip(rec, INT16_MIN, INT16_MAX), INT16_MIN, INT16_MAX).astype(i16)
        act = sig_tab[g.view(np.uint16)]  # sigmoid on all lanes; the cell gate's lanes are replaced by tanh
        c_g = gtanh_tab[g[..., 2 * s:3 * s].view(np.uint16)]
        fc = _mul(act[..., s:2 * s], c, p.forget_cell_rq, 0, INT16_MIN, INT16_MAX, i16)
        ic = _mul(act[..., :s], c_g, p.input_mul_rq, 0, INT16_MIN, INT16_MAX, i16)
        new_c = np.clip(fc.astype(np.int32) + ic, INT16_MIN, INT16_MAX)
        if p.cell_clip > 0:
            new_c = np.clip(new_c, -p.quantized_cell_clip, p.quantized_cell_clip)
        new_c = new_c.astype(i16)
        c[...] = new_c
        tanh_c = ctanh_tab[new_c.view(np.uint16)]
        h[...] = _mul(tanh_c, act[..., 3 * s:], p.output_mul_rq, p.hidden_zero_point, p.hidden_min, p.hidden_max,
                      h.dtype)
        ys[:, t] = h
