"""ONNX import: load, fix the batch to 1, infer shapes, fold constants, fold BatchNorm, drop no-ops.

The result is an :class:`OGraph`: ONNX nodes in topological order with attributes decoded, every
constant (initializers, ``Constant`` nodes and everything computed only from them, including
``Shape`` of statically shaped tensors) as a NumPy array, and the static shape of every tensor in
the model's own (NCHW) layout. Layout conversion happens later (:mod:`mcuml.convert.onnx_lower`).

``onnx`` is imported lazily; this module is only imported by the ONNX converter.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mcuml.convert.common import import_extra
from mcuml.errors import ConversionError

# ops that pass their (first) input through unchanged at inference time
NOOPS = frozenset({"Identity", "Dropout"})


@dataclass(slots=True)
class ONode:
    """One ONNX node with its attributes decoded."""

    op: str
    name: str
    inputs: list[str]
    outputs: list[str]
    attrs: dict[str, Any]
    proto: Any = None


@dataclass(slots=True)
class OGraph:
    """The imported ONNX graph: nodes, constants, inferred shapes, I/O names."""

    nodes: list[ONode]
    consts: dict[str, np.ndarray]
    shapes: dict[str, tuple[int, ...]]
    inputs: list[str]
    outputs: list[str]
    opset: int
    name: str = "model"
    aliases: dict[str, str] = field(default_factory=dict)

    def consumers(self, name: str) -> list[ONode]:
        """The nodes that read ``name``."""
        return [n for n in self.nodes if name in n.inputs]

    def resolve(self, name: str) -> str:
        """``name`` after following removed Identity/Dropout aliases."""
        while name in self.aliases:
            name = self.aliases[name]
        return name


def import_onnx() -> Any:
    """The ``onnx`` module, or a MissingDependencyError naming the extra."""
    return import_extra("onnx", "converting ONNX models needs the onnx package",
                        'pip install "mcuml[onnx]"  (onnx, onnxruntime)')


def load_onnx(src: Any) -> Any:
    """An ``onnx.ModelProto`` from a path, bytes or a ModelProto."""
    onnx = import_onnx()
    if isinstance(src, onnx.ModelProto):
        return src
    try:
        if isinstance(src, (bytes, bytearray)):
            return onnx.load_from_string(bytes(src))
        p = Path(src)
        return onnx.load(str(p))
    except Exception as e:  # protobuf DecodeError and friends
        raise ConversionError(f"cannot read ONNX model: {e}") from None


def _fix_batch(model: Any) -> None:
    """Every graph input gets batch 1 (TFLM has static shapes; samples are batched by the runner)."""
    init = {i.name for i in model.graph.initializer}
    for inp in model.graph.input:
        if inp.name in init:
            continue
        dims = inp.type.tensor_type.shape.dim
        for k, d in enumerate(dims):
            if k == 0:
                d.ClearField("dim_param")
                d.dim_value = 1
            elif not d.HasField("dim_value") or d.dim_value <= 0:
                raise ConversionError(f"input {inp.name!r} has a dynamic dimension {k} "
                                      f"({d.dim_param or '?'}); TFLM needs static shapes",
                                      hint="export the model with a fixed input size")


def _attrs(node: Any) -> dict[str, Any]:
    from onnx import helper

    out = {}
    for a in node.attribute:
        v = helper.get_attribute_value(a)
        if isinstance(v, bytes):
            v = v.decode()
        elif isinstance(v, list) and v and isinstance(v[0], bytes):
            v = [x.decode() for x in v]
        elif hasattr(v, "raw_data") or hasattr(v, "dims"):
            from onnx import numpy_helper

            v = numpy_helper.to_array(v)
        out[a.name] = v
    return out


def _shape_of(vi: Any) -> tuple[int, ...] | None:
    t = vi.type.tensor_type
    if not t.HasField("shape"):
        return None
    dims = []
    for d in t.shape.dim:
        if not d.HasField("dim_value"):
            return None
        dims.append(int(d.dim_value))
    return tuple(dims)


def read_graph(src: Any) -> OGraph:
    """Load and normalize an ONNX model (see the module docstring)."""
    onnx = import_onnx()
    from onnx import numpy_helper

    model = load_onnx(src)
    model = onnx.ModelProto.FromString(model.SerializeToString())  # never touch the caller's proto
    if len(model.graph.node) == 0:
        raise ConversionError("the ONNX graph has no nodes")
    _fix_batch(model)
    try:
        model = onnx.shape_inference.infer_shapes(model, strict_mode=False, data_prop=True)
    except Exception as e:  # inconsistent graphs
        raise ConversionError(f"ONNX shape inference failed: {e}") from None
    opset = max((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), default=13)
    g = model.graph
    consts = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    shapes: dict[str, tuple[int, ...]] = {}
    for vi in list(g.input) + list(g.value_info) + list(g.output):
        s = _shape_of(vi)
        if s is not None:
            shapes[vi.name] = s
    for k, v in consts.items():
        shapes[k] = tuple(v.shape)
    nodes = [ONode(n.op_type if n.domain in ("", "ai.onnx") else f"{n.domain}.{n.op_type}",
                   n.name or f"{n.op_type}_{i}", list(n.input), list(n.output), _attrs(n), n)
             for i, n in enumerate(g.node)]
    graph = OGraph(nodes, consts, shapes, [i.name for i in g.input if i.name not in consts],
                   [o.name for o in g.output], opset, g.name or "model")
    from mcuml.convert.onnx_fold import fold_constants

    fold_constants(graph)
    # shapes computed by the graph (F.pad, interpolate(size=...)) are only known once folded: re-infer
    for _ in range(4):
        missing = [o for n in graph.nodes for o in n.outputs if o and o not in graph.shapes]
        if not missing:
            break
        _reinfer(model, graph)
        before = len(graph.nodes)
        fold_constants(graph)
        if len(graph.nodes) == before and all(o not in graph.shapes for o in missing):
            break
    _drop_noops(graph)
    _fold_batchnorm(graph)
    return graph


def _reinfer(model: Any, g: OGraph) -> None:
    """Shape inference again on the folded graph (constants as initializers)."""
    onnx = import_onnx()
    from onnx import helper, numpy_helper

    used = {i for n in g.nodes for i in n.inputs if i}
    inits = [numpy_helper.from_array(np.asarray(v), k) for k, v in g.consts.items() if k in used]
    inputs = [i for i in model.graph.input if i.name in g.inputs]
    graph = helper.make_graph([n.proto for n in g.nodes], "folded", inputs, list(model.graph.output), inits)
    m = helper.make_model(graph, opset_imports=list(model.opset_import), ir_version=model.ir_version)
    try:
        m = onnx.shape_inference.infer_shapes(m, strict_mode=False, data_prop=True)
    except Exception:  # keep what we have; the lowering names the tensor whose shape is unknown
        return
    for vi in list(m.graph.value_info) + list(m.graph.output):
        shape = _shape_of(vi)
        if shape is not None:
            g.shapes.setdefault(vi.name, shape)


def _drop_noops(g: OGraph) -> None:
    keep = []
    for n in g.nodes:
        if n.op in NOOPS and n.outputs[0] not in g.outputs:
            g.aliases[n.outputs[0]] = n.inputs[0]
            continue
        keep.append(n)
    for n in keep:
        n.inputs = [g.resolve(i) if i else i for i in n.inputs]
    g.nodes = keep


def _fold_batchnorm(g: OGraph) -> None:
    """Conv/ConvTranspose/Gemm followed by BatchNormalization (sole consumer, constant params) -> one node."""
    producer = {o: n for n in g.nodes for o in n.outputs}
    drop: set[int] = set()
    for bn in g.nodes:
        if bn.op != "BatchNormalization" or not all(i in g.consts for i in bn.inputs[1:5]):
            continue
        src = producer.get(bn.inputs[0])
        if src is None or src.op not in ("Conv", "ConvTranspose", "Gemm") or len(g.consumers(bn.inputs[0])) != 1 \
                or bn.inputs[0] in g.outputs or any(i and i not in g.consts for i in src.inputs[1:]):
            continue
        gamma, beta, mean, var = (g.consts[i].astype(np.float64) for i in bn.inputs[1:5])
        k = gamma / np.sqrt(var + float(bn.attrs.get("epsilon", 1e-5)))
        w = g.consts[src.inputs[1]].astype(np.float64)
        if src.op == "Conv":
            w = w * k.reshape((-1,) + (1,) * (w.ndim - 1))
            nout = w.shape[0]
        elif src.op == "ConvTranspose":
            grp = int(src.attrs.get("group", 1))
            ic, ocg = w.shape[0], w.shape[1]
            w = (w.reshape(grp, ic // grp, ocg, *w.shape[2:]) *
                 k.reshape(grp, 1, ocg, *(1,) * (w.ndim - 2))).reshape(w.shape)
            nout = ocg * grp
        else:  # Gemm: y = alpha * A @ B' + beta * C
            if not src.attrs.get("transB", 0):
                w = w * k[None, :]
            else:
                w = w * k[:, None]
            nout = k.shape[0]
        b = np.zeros(nout)
        if len(src.inputs) > 2 and src.inputs[2]:
            b = np.broadcast_to(g.consts[src.inputs[2]].astype(np.float64), (nout,))
            if src.op == "Gemm":
                b = b * float(src.attrs.get("beta", 1.0))
                src.attrs["beta"] = 1.0
        b = (b - mean) * k + beta
        wn, bn_name = f"{src.outputs[0]}::bnw", f"{src.outputs[0]}::bnb"
        g.consts[wn] = w.astype(np.float32)
        g.consts[bn_name] = b.astype(np.float32)
        g.shapes[wn], g.shapes[bn_name] = w.shape, b.shape
        src.inputs = [src.inputs[0], wn, bn_name]
        src.outputs[0] = bn.outputs[0]  # the BN output keeps its name (it may be a graph output)
        drop.add(id(bn))
    if drop:
        g.nodes = [n for n in g.nodes if id(n) not in drop]


def describe(g: OGraph) -> str:
    """The graph as text, one node per line (for debugging)."""
    return os.linesep.join(f"{n.op} {n.inputs} -> {n.outputs}" for n in g.nodes)
