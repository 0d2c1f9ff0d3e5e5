"""FILL and BROADCAST_TO.

Ports ``tensorflow/lite/micro/kernels/fill.cc`` (constant dims that must equal the output shape,
scalar value of the output type; float32/int32/int8; the value may be an activation and is then
read per sample) and ``broadcast_to.cc`` (constant shape, up to 5-D, any non-string type,
NumPy-style broadcasting).
"""

from __future__ import annotations

from dataclasses import dataclass

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.ops import Op, OpContext, register
from mcuml.ops._shape_util import check_shape, const_ints, n_inputs, require_dtype, same_dtype, same_type_io, tensor_in


@dataclass(frozen=True, slots=True)
class FillParams:
    value_shape: tuple[int, ...]  # the value reshaped to broadcast against (B, *out_shape)


@register("FILL")
class Fill(Op):
    tflm_types = frozenset({DType.float32, DType.int8, DType.int32})
    tflm_type_operand = -1

    def prepare(self, node: Operator, ctx: OpContext) -> FillParams:
        n_inputs(node, ctx, 2)
        y = node.outputs[0]
        value = tensor_in(node, 1, ctx, "value")
        if len(value.shape) != 0:
            ctx.shape_error("FILL value must be a scalar")
        same_dtype(ctx, value, y)
        require_dtype(ctx, y, (DType.float32, DType.int32, DType.int8))
        check_shape(ctx, y, const_ints(node, 0, ctx, "dims").ravel().tolist())
        return FillParams((1,) * len(y.shape))

    def eval(self, p: FillParams, inputs, outputs) -> None:
        v = inputs[1]
        outputs[0][...] = v.reshape((v.shape[0], *p.value_shape))


@register("BROADCAST_TO")
class BroadcastTo(Op):
    def prepare(self, node: Operator, ctx: OpContext) -> FillParams:
        n_inputs(node, ctx, 2)
        x, y = same_type_io(node, ctx, None)
        shape = const_ints(node, 1, ctx, "shape").ravel().tolist()
        if len(shape) > 5 or len(x.shape) > len(shape):
            ctx.shape_error(f"cannot broadcast {list(x.shape)} to {shape} (max 5-D)")
        pad = len(shape) - len(x.shape)
        for d, s in zip(x.shape, shape[pad:]):
            if d != s and d != 1:
                ctx.shape_error(f"cannot broadcast {list(x.shape)} to {shape}")
        check_shape(ctx, y, shape)
        return FillParams((1,) * pad + tuple(x.shape))

    def eval(self, p: FillParams, inputs, outputs) -> None:
        x = inputs[0]
        outputs[0][...] = x.reshape((x.shape[0], *p.value_shape))
