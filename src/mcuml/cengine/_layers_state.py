"""Emitters of the stateful ops: SVDF (its activation state is a variable tensor).

A variable tensor is not planned in the arena: it lives across invokes, so the generator gives it a
static buffer of its own (``_Gen.state``) holding TFLM's reset value (int8: the zero point, else 0)
at start-up and after ``NAME_reset()``.
"""

from __future__ import annotations

import numpy as np

from mcuml.cengine._emit import Layer, wrap32
from mcuml.cengine._layers import _need, emitter
from mcuml.ir.dtypes import DType


@emitter("SVDF")
def svdf(g, bn) -> Layer:
    """``mcuml_svdf_s8`` (int16 or int8 state) / ``mcuml_svdf_f32`` (csrc/mcuml_svdf.c)."""
    node, p = bn.node, bn.params
    x, wf, wt, bias, state = node.inputs
    _need(not x.is_constant, "constant input")
    _need(bias is not None and bias.is_constant, "SVDF needs a constant bias")
    sym = g.state(bn.inputs[4], state)
    f = {"batch": x.shape[0], "input_size": x.shape[1], "num_filters": p.num_filters, "num_units": p.num_units,
         "rank": p.rank, "memory_size": p.memory_size}
    ins, outs = [bn.inputs[0]], list(bn.outputs)
    if not p.quantized:
        f.update(activation=p.activation, weights_feature=g.pool.array(wf.data, "float", "w"),
                 weights_time=g.pool.array(wt.data, "float", "w"), bias=g.pool.array(bias.data, "float", "b"))
        ref = g.pool.struct("mcuml_svdf_f32_t", f)
        return Layer(node.name, bn.index, f"mcuml_svdf_f32({ref}, (const float *){{i0}}, {sym}, (float *){{o0}});",
                     ins, outs)
    _need(state.dtype in (DType.int16, DType.int8), f"{state.dtype.name} state")
    ct = "int16_t" if state.dtype == DType.int16 else "int8_t"
    f.update(input_zp=p.input_zero_point, output_zp=p.output_zero_point, state_zp=p.activation_state_zero_point,
             mult1=p.effective_scale_1_a, shift1=p.effective_scale_1_b, mult2=p.effective_scale_2_a,
             shift2=p.effective_scale_2_b, state_bytes=state.dtype.itemsize,
             weights_feature=g.pool.array(wf.data, "int8_t", "w"), weights_time=g.pool.array(wt.data, ct, "w"),
             bias=g.pool.array(np.asarray(bias.data, np.int64), "int32_t", "b"),
             wsum_zp=g.pool.array(wrap32(-p.input_zero_point * wf.data.astype(np.int64).sum(axis=1)), "int32_t", "z"))
    ref = g.pool.struct("mcuml_svdf_s8_t", f)
    return Layer(node.name, bn.index, f"mcuml_svdf_s8({ref}, (const int8_t *){{i0}}, {sym}, (int8_t *){{o0}});",
                 ins, outs)
