"""TRANSPOSE: permute axes with a constant ``perm``.

Ports ``tensorflow/lite/micro/kernels/transpose.cc`` / ``transpose_common.cc``
(``reference_ops::Transpose``): 1-D to 5-D, float32/int8/int16, constant perm.
"""

from __future__ import annotations

from dataclasses import dataclass

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.ops import Op, OpContext, register
from mcuml.ops._shape_util import check_shape, const_ints, n_inputs, same_type_io


@dataclass(frozen=True, slots=True)
class TransposeParams:
    axes: tuple[int, ...]  # including the leading sample axis


@register("TRANSPOSE")
class Transpose(Op):
    cmsis_nn = True  # kernels/cmsis_nn/ has it

    tflm_types = frozenset({DType.float32, DType.int8, DType.int16})

    def prepare(self, node: Operator, ctx: OpContext) -> TransposeParams:
        n_inputs(node, ctx, 2)
        x, y = same_type_io(node, ctx, (DType.float32, DType.int8, DType.int16))
        rank = len(x.shape)
        if rank > 5:
            ctx.fail("Transpose op only supports 1D-5D input arrays.")
        perm = const_ints(node, 1, ctx, "perm").ravel()
        if perm.size != rank:
            ctx.shape_error(f"perm has {perm.size} entries for a rank-{rank} input")
        if any(not 0 <= int(q) < rank for q in perm):
            ctx.fail("Transpose op permutations array is out of bounds.")
        check_shape(ctx, y, [x.shape[int(q)] for q in perm])
        return TransposeParams((0, *(int(q) + 1 for q in perm)))

    def eval(self, p: TransposeParams, inputs, outputs) -> None:
        outputs[0][...] = inputs[0].transpose(p.axes)
