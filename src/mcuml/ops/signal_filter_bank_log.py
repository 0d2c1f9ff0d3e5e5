"""SignalFilterBankLog: fixed-point natural log of uint32 channels, scaled, saturated to int16.

Ports ``signal/micro/kernels/filter_bank_log.cc`` and ``signal/src/filter_bank_log.cc``
(``FilterbankLog``) with ``signal/src/log.cc`` (``Log32``, ``kLogLut``): ``scaled = x <<
input_correction_bits`` (uint32); 0 where ``scaled <= 1``, else ``min(Log32(scaled,
output_scale), INT16_MAX)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.kernels.signal import log32
from mcuml.ops import Op, OpContext, register
from mcuml.ops._signal import io, options, require


@dataclass(frozen=True, slots=True)
class FilterBankLogParams:
    input_correction_bits: int
    output_scale: int


@register("CUSTOM:SignalFilterBankLog")
class SignalFilterBankLog(Op):

    tflm_arity = (None, -1, (0,), {}, 0)  # the Signal kernels read input 0 (TF_LITE_ENSURE(input))
    tflm_types = frozenset({DType.int16})
    tflm_type_operand = -1

    def prepare(self, node: Operator, ctx: OpContext) -> FilterBankLogParams:
        (x,), (y,) = io(node, ctx, 1, 1)
        opts = options(node, ctx, "input_correction_bits", "output_scale")
        require(ctx, x, (DType.uint32,), 1)
        require(ctx, y, (DType.int16,), 1)
        if x.shape[0] != y.shape[0]:
            ctx.shape_error(f"input has {x.shape[0]} channels, output {y.shape[0]}")
        return FilterBankLogParams(int(opts["input_correction_bits"]) & 31, int(opts["output_scale"]) & 0xFFFFFFFF)

    def eval(self, p: FilterBankLogParams, inputs, outputs) -> None:
        scaled = (inputs[0].astype(np.int64) << p.input_correction_bits) & 0xFFFFFFFF
        big = scaled > 1
        logs = log32(np.where(big, scaled, 2), p.output_scale)
        outputs[0][...] = np.where(big, np.minimum(logs, 32767), 0).astype(np.int16)
