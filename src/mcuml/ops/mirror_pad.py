"""MIRROR_PAD (REFLECT / SYMMETRIC).

Ports ``tensorflow/lite/micro/kernels/mirror_pad.cc`` (``GetInputDimension``): REFLECT uses
offset 1 (the edge is not repeated), SYMMETRIC offset 0; indices beyond one reflection clamp like
TFLM's ``std::min``. float32 and int8; the padding matrix must be constant (static shapes).
"""

from __future__ import annotations

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.ops import OpContext, register
from mcuml.ops._index_map import IndexMapOp, IndexMapParams, source
from mcuml.ops._shape_util import check_shape, const_ints, n_inputs, same_type_io

REFLECT = 0  # schema MirrorPadMode


def input_dimension(padded: np.ndarray, left: int, size: int, offset: int) -> np.ndarray:
    """``GetInputDimension`` for a vector of output positions along one axis."""
    orig_left = left + offset - 1
    in_left = orig_left - np.minimum(padded, orig_left - offset)
    p = padded - left
    orig_right = size - (1 + offset)
    in_right = orig_right - np.minimum(p - size, orig_right)
    return np.where(padded < left, in_left, np.where(p >= size, in_right, p))


@register("MIRROR_PAD")
class MirrorPad(IndexMapOp):

    tflm_arity = ((2,), 1, (0, 1), {}, 0)  # TFLM Prepare's tensor counts; ranks the arena model reads
    tflm_types = frozenset({DType.float32, DType.int8})

    def scratch(self, node: Operator, target: str = "host", kernels: str = "reference") -> list[int]:
        """mirror_pad.cc: two ``int32`` index arrays of one entry per input dimension."""
        return [4 * len(node.inputs[0].shape)] * 2

    def prepare(self, node: Operator, ctx: OpContext) -> IndexMapParams:
        n_inputs(node, ctx, 2)
        x, y = same_type_io(node, ctx, (DType.float32, DType.int8))
        pads = const_ints(node, 1, ctx, "paddings")
        if pads.shape != (len(x.shape), 2):
            ctx.shape_error(f"paddings must have shape [{len(x.shape)}, 2]")
        mode = int(node.options.get("mode", REFLECT)) if node.options is not None else REFLECT
        offset = 1 if mode == REFLECT else 0
        for (a, b), d in zip(pads.tolist(), x.shape):
            if a < 0 or b < 0 or max(a, b) > d - offset:
                ctx.shape_error(f"padding {(a, b)} too large for a dimension of {d} in this mode")
        check_shape(ctx, y, [d + int(a) + int(b) for d, (a, b) in zip(x.shape, pads)])
        axes = [input_dimension(np.arange(o), int(a), d, offset) for o, (a, _), d in zip(y.shape, pads.tolist(), x.shape)]
        return IndexMapParams.build(source(tuple(x.shape))[np.ix_(*axes)] if axes else source(()))
