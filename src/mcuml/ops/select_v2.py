"""SELECT_V2: ``condition ? x : y`` with three-way broadcasting (up to 6-D here; TFLM up to 5-D).

Ports ``tensorflow/lite/micro/kernels/select.cc`` (``reference_ops::BroadcastSelect5DSlow`` /
``Select``): bool condition, float32/int8/int16 values; raw values are selected (the operands
share the output's quantization).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.ops import Op, OpContext, register
from mcuml.ops._pointwise import io, require_types


@dataclass(frozen=True, slots=True)
class SelectParams:
    shapes: tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]


@register("SELECT_V2")
class SelectV2(Op):
    tflm_types = frozenset({DType.float32, DType.int8, DType.int16})
    tflm_type_operand = 1

    def prepare(self, node: Operator, ctx: OpContext) -> SelectParams:
        (c, x, y), (out,) = io(node, ctx, 3)
        require_types(ctx, c, (DType.bool,))
        require_types(ctx, x, (DType.float32, DType.int8, DType.int16))
        if y.dtype != x.dtype or out.dtype != x.dtype:
            ctx.fail("x, y and the output must have the same type")
        try:
            full = np.broadcast_shapes(tuple(c.shape), tuple(x.shape), tuple(y.shape))
        except ValueError:
            ctx.shape_error(f"shapes {list(c.shape)}, {list(x.shape)}, {list(y.shape)} do not broadcast")
        if tuple(full) != tuple(out.shape):
            ctx.shape_error(f"broadcast shape {list(full)} differs from output shape {list(out.shape)}")
        r = len(full)
        ext = tuple((1,) * (r - len(t.shape)) + tuple(t.shape) for t in (c, x, y))
        return SelectParams(ext)  # type: ignore[arg-type]

    def eval(self, p: SelectParams, inputs, outputs) -> None:
        c, x, y = (a.reshape((a.shape[0], *s)) for a, s in zip(inputs, p.shapes))
        outputs[0][...] = np.where(c, x, y)
