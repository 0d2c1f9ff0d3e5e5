"""SPLIT (equal parts) and SPLIT_V (given sizes) along a constant axis.

Ports ``tensorflow/lite/micro/kernels/split.cc`` and ``split_v.cc``: float32/int8/int16/int32,
constant axis (input 0 for SPLIT, input 2 for SPLIT_V). The part sizes are the outputs' static
sizes along the axis (TFLM copies by the output dims too).
"""

from __future__ import annotations

from dataclasses import dataclass


from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.ops import Op, OpContext, register
from mcuml.ops._shape_util import const_ints, norm_axis, require_dtype, same_dtype, tensor_in

_TYPES = (DType.float32, DType.int8, DType.int16, DType.int32)


@dataclass(frozen=True, slots=True)
class SplitParams:
    axis: int  # batched coordinates
    bounds: tuple[tuple[int, int], ...]


def _prepare(node: Operator, ctx: OpContext, data_k: int, axis_k: int) -> SplitParams:
    x = tensor_in(node, data_k, ctx)
    require_dtype(ctx, x, _TYPES)
    axis = norm_axis(int(const_ints(node, axis_k, ctx, "axis").ravel()[0]), len(x.shape), ctx)
    bounds, start = [], 0
    for y in node.outputs:
        same_dtype(ctx, x, y)
        if len(y.shape) != len(x.shape) or any(a != b for i, (a, b) in enumerate(zip(x.shape, y.shape)) if i != axis):
            ctx.shape_error(f"output {y.name!r} {list(y.shape)} does not fit input {list(x.shape)}")
        bounds.append((start, start + y.shape[axis]))
        start += y.shape[axis]
    if start != x.shape[axis]:
        ctx.shape_error(f"outputs cover {start} of {x.shape[axis]} elements on axis {axis}")
    return SplitParams(axis + 1, tuple(bounds))


class _Split(Op):
    def eval(self, p: SplitParams, inputs, outputs) -> None:
        x = inputs[self.data_k]
        for y, (a, b) in zip(outputs, p.bounds):
            y[...] = x[(slice(None),) * p.axis + (slice(a, b),)]


@register("SPLIT")
class Split(_Split):
    data_k = 1

    tflm_types = frozenset({DType.float32, DType.int8, DType.int16, DType.int32})
    tflm_type_operand = 1

    def prepare_temps(self, node: Operator) -> list:
        """split.cc SplitPrepare (the axis): Prepare holds only these temporary tensors."""
        return [node.inputs[0]]

    def prepare(self, node: Operator, ctx: OpContext) -> SplitParams:
        p = _prepare(node, ctx, 1, 0)
        if len({b - a for a, b in p.bounds}) > 1:
            ctx.shape_error("SPLIT outputs must be equally sized")
        return p


@register("SPLIT_V")
class SplitV(_Split):
    data_k = 0

    tflm_types = frozenset({DType.float32, DType.int8, DType.int16, DType.int32})

    def prepare_temps(self, node: Operator) -> list:
        """split_v.cc SplitVPrepare (the axis): Prepare holds only these temporary tensors."""
        return [node.inputs[2]]

    def prepare(self, node: Operator, ctx: OpContext) -> SplitParams:
        if len(node.inputs) != 3:
            ctx.fail("SPLIT_V needs 3 inputs")
        return _prepare(node, ctx, 0, 2)
