"""SignalFftAutoScale: shift an int16 frame left so its peak uses the full int16 range.

Ports ``signal/micro/kernels/fft_auto_scale_kernel.cc`` / ``fft_auto_scale_common.cc`` and
``signal/src/fft_auto_scale.cc``: ``scale_bits = 16 - MostSignificantBit32(MaxAbs16(x)) - 1``
(at least 0); output ``x * (1 << scale_bits)`` stored as int16; second output the scale_bits
(int32 scalar). ``MaxAbs16``'s int16 quirk on -32768 is kept (``mcuml.kernels.signal``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.kernels.signal import max_abs16, msb32
from mcuml.ops import Op, OpContext, register
from mcuml.ops._signal import io, require


@dataclass(frozen=True, slots=True)
class FftAutoScaleParams:
    size: int


@register("CUSTOM:SignalFftAutoScale")
class SignalFftAutoScale(Op):

    tflm_arity = (None, -1, (0,), {}, 0)  # the Signal kernels read input 0 (TF_LITE_ENSURE(input))
    tflm_types = frozenset({DType.int16})

    def prepare(self, node: Operator, ctx: OpContext) -> FftAutoScaleParams:
        (x,), (y, bits) = io(node, ctx, 1, 2)
        require(ctx, x, (DType.int16,), 1)
        require(ctx, y, (DType.int16,), 1)
        require(ctx, bits, (DType.int32,), 0)
        if x.size != y.size:
            ctx.shape_error(f"input has {x.size} elements, output {y.size}")
        return FftAutoScaleParams(int(y.shape[0]))

    def eval(self, p: FftAutoScaleParams, inputs, outputs) -> None:
        x = inputs[0]
        peak = max_abs16(x).astype(np.int64) & 0xFFFFFFFF  # int16 -> uint32 argument of MostSignificantBit32
        scale = np.maximum(16 - msb32(peak) - 1, 0)
        outputs[0][...] = (x.astype(np.int64) << scale[:, None]).astype(np.int16)
        outputs[1][...] = scale.astype(np.int32)
