"""EMBEDDING_LOOKUP: rows of a (usually constant) table picked by int32 ids.

Ports ``tensorflow/lite/micro/kernels/embedding_lookup.cc``: float32 -> float32 and int8 -> int8
copy rows; int8 table -> float32 output is the hybrid path, which dequantizes with the table's
scale (zero point must be 0) in float32. Ids are applied per sample.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.ops import Op, OpContext, register
from mcuml.ops._shape_util import batched, check_shape, n_inputs, require_dtype, tensor_in
from mcuml.ops._facts import Persistent, prepare_opdata, writable_dims


@dataclass(frozen=True, slots=True)
class EmbeddingLookupParams:
    hybrid_scale: float | None  # set for int8 table -> float32 output


@register("EMBEDDING_LOOKUP")
class EmbeddingLookup(Op):
    tflm_types = frozenset({DType.float32, DType.int8})
    tflm_type_operand = 1

    def persistent(self, node: Operator, target: str = "host", kernels: str = "reference") -> Persistent:
        """embedding_lookup.cc ``CalculateOpData`` (Prepare): ``OpData`` {scale, num_columns} for every type, then
        a writable copy of the output's dims."""
        base = prepare_opdata(node, target, kernels, True)
        return Persistent(base.init, base.prepare + (writable_dims(node.outputs[0]),))

    def prepare(self, node: Operator, ctx: OpContext) -> EmbeddingLookupParams:
        n_inputs(node, ctx, 2)
        ids, table, y = tensor_in(node, 0, ctx, "lookup"), tensor_in(node, 1, ctx, "value"), node.outputs[0]
        require_dtype(ctx, ids, (DType.int32,))
        if len(ids.shape) != 1:
            ctx.shape_error("lookup must be 1-D")
        require_dtype(ctx, table, (DType.float32, DType.int8))
        if len(table.shape) < 2:
            ctx.shape_error("value must be at least 2-D")
        allowed = (DType.float32,) if table.dtype == DType.float32 else (DType.float32, DType.int8)
        require_dtype(ctx, y, allowed)
        check_shape(ctx, y, [ids.shape[0], *table.shape[1:]])
        if table.dtype == DType.int8 and y.dtype == DType.float32:
            if table.zero_point != 0:
                ctx.fail("hybrid EMBEDDING_LOOKUP needs a table zero point of 0")
            return EmbeddingLookupParams(float(np.float32(table.scale)))
        return EmbeddingLookupParams(None)

    def eval(self, p: EmbeddingLookupParams, inputs, outputs) -> None:
        y = outputs[0]
        b = y.shape[0]
        ids = batched(inputs[0], b)
        table = batched(inputs[1], b)
        rows = table[np.arange(b)[:, None], ids]
        if p.hybrid_scale is not None:
            rows = rows.astype(np.float32) * np.float32(p.hybrid_scale)
        y[...] = rows
