"""SignalFilterBankSpectralSubtraction: stateful noise-floor estimate subtracted per channel.

Ports ``signal/micro/kernels/filter_bank_spectral_subtraction.cc`` and
``signal/src/filter_bank_spectral_subtraction.cc`` (``FilterbankSpectralSubtraction``): per
channel (even channels use ``smoothing``, odd ones ``alternate_smoothing``) the noise estimate is
``(signal << smoothing_bits) * smoothing + estimate * one_minus_smoothing >> spectral_subtraction_bits``
in uint64, truncated to uint32; the output is ``max((signal_up - min(estimate, signal_up)) >>
smoothing_bits, signal * min_signal_remaining >> spectral_subtraction_bits)``. The estimate
persists between invokes (zeros after prepare and after reset) and is copied to output 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.ops import Op, OpContext, register
from mcuml.ops._signal import SignalState, io, options, require
from mcuml.ops._facts import Persistent, custom_options, opdata

_KEYS = ("alternate_one_minus_smoothing", "alternate_smoothing", "clamping", "min_signal_remaining",
         "num_channels", "one_minus_smoothing", "smoothing", "smoothing_bits", "spectral_subtraction_bits")
M32 = np.uint64(0xFFFFFFFF)


@dataclass(frozen=True, slots=True)
class SpectralSubtractionParams:
    num_channels: int
    smoothing: np.ndarray  # (C,) uint64, per channel parity
    one_minus_smoothing: np.ndarray
    min_signal_remaining: np.uint64
    smoothing_bits: np.uint64
    spectral_subtraction_bits: np.uint64
    clamping: bool
    state: SignalState  # "noise_estimate": (B, C) uint64 holding uint32 values


@register("CUSTOM:SignalFilterBankSpectralSubtraction")
class SignalFilterBankSpectralSubtraction(Op):

    tflm_arity = (None, -1, (0,), {}, 0)  # the Signal kernels read input 0 (TF_LITE_ENSURE(input))
    tflm_types = frozenset({DType.uint32})

    def persistent(self, node: Operator, target: str = "host", kernels: str = "reference") -> Persistent:
        """filter_bank_spectral_subtraction.cc Init: the params struct and a ``uint32`` noise estimate per channel."""
        base = opdata(node.name, target, kernels)
        return Persistent(base.init + (4 * int(custom_options(node).get("num_channels", 0)),))

    def prepare(self, node: Operator, ctx: OpContext) -> SpectralSubtractionParams:
        (x,), (y, noise) = io(node, ctx, 1, 2)
        o = options(node, ctx, *_KEYS)
        for t in (x, y, noise):
            require(ctx, t, (DType.uint32,), 1)
        c = int(o["num_channels"])
        if min(x.shape[0], y.shape[0], noise.shape[0]) < c:
            ctx.shape_error(f"{c} channels but tensors of {x.shape[0]}/{y.shape[0]}/{noise.shape[0]} elements")
        odd = np.arange(c) & 1
        u32 = lambda v: np.uint64(int(v) & 0xFFFFFFFF)  # noqa: E731 - config fields are uint32_t
        smoothing = np.where(odd, u32(o["alternate_smoothing"]), u32(o["smoothing"])).astype(np.uint64)
        oms = np.where(odd, u32(o["alternate_one_minus_smoothing"]), u32(o["one_minus_smoothing"])).astype(np.uint64)
        return SpectralSubtractionParams(
            c, smoothing, oms, u32(o["min_signal_remaining"]), np.uint64(int(o["smoothing_bits"]) & 63),
            np.uint64(int(o["spectral_subtraction_bits"]) & 63), bool(o["clamping"]),
            SignalState(lambda b: {"noise_estimate": np.zeros((b, c), dtype=np.uint64)}))

    def reset(self, p: SpectralSubtractionParams, batch: int | None = None) -> None:
        p.state.reset(batch)

    def eval(self, p: SpectralSubtractionParams, inputs, outputs) -> None:
        c = p.num_channels
        x = inputs[0][:, :c].astype(np.uint64)
        est = p.state.get(x.shape[0])["noise_estimate"]
        up = (x << p.smoothing_bits) & M32
        est[...] = ((up * p.smoothing + est * p.one_minus_smoothing) >> p.spectral_subtraction_bits) & M32
        over = est > up
        used = np.where(over, up, est)
        if p.clamping:
            est[...] = used
        floor = ((x * p.min_signal_remaining) >> p.spectral_subtraction_bits) & M32
        sub = (up - used) >> p.smoothing_bits
        y, noise = outputs
        y[:, :c] = np.maximum(sub, floor).astype(np.uint32)
        y[:, c:] = 0
        noise[:, :c] = est.astype(np.uint32)
        noise[:, c:] = 0
