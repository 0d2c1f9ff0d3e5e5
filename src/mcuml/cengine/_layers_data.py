"""Emitters of the data-movement and reduction ops: MEAN, PAD, CONCATENATION, TRANSPOSE, slices, RESIZE.

Index-only ops are lowered to one strided copy (``mcuml_copy_nd``): the generator runs mcuml's own
kernel on an index ramp and reads the affine map (base + per-axis strides) off the result, so the
C code moves exactly the elements mcuml's (TFLM-exact) kernel moves.
"""

from __future__ import annotations

import numpy as np

from mcuml.cengine._emit import CTYPE, Layer, pad6, row_strides
from mcuml.cengine._layers import _io, _need, emitter
from mcuml.ir.dtypes import DType


def _affine(out: np.ndarray) -> tuple[int, list[int]] | None:
    """(base, strides) with out[idx] == base + idx . strides for every index, or None."""
    base = int(out.flat[0]) if out.size else 0
    strides = []
    for d in range(out.ndim):
        if out.shape[d] > 1:
            idx = [0] * out.ndim
            idx[d] = 1
            strides.append(int(out[tuple(idx)]) - base)
        else:
            strides.append(0)
    grids = np.indices(out.shape, dtype=np.int64) if out.size else np.zeros((out.ndim,) + out.shape, np.int64)
    want = base + sum(g * s for g, s in zip(grids, strides)) if out.ndim else np.asarray(base)
    return (base, strides) if np.array_equal(want, out) else None

def _copy(g, esize: int, dims, istr, ostr, in_base: int = 0, out_base: int = 0) -> str:
    return g.pool.struct("mcuml_copy_t", {"esize": esize, "in_base": in_base, "out_base": out_base, "dims": pad6(list(dims), 1),
                                              "istr": pad6(list(istr), 0), "ostr": pad6(list(ostr), 0)})

@emitter("TRANSPOSE", "STRIDED_SLICE", "SLICE", "REVERSE_V2", "GATHER_", "SPACE_TO_DEPTH", "DEPTH_TO_SPACE",
         "BROADCAST_TO")
def index_map(g, bn) -> Layer:
    """Any op whose output elements are input elements at affine positions."""
    node, p = bn.node, bn.params
    x, y = node.inputs[0], node.outputs[0]
    _need(not x.is_constant, "constant input")
    ramp = np.arange(x.size, dtype=np.int64).reshape((1, *x.shape))
    out = np.zeros((1, *y.shape), np.int64)
    inputs = [ramp] + [None if t is None else (t.data[None] if t.is_constant else None) for t in node.inputs[1:]]
    bn.op.eval(p, inputs, [out])
    got = _affine(out[0])
    _need(got is not None, "not an affine index map")
    base, strides = got
    ins, outs = _io(g, bn)
    ref = _copy(g, x.dtype.itemsize, y.shape, strides, row_strides(y.shape), base, 0)
    return Layer(node.name, bn.index, f"mcuml_copy_nd({ref}, {{i0}}, {{o0}});", ins[:1], outs)

@emitter("CONCATENATION")
def concatenation(g, bn) -> Layer:
    node, p = bn.node, bn.params
    y = node.outputs[0]
    axis = p.axis - 1
    ostr = row_strides(y.shape)
    calls, ins, off = [], [], 0
    for t, i in zip(node.inputs, bn.inputs):
        if t is None:
            continue
        src = g.pool.array(t.data, CTYPE[t.dtype], "k") if t.is_constant else f"{{i{len(ins)}}}"
        if not t.is_constant:
            ins.append(i)
        ref = _copy(g, y.dtype.itemsize, t.shape, row_strides(t.shape), ostr, 0, off * ostr[axis])
        calls.append(f"mcuml_copy_nd({ref}, {src}, {{o0}});")
        off += t.shape[axis]
    return Layer(node.name, bn.index, " ".join(calls), ins, list(bn.outputs))

