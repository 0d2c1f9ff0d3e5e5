"""CUMSUM along one axis with ``exclusive`` and ``reverse``: float32 and int8 (TFLM's types).

Ports ``tensorflow/lite/micro/kernels/cumsum.cc`` (``CalculateOpData``) and ``reference/cumsum.h``.
int8: each ``x - zp_in`` is shifted left by 20 and scaled by ``MBQM_SmallerThanOneExp`` (real
multiplier 1/2), accumulated in int32 (wrapping) and every partial sum requantized by
``2 s_in / (2^20 s_out)``, ``+ zp_out``, clamped. As in ADD_N, TFLM seeds the accumulator with the
scaled ``input_offset`` (``-zp_in``), not 0; mcuml reproduces that. float32: sequential float32
sums (``np.cumsum`` is sequential). The axis tensor must be constant here (TFLM reads it at
invoke).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.kernels.quant import rdbpot, srdhm, wrap_int32
from mcuml.ops import Op, OpContext, register
from mcuml.ops._pointwise import INT8_VALUES, option, require_quantized
from mcuml.ops._shape_util import check_shape, const_ints, n_inputs, norm_axis, same_type_io, tensor_in
from mcuml.ops.add import smaller_than_one
from mcuml.ops._facts import Persistent, prepare_opdata

CUMSUM_INTEGER_SHIFT = 20


@dataclass(frozen=True, slots=True)
class CumSumParams:
    axis: int  # array axis (tensor axis + 1 for the sample axis)
    exclusive: bool
    reverse: bool
    scaled_table: np.ndarray | None = None  # scaled (x - zp_in) by the uint8 bit pattern of x
    seed: int = 0
    output_multiplier: int = 0
    output_shift: int = 0
    output_offset: int = 0


@register("CUMSUM")
class CumSum(Op):
    tflm_types = frozenset({DType.float32, DType.int8})

    def persistent(self, node: Operator, target: str = "host", kernels: str = "reference") -> Persistent:
        """cumsum.cc Prepare: an int8 output allocates the requantization ``OpData``."""
        return prepare_opdata(node, target, kernels, node.outputs[0].dtype == DType.int8)

    def prepare(self, node: Operator, ctx: OpContext) -> CumSumParams:
        n_inputs(node, ctx, 2)
        x, y = same_type_io(node, ctx, (DType.float32, DType.int8))
        axis_t = tensor_in(node, 1, ctx, "axis")
        if axis_t.dtype != DType.int32:
            ctx.unsupported_type(axis_t, (DType.int32,))
        axis_v = const_ints(node, 1, ctx, "axis").ravel()
        if axis_v.size != 1:
            ctx.shape_error("axis must have exactly one element")
        if len(x.shape) < 1:
            ctx.shape_error("CUMSUM needs an input of rank >= 1")
        check_shape(ctx, y, x.shape)
        axis = norm_axis(int(axis_v[0]), len(x.shape), ctx) + 1
        exclusive, reverse = bool(option(node, "exclusive", False)), bool(option(node, "reverse", False))
        if x.dtype == DType.float32:
            return CumSumParams(axis, exclusive, reverse)
        require_quantized(ctx, x, y)
        twice_max = 2.0 * float(x.scale)
        mi, si = smaller_than_one(ctx, float(x.scale) / twice_max, "input")
        mo, so = smaller_than_one(ctx, twice_max / ((1 << CUMSUM_INTEGER_SHIFT) * float(y.scale)), "output")

        def scaled(v: np.ndarray) -> np.ndarray:
            return rdbpot(srdhm(np.asarray(v, np.int64) << CUMSUM_INTEGER_SHIFT, mi), -si)

        table = scaled(INT8_VALUES.astype(np.int64) - x.zero_point)
        return CumSumParams(axis, exclusive, reverse, table, int(scaled(-x.zero_point)), mo, so, y.zero_point)

    def eval(self, p: CumSumParams, inputs, outputs) -> None:
        x = inputs[0]
        if p.reverse:
            x = np.flip(x, axis=p.axis)
        if p.scaled_table is None:
            acc = np.cumsum(x, axis=p.axis, dtype=np.float32)
            zero = np.float32(0)
        else:
            acc = p.seed + np.cumsum(p.scaled_table[x.view(np.uint8)], axis=p.axis)
            zero = p.seed
        if p.exclusive:
            acc = np.concatenate([np.full_like(np.take(acc, [0], axis=p.axis), zero),
                                  np.delete(acc, -1, axis=p.axis)], axis=p.axis)
        if p.scaled_table is not None:
            out = rdbpot(srdhm(wrap_int32(acc), p.output_multiplier), -p.output_shift) + p.output_offset
            acc = np.clip(out, -128, 127)
        outputs[0][...] = np.flip(acc, axis=p.axis) if p.reverse else acc
