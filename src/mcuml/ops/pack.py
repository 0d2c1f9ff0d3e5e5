"""PACK (stack N equally shaped tensors along a new axis) and UNPACK (its inverse).

Ports ``tensorflow/lite/micro/kernels/pack.cc`` and ``unpack.cc``. The axis is relative to the
output (PACK) or input (UNPACK) rank; negative values wrap. No requantization: TFLM copies raw
values whatever the quantization parameters are.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.ops import Op, OpContext, register
from mcuml.ops._shape_util import axis_option, batched, check_shape, present_inputs, require_dtype, same_dtype

_PACK_TYPES = (DType.float32, DType.int8, DType.int16, DType.int32, DType.int64)
_UNPACK_TYPES = (DType.float32, DType.int8, DType.int16, DType.int32)


@dataclass(frozen=True, slots=True)
class PackParams:
    axis: int  # in batched coordinates


@register("PACK")
class Pack(Op):
    tflm_types = frozenset({DType.float32, DType.int8, DType.int16, DType.int32, DType.int64})

    def prepare_temps(self, node: Operator) -> list:
        """pack.cc: no Prepare (registered with a nullptr prepare), so no temporary tensors."""
        return []

    def prepare(self, node: Operator, ctx: OpContext) -> PackParams:
        y = node.outputs[0]
        xs = present_inputs(node, ctx)
        require_dtype(ctx, y, _PACK_TYPES)
        o = node.options
        count = int(o.get("values_count", len(xs))) if o is not None else len(xs)
        if count != len(xs):
            ctx.fail(f"values_count {count} differs from the {len(xs)} inputs")
        axis = axis_option(node, len(y.shape), ctx)
        for x in xs:
            same_dtype(ctx, x, y)
            if tuple(x.shape) != tuple(xs[0].shape):
                ctx.shape_error("all PACK inputs must have the same shape")
        want = list(xs[0].shape)
        want.insert(axis, len(xs))
        check_shape(ctx, y, want)
        return PackParams(axis + 1)

    def eval(self, p: PackParams, inputs, outputs) -> None:
        y = outputs[0]
        np.stack([batched(x, y.shape[0]) for x in inputs], axis=p.axis, out=y)


@register("UNPACK")
class Unpack(Op):
    tflm_types = frozenset({DType.float32, DType.int8, DType.int16, DType.int32})

    def prepare_temps(self, node: Operator) -> list:
        """unpack.cc: no Prepare (registered with a nullptr prepare), so no temporary tensors."""
        return []

    def prepare(self, node: Operator, ctx: OpContext) -> PackParams:
        x = node.inputs[0]
        if x is None:
            ctx.fail("UNPACK needs an input")
        require_dtype(ctx, x, _UNPACK_TYPES)
        o = node.options
        axis = axis_option(node, len(x.shape), ctx)
        num = int(o.get("num", x.shape[axis])) if o is not None else x.shape[axis]
        if num != x.shape[axis] or len(node.outputs) != num:
            ctx.shape_error(f"UNPACK of {x.shape[axis]} slices on axis {axis} needs that many outputs "
                            f"(num={num}, {len(node.outputs)} outputs)")
        want = [d for i, d in enumerate(x.shape) if i != axis]
        for y in node.outputs:
            same_dtype(ctx, x, y)
            check_shape(ctx, y, want)
        return PackParams(axis + 1)

    def eval(self, p: PackParams, inputs, outputs) -> None:
        x = inputs[0]
        for i, y in enumerate(outputs):
            y[...] = np.take(x, i, axis=p.axis)
