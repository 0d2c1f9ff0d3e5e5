"""SQUEEZE and EXPAND_DIMS: copies into the output's static shape.

Ports ``tensorflow/lite/micro/kernels/squeeze.cc`` (any type but string; ``squeeze_dims`` must
name size-1 dimensions, none means all) and ``expand_dims.cc`` (constant int32 axis;
int8/int16/float32 only — TFLM's eval rejects other types).
"""

from __future__ import annotations

from dataclasses import dataclass

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.ops import Op, OpContext, register
from mcuml.ops._shape_util import check_shape, const_ints, n_inputs, same_type_io, tensor_in


@dataclass(frozen=True, slots=True)
class CopyParams:
    out_shape: tuple[int, ...]


class _Copy(Op):
    aliases_input = True  # output = input bytes (SQUEEZE, EXPAND_DIMS)

    def eval(self, p: CopyParams, inputs, outputs) -> None:
        x = inputs[0]
        outputs[0][...] = x.reshape((x.shape[0], *p.out_shape))


@register("SQUEEZE")
class Squeeze(_Copy):
    def prepare(self, node: Operator, ctx: OpContext) -> CopyParams:
        n_inputs(node, ctx, 1)
        x, y = same_type_io(node, ctx, None)
        rank = len(x.shape)
        if rank > 8:
            ctx.fail("SQUEEZE supports up to 8 dimensions")
        dims = list(node.options.get("squeeze_dims", ()) or ()) if node.options is not None else []
        if not dims:
            drop = {i for i, d in enumerate(x.shape) if d == 1}
        else:
            drop = set()
            for d in dims:
                c = int(d) + rank if d < 0 else int(d)
                if not 0 <= c < rank or x.shape[c] != 1:
                    ctx.shape_error(f"squeeze dim {d} is not a size-1 dimension of {list(x.shape)}")
                drop.add(c)
        check_shape(ctx, y, [d for i, d in enumerate(x.shape) if i not in drop])
        return CopyParams(tuple(y.shape))


@register("EXPAND_DIMS")
class ExpandDims(_Copy):
    tflm_types = frozenset({DType.float32, DType.int8, DType.int16})

    def prepare(self, node: Operator, ctx: OpContext) -> CopyParams:
        n_inputs(node, ctx, 2)
        x, y = same_type_io(node, ctx, (DType.float32, DType.int8, DType.int16))
        axis_t = tensor_in(node, 1, ctx, "axis")
        if len(axis_t.shape) > 1:
            ctx.fail("Axis has only one element for Expand_Dims.")
        if axis_t.dtype != DType.int32:
            ctx.unsupported_type(axis_t, (DType.int32,))
        axis = int(const_ints(node, 1, ctx, "axis").ravel()[0])
        rank = len(x.shape)
        if axis < 0:
            axis += rank + 1
        if not 0 <= axis <= rank:
            ctx.shape_error(f"axis {axis} out of range for rank {rank}")
        want = list(x.shape)
        want.insert(axis, 1)
        check_shape(ctx, y, want)
        return CopyParams(tuple(y.shape))
