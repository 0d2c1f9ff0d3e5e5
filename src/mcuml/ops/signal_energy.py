"""SignalEnergy: squared magnitude of int16 complex spectrum bins [start_index, end_index).

Ports ``signal/micro/kernels/energy.cc`` and ``signal/src/energy.cc`` (``SpectrumToEnergy``):
``real*real + imag*imag`` in int32 (wrapping), stored as uint32. TFLM leaves the bins outside
the range untouched (whatever the arena held); mcuml writes 0 there, so outputs are deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.ops import Op, OpContext, register
from mcuml.ops._signal import io, options, require


@dataclass(frozen=True, slots=True)
class EnergyParams:
    start_index: int
    end_index: int


@register("CUSTOM:SignalEnergy")
class SignalEnergy(Op):

    tflm_arity = (None, -1, (0,), {}, 0)  # the Signal kernels read input 0 (TF_LITE_ENSURE(input))
    tflm_types = frozenset({DType.int16})

    def prepare(self, node: Operator, ctx: OpContext) -> EnergyParams:
        (x,), (y,) = io(node, ctx, 1, 1)
        opts = options(node, ctx, "start_index", "end_index")
        require(ctx, x, (DType.int16,), 1)
        require(ctx, y, (DType.uint32,), 1)
        start, end = int(opts["start_index"]), int(opts["end_index"])
        if not 0 <= start <= end or end > y.shape[0] or 2 * end > x.shape[0]:
            ctx.shape_error(f"bins [{start}, {end}) outside a spectrum of {x.shape[0] // 2} bins / output "
                            f"of {y.shape[0]}")
        return EnergyParams(start, end)

    def eval(self, p: EnergyParams, inputs, outputs) -> None:
        x = inputs[0]
        re = x[:, 2 * p.start_index:2 * p.end_index:2].astype(np.int64)
        im = x[:, 2 * p.start_index + 1:2 * p.end_index:2].astype(np.int64)
        out = outputs[0]
        out[:, :p.start_index] = 0
        out[:, p.end_index:] = 0
        out[:, p.start_index:p.end_index] = (re * re + im * im).astype(np.uint32)
