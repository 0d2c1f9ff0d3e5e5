"""GATHER (axis, batch_dims) and GATHER_ND.

Ports ``tensorflow/lite/micro/kernels/gather.cc`` and ``gather_nd.cc``: float32/int8 params,
int32 indices. Indices may be activations; they are applied per sample (vectorized over the
sample axis by treating it as one more batch dimension). Out-of-range indices are an error in
TFLM; mcuml does not check them at eval time (eval runs blind).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.ops import Op, OpContext, register
from mcuml.ops._shape_util import batched, check_shape, n_inputs, require_dtype, same_dtype, tensor_in
from mcuml.ops._facts import Persistent, opdata, writable_dims


@dataclass(frozen=True, slots=True)
class GatherParams:
    batch: int  # product of batch_dims sizes
    outer: int
    axis_size: int
    inner: int
    coords: int  # product of the index dims after batch_dims
    out_shape: tuple[int, ...]


@register("GATHER")
class Gather(Op):
    tflm_types = frozenset({DType.float32, DType.int8})

    def persistent(self, node: Operator, target: str = "host", kernels: str = "reference") -> Persistent:
        """Prepare makes the output dims writable (``CreateWritableTensorDimsWithCopy``, gather.cc)."""
        base = opdata(node.name, target, kernels)
        return Persistent(base.init, (writable_dims(node.outputs[0]),))

    def prepare(self, node: Operator, ctx: OpContext) -> GatherParams:
        n_inputs(node, ctx, 2)
        x, idx, y = tensor_in(node, 0, ctx), tensor_in(node, 1, ctx, "positions"), node.outputs[0]
        require_dtype(ctx, idx, (DType.int32,))
        require_dtype(ctx, x, (DType.float32, DType.int8))
        same_dtype(ctx, x, y)
        o = node.options
        axis = int(o.get("axis", 0)) if o is not None else 0
        bd = int(o.get("batch_dims", 0)) if o is not None else 0
        rank, crank = len(x.shape), len(idx.shape)
        axis += rank if axis < 0 else 0
        bd += crank if bd < 0 else 0
        if not 0 <= axis < rank or not 0 <= bd <= axis or bd >= rank or bd > crank:
            ctx.fail(f"invalid axis {axis} / batch_dims {bd} for ranks {rank}, {crank}")
        if tuple(x.shape[:bd]) != tuple(idx.shape[:bd]):
            ctx.shape_error("batch dimensions of params and indices differ")
        prod = lambda s: int(np.prod(s, dtype=np.int64))  # noqa: E731
        check_shape(ctx, y, [*x.shape[:axis], *idx.shape[bd:], *x.shape[axis + 1:]])
        return GatherParams(prod(x.shape[:bd]), prod(x.shape[bd:axis]), x.shape[axis], prod(x.shape[axis + 1:]),
                            prod(idx.shape[bd:]), tuple(y.shape))

    def eval(self, p: GatherParams, inputs, outputs) -> None:
        y = outputs[0]
        b = y.shape[0]
        x = batched(inputs[0], b).reshape(b * p.batch, p.outer, p.axis_size, p.inner)
        c = batched(inputs[1], b).reshape(b * p.batch, 1, p.coords)
        n = np.arange(b * p.batch)[:, None, None]
        o = np.arange(p.outer)[None, :, None]
        y[...] = x[n, o, c].reshape(y.shape)


@dataclass(frozen=True, slots=True)
class GatherNdParams:
    depth: int  # indices' innermost dimension
    slice_shape: tuple[int, ...]
    out_shape: tuple[int, ...]


@register("GATHER_ND")
class GatherNd(Op):
    tflm_types = frozenset({DType.float32, DType.int8})

    def persistent(self, node: Operator, target: str = "host", kernels: str = "reference") -> Persistent:
        """Prepare makes the output dims writable (``CreateWritableTensorDimsWithCopy``, gather_nd.cc)."""
        base = opdata(node.name, target, kernels)
        return Persistent(base.init, (writable_dims(node.outputs[0]),))

    def prepare(self, node: Operator, ctx: OpContext) -> GatherNdParams:
        n_inputs(node, ctx, 2)
        x, idx, y = tensor_in(node, 0, ctx), tensor_in(node, 1, ctx, "indices"), node.outputs[0]
        require_dtype(ctx, x, (DType.float32, DType.int8))
        require_dtype(ctx, idx, (DType.int32,))
        same_dtype(ctx, x, y)
        if len(x.shape) < 1 or len(idx.shape) < 1:
            ctx.shape_error("params and indices must be at least vectors")
        depth = idx.shape[-1]
        if depth > len(x.shape):
            ctx.shape_error("Index innermost dimension length must be <= params rank.")
        if depth > 5:
            ctx.shape_error("Index innermost dimension length must not exceed 5.")
        check_shape(ctx, y, [*idx.shape[:-1], *x.shape[depth:]])
        return GatherNdParams(depth, tuple(x.shape[depth:]), tuple(y.shape))

    def eval(self, p: GatherNdParams, inputs, outputs) -> None:
        y = outputs[0]
        b = y.shape[0]
        x = batched(inputs[0], b)
        idx = batched(inputs[1], b)
        lead = np.arange(b).reshape((b,) + (1,) * (idx.ndim - 2))
        y[...] = x[(lead, *(idx[..., k] for k in range(p.depth)))]
