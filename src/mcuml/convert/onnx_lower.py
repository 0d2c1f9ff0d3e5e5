"""ONNX (NCHW) -> TFLite-level float graph (NHWC), with the layout conversion done on the graph.

Invariant: every rank-4 activation is stored NHWC (its ONNX shape is NCHW); everything else is
stored in its ONNX layout. Weights are permuted at conversion time (CONV_2D filters
``[OC,KH,KW,IC]``, DEPTHWISE ``[1,KH,KW,OC]``, FC ``[OUT,IN]``) and per-channel constants of
element-wise ops are broadcast then permuted, so conv-style models contain no TRANSPOSE.

A 4-D -> 2-D flatten whose element order differs between the layouts (C>1 and H*W>1) is a plain
RESHAPE of the NHWC tensor when every consumer is a fully connected layer: the 2-D value carries
the permutation (``Value.perm``) and the FC's weight columns are permuted instead. Only where
that is impossible does the lowering insert a TRANSPOSE.

The op lowerings themselves live in :mod:`mcuml.convert.onnx_ops`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from mcuml.convert.onnx_graph import ACT, CONST, INT, TGraph, TOp, TTensor, fuse_activations, prune
from mcuml.convert.onnx_import import OGraph
from mcuml.errors import ConversionError, OpProblem

NCHW_TO_NHWC = (0, 2, 3, 1)
NHWC_TO_NCHW = (0, 3, 1, 2)
# ONNX (NCHW) axis -> stored (NHWC) axis
AXIS_NHWC = {0: 0, 1: 3, 2: 1, 3: 2}
# unary element-wise ops: a flatten permutation passes through them unchanged
ELEMENTWISE_UNARY = frozenset({"Relu", "Clip", "LeakyRelu", "Sigmoid", "Tanh", "HardSwish", "HardSigmoid",
                               "Identity", "Dropout"})


@dataclass(slots=True)
class Value:
    """An ONNX tensor as it exists in the TFLite graph."""

    tname: str
    shape: tuple[int, ...]             # ONNX (logical) shape
    nhwc: bool = False                 # stored as NHWC (rank 4 only)
    perm: np.ndarray | None = None     # 2-D only: stored[:, i] == logical[:, perm[i]]


def nhwc_shape(shape: tuple[int, ...]) -> tuple[int, ...]:
    """An NCHW shape in NHWC order."""
    return tuple(shape[i] for i in NCHW_TO_NHWC)


def layout_trivial(shape: tuple[int, ...]) -> bool:
    """NCHW and NHWC orders of this shape are the same bytes (its non-1 dims keep their order)."""
    if len(shape) != 4:
        return True
    a = [d for d in shape if d != 1]
    b = [d for d in nhwc_shape(shape) if d != 1]
    return a == b and (shape[1] == 1 or shape[2] * shape[3] == 1)


class Lowering:
    """ONNX graph -> TGraph, one node at a time (the per-op rules live in onnx_ops.LOWERINGS)."""

    def __init__(self, g: OGraph) -> None:
        self.g = g
        self.tg = TGraph()
        self.values: dict[str, Value] = {}
        self.skip: set[int] = set()
        self.node: Any = None
        self._n = 0

    # -- tensors ---------------------------------------------------------------------------
    def unique(self, base: str) -> str:
        """A tensor name not used yet, ``base`` or ``base_N``."""
        name = base
        while name in self.tg.tensors:
            self._n += 1
            name = f"{base}_{self._n}"
        return name

    def tensor(self, base: str, shape: tuple[int, ...], onnx: str | None = None) -> str:
        """A new activation tensor; returns its name."""
        name = self.unique(base)
        self.tg.tensors[name] = TTensor(name, tuple(int(d) for d in shape), onnx=onnx)
        return name

    def const(self, base: str, arr: np.ndarray, role: str = CONST, qdim: int = 0) -> str:
        """A new constant tensor (int32 for INT, else float32); returns its name."""
        name = self.unique(base)
        arr = np.asarray(arr, np.int32 if role == INT else np.float32)
        self.tg.tensors[name] = TTensor(name, tuple(arr.shape), data=np.ascontiguousarray(arr), role=role, qdim=qdim)
        return name

    def emit(self, op: str, inputs: list[str | None], outputs: list[str], kind: str | None = None,
             **options: Any) -> TOp:
        """Append a TFLite op, tagged with the ONNX node it came from."""
        node = TOp(op, inputs, outputs, kind, options, src=self.node.name if self.node is not None else "")
        self.tg.ops.append(node)
        return node

    def out(self, onnx_name: str, shape: tuple[int, ...] | None = None, *, perm: np.ndarray | None = None,
            plain: bool = False) -> Value:
        """A new value for an ONNX output (rank 4 -> NHWC unless ``plain``)."""
        shape = tuple(shape if shape is not None else self.shape(onnx_name))
        nhwc = len(shape) == 4 and not plain
        tname = self.tensor(onnx_name, nhwc_shape(shape) if nhwc else shape, onnx=onnx_name)
        v = Value(tname, shape, nhwc, perm)
        self.values[onnx_name] = v
        return v

    def shape(self, onnx_name: str) -> tuple[int, ...]:
        """The inferred ONNX shape of ``onnx_name``; ConversionError if unknown."""
        s = self.g.shapes.get(onnx_name)
        if s is None:
            raise ConversionError(f"node {self.node.name!r} ({self.node.op}): the shape of {onnx_name!r} is unknown",
                                  hint="export with static input shapes")
        return tuple(int(d) for d in s)

    def value(self, onnx_name: str) -> Value:
        """The lowered value of an ONNX activation; fails if it is a constant or not produced."""
        v = self.values.get(onnx_name)
        if v is None:
            if onnx_name in self.g.consts:
                raise self.fail(f"input {onnx_name!r} is a constant where an activation is expected")
            raise self.fail(f"input {onnx_name!r} is not produced by any supported node")
        return v

    def constant(self, onnx_name: str | None) -> np.ndarray | None:
        """The constant array of ``onnx_name``, or None."""
        return None if not onnx_name else self.g.consts.get(onnx_name)

    def fail(self, why: str) -> ConversionError:
        """A ConversionError naming the current node."""
        n = self.node
        return ConversionError(f"node {n.name!r} ({n.op}): {why}", node=n.name, op=n.op)

    # -- layout helpers ----------------------------------------------------------------------
    def stored(self, v: Value) -> tuple[int, ...]:
        """The stored (TFLite) shape of ``v``."""
        return self.tg.tensors[v.tname].shape

    def to_logical(self, v: Value) -> Value:
        """A value stored in its ONNX layout (TRANSPOSE if it is not already)."""
        if v.perm is not None:
            raise self.fail("a flattened NHWC tensor feeds an op that needs the NCHW element order")
        if not v.nhwc or layout_trivial(v.shape):
            return v
        t = self.tensor(f"{v.tname}/nchw", v.shape)
        self.emit("TRANSPOSE", [v.tname, self.const(f"{v.tname}/perm", np.array(NHWC_TO_NCHW), INT)], [t],
                  "TransposeOptions")
        return Value(t, v.shape, False)

    def reshape(self, x: Value, onnx_out: str, out_shape: tuple[int, ...], *, allow_perm: bool = True) -> Value:
        """Reshape with the layout rules of the module docstring."""
        out_shape = tuple(int(d) for d in out_shape)
        if x.perm is not None:
            if len(out_shape) == 2 and out_shape == x.shape:
                return self._alias(onnx_out, x)
            raise self.fail("reshaping a flattened NHWC tensor again is not supported")
        src_trivial = not x.nhwc or layout_trivial(x.shape)
        dst_trivial = len(out_shape) != 4 or layout_trivial(out_shape)
        if src_trivial and dst_trivial:
            return self._reshape_op(x.tname, onnx_out, out_shape)
        if not src_trivial and len(out_shape) == 2 and out_shape[1] == int(np.prod(x.shape[1:])) and allow_perm \
                and self._feeds_only_fc(onnx_out):
            c, h, w = x.shape[1:]
            perm = np.arange(c * h * w).reshape(c, h, w).transpose(1, 2, 0).ravel()
            v = self._reshape_op(x.tname, onnx_out, out_shape)
            v.perm = perm
            return v
        src = self.to_logical(x)
        if dst_trivial:
            return self._reshape_op(src.tname, onnx_out, out_shape)
        mid = self.tensor(f"{onnx_out}/nchw", out_shape)
        self.emit("RESHAPE", [src.tname, self.const(f"{onnx_out}/shape", np.array(out_shape), INT)], [mid],
                  "ReshapeOptions", new_shape=list(out_shape))
        v = self.out(onnx_out, out_shape)
        self.emit("TRANSPOSE", [mid, self.const(f"{onnx_out}/perm", np.array(NCHW_TO_NHWC), INT)], [v.tname],
                  "TransposeOptions")
        return v

    def _reshape_op(self, src: str, onnx_out: str, out_shape: tuple[int, ...]) -> Value:
        v = self.out(onnx_out, out_shape)
        stored = self.tg.tensors[v.tname].shape
        self.emit("RESHAPE", [src, self.const(f"{onnx_out}/shape", np.array(stored), INT)], [v.tname],
                  "ReshapeOptions", new_shape=list(stored))
        return v

    def _alias(self, onnx_out: str, x: Value) -> Value:
        self.values[onnx_out] = x
        return x

    def _feeds_only_fc(self, name: str) -> bool:
        """Every path from ``name`` through unary element-wise nodes ends in a Gemm/MatMul with constant weights."""
        users = self.g.consumers(name)
        if not users or name in self.g.outputs:
            return False
        for u in users:
            if u.op in ELEMENTWISE_UNARY and u.inputs[0] == name:
                if not self._feeds_only_fc(u.outputs[0]):
                    return False
            elif u.op in ("Gemm", "MatMul") and u.inputs[0] == name and u.inputs[1] in self.g.consts \
                    and not u.attrs.get("transA", 0):
                continue
            else:
                return False
        return True

    def channel_const(self, arr: np.ndarray, like: Value) -> np.ndarray:
        """A constant broadcast against ``like`` (ONNX layout), rearranged to how ``like`` is stored."""
        arr = np.asarray(arr, np.float32)
        if like.nhwc:
            if arr.ndim < 4:
                arr = arr.reshape((1,) * (4 - arr.ndim) + arr.shape)
            return np.ascontiguousarray(arr.transpose(NCHW_TO_NHWC))
        if like.perm is not None and arr.ndim >= 1 and arr.shape[-1] > 1:
            arr = np.broadcast_to(arr.reshape((1,) * (2 - arr.ndim) + arr.shape) if arr.ndim < 2 else arr,
                                  (arr.shape[0] if arr.ndim == 2 else 1, like.shape[1]))[:, like.perm]
        return np.ascontiguousarray(arr)

    # -- driver ------------------------------------------------------------------------------
    def run(self) -> TGraph:
        """Lower every node, then fuse activations and prune; lists all unsupported ops at once."""
        from mcuml.convert.onnx_ops import LOWERINGS

        problems = [OpProblem(n.op, i, f"ONNX op {n.op} ({n.name}) is not supported")
                    for i, n in enumerate(self.g.nodes) if n.op not in LOWERINGS]
        if problems:
            listed = ", ".join(f"{p.op} ({self.g.nodes[p.node].name})" for p in problems)
            raise ConversionError(f"{len(problems)} unsupported ONNX node(s): {listed}",
                                  hint=f"supported: {', '.join(sorted(LOWERINGS))}", problems=problems)
        tg = self.tg
        for name in self.g.inputs:
            shape = self.shape(name)
            v = self.out(name, shape)
            tg.inputs.append(v.tname)
            tg.input_perms.append(NCHW_TO_NHWC if v.nhwc else None)
        for n in self.g.nodes:
            if id(n) in self.skip:
                continue
            self.node = n
            LOWERINGS[n.op](self, n)
        self.node = None
        for name in self.g.outputs:
            name = self.g.resolve(name)
            if name in self.g.consts:
                raise ConversionError(f"graph output {name!r} is a constant")
            v = self.values[name]
            if v.perm is not None:  # cannot happen through _feeds_only_fc; be safe
                raise ConversionError(f"graph output {name!r} is a permuted flatten")
            if v.tname in tg.inputs or v.tname in tg.outputs:  # pass-through output: give it its own tensor
                t = self.tensor(f"{name}/out", self.stored(v), onnx=name)
                self.emit("RESHAPE", [v.tname, self.const(f"{name}/shape", np.array(self.stored(v)), INT)], [t],
                          "ReshapeOptions", new_shape=list(self.stored(v)))
                v = Value(t, v.shape, v.nhwc)
            tg.outputs.append(v.tname)
            tg.output_perms.append(NCHW_TO_NHWC if v.nhwc else None)
        fuse_activations(tg)
        prune(tg)
        for t in tg.tensors.values():
            assert t.data is not None or t.role == ACT
        return tg


def lower(g: OGraph) -> TGraph:
    """Lower an imported ONNX graph to a TGraph."""
    return Lowering(g).run()
