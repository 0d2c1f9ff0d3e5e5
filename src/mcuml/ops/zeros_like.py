"""ZEROS_LIKE: zeros of the input's shape and type (``tensorflow/lite/micro/kernels/zeros_like.cc``:
int64, int32, int8, float32). The raw value 0 is written, whatever the quantization."""

from __future__ import annotations

from dataclasses import dataclass

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.ops import Op, OpContext, register
from mcuml.ops._pointwise import io, require_types


@dataclass(frozen=True, slots=True)
class ZerosLikeParams:
    pass


@register("ZEROS_LIKE")
class ZerosLike(Op):
    tflm_types = frozenset({DType.float32, DType.int8, DType.int32, DType.int64})

    def prepare(self, node: Operator, ctx: OpContext) -> ZerosLikeParams:
        (x,), (y,) = io(node, ctx, 1)
        require_types(ctx, x, (DType.int64, DType.int32, DType.int8, DType.float32))
        if y.dtype != x.dtype or y.size != x.size:
            ctx.fail("output must have the input's type and size")
        return ZerosLikeParams()

    def eval(self, p: ZerosLikeParams, inputs, outputs) -> None:
        outputs[0][...] = 0
