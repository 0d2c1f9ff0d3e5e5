"""SignalPCAN: per-channel automatic gain control (PCAN) against the noise estimate.

Ports ``signal/micro/kernels/pcan.cc`` and ``signal/src/pcan_argc_fixed.cc``
(``ApplyPcanAutoGainControlFixed``): ``gain = WideDynamicFunction(noise_estimate, gain_lut)``
(int16, reinterpreted as uint32), ``snr = (uint64 signal * gain) >> snr_shift`` truncated to uint32,
output ``PcanShrink(snr)`` (``mcuml.kernels.signal``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.kernels.signal import pcan_shrink, wide_dynamic_function
from mcuml.ops import Op, OpContext, register
from mcuml.ops._signal import io, options, require


@dataclass(frozen=True, slots=True)
class PcanParams:
    snr_shift: int
    num_channels: int


@register("CUSTOM:SignalPCAN")
class SignalPcan(Op):

    tflm_arity = (None, -1, (0,), {}, 0)  # the Signal kernels read input 0 (TF_LITE_ENSURE(input))
    tflm_types = frozenset({DType.int16})
    tflm_type_operand = 2

    def prepare(self, node: Operator, ctx: OpContext) -> PcanParams:
        (x, noise, lut), (y,) = io(node, ctx, 3, 1)
        opts = options(node, ctx, "snr_shift")
        require(ctx, x, (DType.uint32,), 1)
        require(ctx, noise, (DType.uint32,), 1)
        require(ctx, lut, (DType.int16,), 1)
        require(ctx, y, (DType.uint32,), 1)
        c = int(x.shape[0])
        if noise.shape[0] < c or y.shape[0] != c:
            ctx.shape_error(f"{c} channels but noise estimate {noise.shape[0]} / output {y.shape[0]}")
        if lut.shape[0] < 4 * 32 - 6 + 3:
            ctx.shape_error(f"gain_lut has {lut.shape[0]} entries; WideDynamicFunction reads up to 125")
        return PcanParams(int(opts["snr_shift"]) & 63, c)

    def eval(self, p: PcanParams, inputs, outputs) -> None:
        x, noise, lut = inputs
        c = p.num_channels
        gain = wide_dynamic_function(noise[:, :c], lut[0]) & 0xFFFFFFFF
        snr = ((x.astype(np.uint64) * gain.astype(np.uint64)) >> np.uint64(p.snr_shift)) & np.uint64(0xFFFFFFFF)
        outputs[0][...] = pcan_shrink(snr.astype(np.int64)).astype(np.uint32)
