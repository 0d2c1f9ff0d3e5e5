"""SignalWindow: multiply each frame by an int16 window, shift right, saturate to int16.

Ports ``signal/micro/kernels/window.cc`` and ``signal/src/window.cc`` (``ApplyWindow``): the input
is processed in chunks of the window's length; ``(int32 input * window) >> shift`` (arithmetic
shift), clamped to int16. Registered by the wheel's ``python/tflite_micro/python_ops_resolver.cc``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.ops import Op, OpContext, register
from mcuml.ops._signal import io, options, require


@dataclass(frozen=True, slots=True)
class WindowParams:
    shift: int
    weight_size: int


@register("CUSTOM:SignalWindow")
class SignalWindow(Op):

    tflm_arity = (None, -1, (0,), {}, 0)  # the Signal kernels read input 0 (TF_LITE_ENSURE(input))
    tflm_types = frozenset({DType.int16})

    def prepare(self, node: Operator, ctx: OpContext) -> WindowParams:
        (x, w), (y,) = io(node, ctx, 2, 1)
        opts = options(node, ctx, "shift")
        for t in (x, w, y):
            require(ctx, t, (DType.int16,))
        if len(w.shape) != 1 or len(x.shape) < 1 or len(x.shape) != len(y.shape):
            ctx.shape_error(f"window must be 1-D and input/output of equal rank: {list(x.shape)}, "
                            f"{list(w.shape)}, {list(y.shape)}")
        if x.size != y.size or w.shape[0] == 0 or x.size % w.shape[0]:
            ctx.shape_error(f"input of {x.size} elements is not a whole number of {w.shape[0]}-sample frames")
        return WindowParams(int(opts["shift"]), int(w.shape[0]))

    def eval(self, p: WindowParams, inputs, outputs) -> None:
        x, w = inputs
        b = x.shape[0]
        frames = x.reshape(b, -1, p.weight_size).astype(np.int32)
        raw = (frames * w.reshape(1, 1, -1).astype(np.int32)) >> p.shift
        outputs[0][...] = np.clip(raw, -32768, 32767).astype(np.int16).reshape(outputs[0].shape)
