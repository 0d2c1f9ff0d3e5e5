"""BROADCAST_ARGS: the broadcast shape of two shape vectors (int32/int64).

Ports ``tensorflow/lite/micro/kernels/broadcast_args.cc`` (``reference_ops::BroadcastArgs``):
shorter shapes are left-padded with 1s, then each output dim is the non-1 one. The shapes may be
activations (e.g. SHAPE outputs) and are evaluated per sample.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.ops import Op, OpContext, register
from mcuml.ops._shape_util import n_inputs, require_dtype, same_dtype, tensor_in


@dataclass(frozen=True, slots=True)
class BroadcastArgsParams:
    out_len: int


@register("BROADCAST_ARGS")
class BroadcastArgs(Op):
    tflm_types = frozenset({DType.int32, DType.int64})

    def prepare(self, node: Operator, ctx: OpContext) -> BroadcastArgsParams:
        n_inputs(node, ctx, 2)
        a, b, y = tensor_in(node, 0, ctx), tensor_in(node, 1, ctx), node.outputs[0]
        require_dtype(ctx, a, (DType.int32, DType.int64))
        same_dtype(ctx, a, b)
        same_dtype(ctx, a, y)
        if len(a.shape) != 1 or len(b.shape) != 1 or len(y.shape) != 1:
            ctx.shape_error("BROADCAST_ARGS works on 1-D shape tensors")
        if y.shape[0] != max(a.shape[0], b.shape[0]):
            ctx.shape_error(f"output length {y.shape[0]} != {max(a.shape[0], b.shape[0])}")
        return BroadcastArgsParams(y.shape[0])

    def eval(self, p: BroadcastArgsParams, inputs, outputs) -> None:
        y = outputs[0]
        n = y.shape[0]

        def pad(s: np.ndarray) -> np.ndarray:
            s = np.broadcast_to(s, (n, s.shape[1]))
            return np.concatenate([np.ones((n, p.out_len - s.shape[1]), s.dtype), s], axis=1)

        a, b = pad(inputs[0]), pad(inputs[1])
        y[...] = np.where(a == 1, b, a)
