"""SignalRfft: real FFT of each frame (zero-padded to fft_length) with TFLM's kissfft.

Ports ``signal/micro/kernels/rfft.cc`` and ``signal/src/rfft_int16.cc`` / ``rfft_int32.cc`` /
``rfft_float.cc``: kissfft v130 (``kiss_fftr``) in FIXED_POINT 16, FIXED_POINT 32 or float, chosen
by the ``T`` option (a TensorType). Output: ``fft_length / 2 + 1`` complex values per frame,
interleaved (real, imag). Fixed-point butterflies scale by 1/radix at every stage, exactly as the
C macros do (``mcuml.kernels.signal.KissFftr``). Lengths whose half has a prime factor above 5 are
refused: kissfft's generic butterfly needs a scratch allocation that TFLM patches out (the wheel
crashes on them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.kernels.signal import KissFftr, kf_factor
from mcuml.ops import Cost, Op, OpContext, register
from mcuml.ops._base import io_bytes
from mcuml.ops._signal import io, options, require
from mcuml.ops._facts import Persistent, custom_options, opdata, table

_TYPES = {DType.int16: 16, DType.int32: 32, DType.float32: None}
_SCHEMA_T = {7: DType.int16, 2: DType.int32, 0: DType.float32}  # tflite TensorType codes


@dataclass(frozen=True, slots=True)
class RfftParams:
    plan: KissFftr
    input_length: int
    fft_length: int
    out_complex: int


@register("CUSTOM:SignalRfft")
class SignalRfft(Op):

    tflm_arity = (None, -1, (0,), {}, 0)  # the Signal kernels read input 0 (TF_LITE_ENSURE(input))
    tflm_types = frozenset({DType.float32, DType.int16, DType.int32})

    def persistent(self, node: Operator, target: str = "host", kernels: str = "reference") -> Persistent:
        """rfft.cc Init: the params struct, then the kissfft state (``kiss_fftr_alloc`` sizing)."""
        base = opdata(node.name, target, kernels)
        n = int(custom_options(node).get("fft_length", 0))
        return Persistent(base.init + (kiss_fftr_bytes(n, node.inputs[0].dtype, table(target)["signal"]),))

    def scratch(self, node: Operator, target: str = "host", kernels: str = "reference") -> list[int]:
        """rfft.cc Prepare: one ``fft_length``-element work buffer of the input type."""
        n = int(custom_options(node).get("fft_length", 0))
        return [n * node.inputs[0].dtype.itemsize] if n > 0 else []

    def prepare(self, node: Operator, ctx: OpContext) -> RfftParams:
        (x,), (y,) = io(node, ctx, 1, 1)
        opts = options(node, ctx, "T", "fft_length")
        dt = _SCHEMA_T.get(int(opts["T"]))
        if dt is None:
            ctx.fail(f"SignalRfft option T={opts['T']} is not int16, int32 or float32")
        require(ctx, x, (dt,))
        require(ctx, y, (dt,))
        n = int(opts["fft_length"])
        if len(x.shape) != len(y.shape) or not x.shape:
            ctx.shape_error(f"input {list(x.shape)} and output {list(y.shape)} must have the same rank")
        length, out_len = int(x.shape[-1]), int(y.shape[-1])
        if n <= 0 or n % 2 or length > n or out_len != n + 2:
            ctx.shape_error(f"fft_length {n}: needs an even length >= the frame ({length}) and an output "
                            f"of fft_length + 2 values (has {out_len})")
        factors = [f for f, _ in kf_factor(n // 2)]
        if max(factors) > 5:
            # kissfft's generic radix allocates a scratch buffer, and TFLM patches KISS_FFT_MALLOC to NULL
            ctx.fail(f"fft_length {n}: fft_length / 2 has the prime factor {max(factors)}; TFLM's kissfft "
                     "only runs radix 2, 3, 4 and 5 (its generic butterfly has no scratch memory)")
        if x.size // length != y.size // out_len:
            ctx.shape_error("input and output hold different numbers of frames")
        return RfftParams(KissFftr.make(n, False, _TYPES[dt]), length, n, n // 2 + 1)

    def eval(self, p: RfftParams, inputs, outputs) -> None:
        x = inputs[0]
        out = outputs[0]
        frames = x.reshape(-1, p.input_length)
        work = np.zeros((frames.shape[0], p.fft_length), dtype=p.plan.sub.tw_r.dtype)
        work[:, :p.input_length] = frames
        re, im = p.plan.forward(work)
        flat = out.reshape(-1, 2 * p.out_complex)
        flat[:, 0::2] = re
        flat[:, 1::2] = im

    def cost(self, node: Operator) -> Cost:
        n = int(node.outputs[0].shape[-1]) - 2
        frames = node.outputs[0].size // (n + 2)
        macs = frames * 2 * n * max(1, n.bit_length())  # ~ N log N complex multiplies
        return Cost(macs=macs, bytes_in=io_bytes(node.inputs), bytes_out=io_bytes(node.outputs))


def kiss_fftr_bytes(fft_length: int, dtype: DType, sig: dict) -> int:
    """``kiss_fftr_alloc``'s ``memneeded`` (tools/kiss_fftr.c, kiss_fft.c of kissfft v130, as TFLM downloads it)."""
    if fft_length <= 0 or fft_length & 1:
        return 0  # kiss_fftr_alloc rejects odd lengths before sizing, leaving state_size 0
    key = dtype.name if dtype.name in sig["kiss_fft_cpx"] else "float32"
    cpx = sig["kiss_fft_cpx"][key]
    half = fft_length // 2
    sub = sig["kiss_fft_state"][key] + cpx * (half - 1)  # kiss_fft_alloc(nfft/2): struct + twiddles
    return sig["kiss_fftr_state"] + sub + cpx * (half * 3 // 2)
