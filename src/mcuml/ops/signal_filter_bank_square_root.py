"""SignalFilterBankSquareRoot: rounded integer square root of uint64 channels, shifted down.

Ports ``signal/micro/kernels/filter_bank_square_root.cc`` / ``filter_bank_square_root_common.cc``
and ``signal/src/filter_bank_square_root.cc`` (``FilterbankSqrt``): ``Sqrt64(x) >> scale_bits``
with ``signal/src/square_root_64.cc``'s rounding (``mcuml.kernels.signal.sqrt64``); scale_bits is
the int32 scalar input (SignalFftAutoScale's second output).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.kernels.signal import sqrt64
from mcuml.ops import Op, OpContext, register
from mcuml.ops._signal import io, require


@dataclass(frozen=True, slots=True)
class SquareRootParams:
    num_channels: int


@register("CUSTOM:SignalFilterBankSquareRoot")
class SignalFilterBankSquareRoot(Op):

    tflm_arity = (None, -1, (0,), {}, 0)  # the Signal kernels read input 0 (TF_LITE_ENSURE(input))
    tflm_types = frozenset({DType.int32})
    tflm_type_operand = 1

    def prepare(self, node: Operator, ctx: OpContext) -> SquareRootParams:
        (x, bits), (y,) = io(node, ctx, 2, 1)
        require(ctx, x, (DType.uint64,), 1)
        require(ctx, bits, (DType.int32,), 0)
        require(ctx, y, (DType.uint32,), 1)
        if y.shape[0] < x.shape[0]:
            ctx.shape_error(f"output of {y.shape[0]} channels is shorter than the input's {x.shape[0]}")
        return SquareRootParams(int(x.shape[0]))

    def eval(self, p: SquareRootParams, inputs, outputs) -> None:
        x, bits = inputs
        shift = (bits.reshape(bits.shape[0], 1).astype(np.int64) & 63).astype(np.uint64)
        out = outputs[0]
        out[:, :p.num_channels] = (sqrt64(x) >> shift).astype(np.uint32)
        out[:, p.num_channels:] = 0