@emitter("PAD", "PADV2")
def pad(g, bn) -> Layer:
    node, p = bn.node, bn.params
    x, y = node.inputs[0], node.outputs[0]
    _need(not p.has_constant_values or node.inputs[2].is_constant, "non-constant pad value")
    value = node.inputs[2].data.reshape(-1)[0] if p.has_constant_values else p.pad_value
    ct = CTYPE[y.dtype]
    sym = g.pool.array(np.asarray([value]), ct, "pv")
    ins, outs = _io(g, bn)
    if len(y.shape) <= 4:
        pre = 4 - len(y.shape)
        ref = g.pool.struct("mcuml_pad_t", {
            "esize": y.dtype.itemsize, "in_dims": [1] * pre + list(x.shape), "out_dims": [1] * pre + list(y.shape),
            "before": [0] * pre + [a for a, _ in p.inner]})
        call = f"mcuml_pad({ref}, {{i0}}, {{o0}}, {sym});"
        return Layer(node.name, bn.index, call, ins[:1], outs, inplace_call=call)
    ostr = row_strides(y.shape)
    out_base = sum(a * s for (a, _), s in zip(p.inner, ostr))
    ref = _copy(g, y.dtype.itemsize, x.shape, row_strides(x.shape), ostr, 0, out_base)
    return Layer(node.name, bn.index, f"mcuml_fill({{o0}}, {y.dtype.itemsize}, {sym}, {y.size}); "
                 f"mcuml_copy_nd({ref}, {{i0}}, {{o0}});", ins[:1], outs)


@emitter("RESIZE_NEAREST_NEIGHBOR")
def resize(g, bn) -> Layer:
    node, p = bn.node, bn.params
    x, y = node.inputs[0], node.outputs[0]
    ref = g.pool.struct("mcuml_resize_t", {
        "batch": x.shape[0], "in_h": x.shape[1], "in_w": x.shape[2], "ch": x.shape[3], "out_h": y.shape[1], "out_w": y.shape[2],
        "esize": x.dtype.itemsize, "ymap": g.pool.array(np.asarray(p.rows), "int16_t", "ry"),
        "xmap": g.pool.array(np.asarray(p.cols), "int16_t", "rx")})
    ins, outs = _io(g, bn)
    return Layer(node.name, bn.index, f"mcuml_resize_nn({ref}, {{i0}}, {{o0}});", ins[:1], outs)

@emitter("MEAN")
def mean(g, bn) -> Layer:
    node, p = bn.node, bn.params
    x, y = node.inputs[0], node.outputs[0]
    axes = [a - 1 for a in p.axes]
    keep = [d for d in range(len(x.shape)) if d not in axes]
    st = row_strides(x.shape)
    kd, ks = [x.shape[d] for d in keep], [st[d] for d in keep]
    rd, rs = [x.shape[d] for d in axes], [st[d] for d in axes]
    f = {"n_keep": y.size, "n_red": p.count, "kdims": pad6(kd, 1), "kstr": pad6(ks, 0), "rdims": pad6(rd, 1), "rstr": pad6(rs, 0)}
    ins, outs = _io(g, bn)
    if x.dtype == DType.float32:
        f.update(in_zp=0, out_zp=0, mult=0, shift=0, qmin=0, qmax=0)
        ref = g.pool.struct("mcuml_reduce_t", f)
        return Layer(node.name, bn.index, f"mcuml_mean_f32({ref}, (const float *){{i0}}, (float *){{o0}});", ins[:1], outs)
    _need(x.dtype == DType.int8, f"{x.dtype.name} MEAN")
    f.update(in_zp=p.input_zp, out_zp=p.output_zp, mult=p.output_multiplier, shift=p.output_shift, qmin=p.qmin,
             qmax=p.qmax)
    ref = g.pool.struct("mcuml_reduce_t", f)
    return Layer(node.name, bn.index, f"mcuml_mean_s8({ref}, (const int8_t *){{i0}}, (int8_t *){{o0}});", ins[:1], outs)

