"""PAD and PADV2: constant padding.

Ports ``tensorflow/lite/micro/kernels/pad.cc`` / ``pad_common.cc`` and
``tensorflow/lite/kernels/internal/reference/pad.h``. The paddings tensor must be constant (as in
TFLM). Pad value: PADV2's scalar ``constant_values`` input (read at eval time, per sample);
otherwise the output zero point for int8 and 0 for every other type (TFLM pads int16 with 0,
not with the zero point).
"""

from __future__ import annotations

from dataclasses import dataclass

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.ops import Op, OpContext, register
from mcuml.ops._shape_util import check_shape, const_ints, n_inputs, same_dtype, same_quant, same_type_io

_TYPES = (DType.float32, DType.int8, DType.int16, DType.int32)


@dataclass(frozen=True, slots=True)
class PadParams:
    inner: tuple[tuple[int, int], ...]  # (start, stop) of the input block in each output dim
    pad_value: int | float
    has_constant_values: bool


@register("PAD", "PADV2")
class Pad(Op):
    cmsis_nn = True  # kernels/cmsis_nn/ has it

    tflm_types = frozenset({DType.float32, DType.int8, DType.int16, DType.int32})

    def prepare(self, node: Operator, ctx: OpContext) -> PadParams:
        n_inputs(node, ctx, 2, 3)
        x, y = same_type_io(node, ctx, _TYPES)
        if len(x.shape) > 5:
            ctx.fail(f"PAD supports up to 5-D inputs, got {len(x.shape)}-D")
        pads = const_ints(node, 1, ctx, "paddings")
        if pads.size != 2 * len(y.shape):
            ctx.invalid(f"paddings has {pads.size} values, need 2 per output dimension ({2 * len(y.shape)})")
        pads = pads.reshape(-1, 2)
        check_shape(ctx, y, [d + int(a) + int(b) for d, (a, b) in zip(x.shape, pads)], tflm_checks=True)
        if (pads < 0).any():
            ctx.fail("negative paddings are not supported")
        cv = node.inputs[2] if len(node.inputs) == 3 else None
        if cv is not None:
            same_dtype(ctx, x, cv)
            if cv.size != 1:
                ctx.shape_error("constant_values must be a scalar")
            if x.dtype == DType.int8:
                same_quant(ctx, cv, y)
        pad_value = y.zero_point if x.dtype == DType.int8 else 0
        inner = tuple((int(a), int(a) + d) for d, (a, _) in zip(x.shape, pads))
        return PadParams(inner, pad_value, cv is not None)

    def eval(self, p: PadParams, inputs, outputs) -> None:
        x, y = inputs[0], outputs[0]
        if p.has_constant_values:
            cv = inputs[2]
            y[...] = cv.reshape((cv.shape[0],) + (1,) * (y.ndim - 1))
        else:
            y[...] = p.pad_value
        y[(slice(None), *(slice(a, b) for a, b in p.inner))] = x
