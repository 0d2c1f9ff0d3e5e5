"""DEPTHWISE_CONV_2D: per-channel 2-D convolution with depth_multiplier; float32, int8, int16x8.

Ports ``tensorflow/lite/micro/kernels/depthwise_conv.cc`` + ``depthwise_conv_common.cc`` and the
reference kernels ``reference/depthwiseconv_float.h`` and ``reference/integer_ops/depthwise_conv.h``
(``DepthwiseConvPerChannel``: int8 with int32 bias, int16 with int64 bias and accumulator).
Output channel ``oc = ic * depth_multiplier + m`` reads input channel ``oc // depth_multiplier``,
so the input is repeated along channels once and the filter taps (a small static loop) are
multiply-accumulated over whole (N, OH, OW, OC) slabs, in the kernel's tap order.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.kernels import conv as K
from mcuml.kernels import quant
from mcuml.kernels.scratch import buffer
from mcuml.ops import Cost, Op, OpContext, register
from mcuml.ops._base import io_bytes, param_bytes
from mcuml.ops._conv_common import conv_geometry, conv_io

DW_CHUNK_BYTES = 1 << 23  # samples per int8 slab (measured: 2 MiB as fast on one thread, 8 MiB ~25% faster on
# two run() workers, which contend for the GIL between NumPy calls: fewer, longer calls)


@dataclass(frozen=True, slots=True)
class DepthwiseParams:
    win: K.Window
    depth_multiplier: int
    taps: np.ndarray  # (KH, KW, OC) in the accumulation dtype
    bias: np.ndarray | None  # int64 with the input-offset correction folded in; float32 for float
    pad_value: int | float
    requant: K.Requant | None
    float_min: float
    float_max: float
    out_shape: tuple[int, ...]
    fast: K.FloatRequant | None = None  # exact float64 requantization (int8 out), bias included
    wide_taps: np.ndarray | None = None  # float32 (KH, KW, OW*OC): each tap tiled along an output row
    flat_taps: np.ndarray | None = None  # float32 (KH*KW, L): each tap tiled along a flat padded image (stride 1)
    flat_taps16: np.ndarray | None = None  # int16 copy when two taps' products always fit int16 (``_int8_flat16``)
    wide_taps16: np.ndarray | None = None  # the same for ``wide_taps`` (``_int8_taps16``)
    # int8 accumulation strategy per slab kind (single sample / batch), picked by timing each twice:
    # per-tap passes, einsum and flat shifts each win somewhere; all are exact, so only speed differs
    strategy: dict = field(default_factory=dict, compare=False)


FLAT_TAPS_MAX_BYTES = 4 << 20
INT16_PAIR_MAX = 32767 // 128  # |w_j| + |w_j+1| bound for a pair of int8 products (|input| <= 128) in int16


def _as_int16_pairs(tiled: np.ndarray | None, taps: np.ndarray) -> np.ndarray | None:
    """``tiled`` taps as int16 when every pair of consecutive taps (the pairs the int16 strategies sum) fits."""
    if tiled is None:
        return None
    w = np.abs(taps.reshape(-1, taps.shape[-1]))
    pairs = w[0::2][:len(w) // 2] + w[1::2]
    if pairs.size and pairs.max() > INT16_PAIR_MAX:
        return None
    return tiled.astype(np.int16)


def _flat_taps(win: K.Window, taps: np.ndarray, oc: int) -> np.ndarray | None:
    """Taps tiled over a flattened padded image for ``_int8_flat`` (stride 1 and a bounded size only)."""
    if win.stride_h != 1 or win.stride_w != 1:
        return None
    wp = K.pad_input(np.zeros((1, win.in_h, win.in_w, 1), np.int8), win, 0).shape[2]
    length = ((win.out_h - 1) * wp + win.out_w) * oc
    if length * win.k_h * win.k_w * 4 > FLAT_TAPS_MAX_BYTES:
        return None
    return np.tile(taps.reshape(win.k_h * win.k_w, oc).astype(np.float32), (1, length // oc))


def _phase_tap_views(xp: np.ndarray, win: K.Window, shape: tuple[int, ...]) -> list[np.ndarray]:
    """One view per filter tap (row-major ky, kx) of the padded image, reshaped to ``shape``.

    A strided window is first split into stride phases (contiguous copies, made once per phase),
    so that every tap is a plain slice whose OW and C axes merge into one long inner loop."""
    sh, sw = win.stride_h, win.stride_w
    planes: dict[tuple[int, int], np.ndarray] = {}
    views = []
    for ky in range(win.k_h):
        y0 = ky * win.dil_h
        for kx in range(win.k_w):
            x0 = kx * win.dil_w
            key = (y0 % sh, x0 % sw)
            plane = planes.get(key)
            if plane is None:
                plane = xp if sh == sw == 1 else np.ascontiguousarray(xp[:, key[0]::sh, key[1]::sw])
                planes[key] = plane
            views.append(plane[:, y0 // sh:y0 // sh + win.out_h, x0 // sw:x0 // sw + win.out_w].reshape(shape))
    return views


@register("DEPTHWISE_CONV_2D")
class DepthwiseConv2D(Op):
    def prepare(self, node: Operator, ctx: OpContext) -> DepthwiseParams:
        x, w, bias, y = conv_io(node, ctx)
        if len(node.inputs) == 3 and node.inputs[2] is None:  # depthwise_conv.cc reads the omitted bias
            ctx.invalid("the bias input is omitted (index -1): TFLM's DEPTHWISE_CONV_2D Prepare crashes on it; "
                        "pass 2 inputs instead")
        n, in_h, in_w, in_c = x.shape
        _, k_h, k_w, oc = w.shape
        if w.shape[0] != 1 or y.shape[3] != oc or y.shape[0] != n or in_c <= 0 or oc % in_c:
            ctx.shape_error(f"filter {list(w.shape)} / output {list(y.shape)} do not fit input {list(x.shape)}")
        mult = oc // in_c
        g = conv_geometry(node, ctx, x, y, k_h, k_w)
        act, win = g.activation, g.window
        taps = w.data.reshape(k_h, k_w, oc).astype(np.float64)
        if x.dtype == DType.float32:
            b = K.bias_values(ctx, bias, oc, (DType.float32,))
            lo, hi = quant.activation_range_float(act)
            return DepthwiseParams(win, mult, taps.astype(np.float32), None if b is None else b.astype(np.float32),
                                   0.0, None, lo, hi, tuple(y.shape))
        requant = K.conv_requant(ctx, x, w, y, act, oc, 3)
        if x.dtype == DType.int8:
            b = K.bias_values(ctx, bias, oc, (DType.int32,))
            in_zp = x.zero_point
            dtype = K.matmul_dtype(taps.reshape(k_h * k_w, oc), 128)
        else:
            # int16 kernel: int64 bias and accumulator, no input/output offsets
            b = K.bias_values(ctx, bias, oc, (DType.int64,))
            in_zp = 0
            requant = K.Requant(requant.output_multiplier, requant.output_shift, 0, requant.act_min,
                                requant.act_max, True, requant.out_dtype)
            dtype = np.dtype(np.float64)
        if not requant.int64_acc and K.acc_fits_int32(taps.reshape(k_h * k_w, oc), 255, b):
            requant = requant.without_wrap()
        sum_w = taps.reshape(k_h * k_w, oc).sum(axis=0).astype(np.int64)
        raw_b = np.zeros(oc, np.int64) if b is None else b
        b = raw_b - in_zp * sum_w
        fast = None
        if x.dtype == DType.int8 and dtype == np.float32:
            fast = K.float_requant(requant, b, raw_b, np.abs(taps).reshape(k_h * k_w, oc).sum(axis=0) * 255)
        wide = flat = None
        if fast is not None:
            wide = np.tile(taps.astype(np.float32), (1, 1, y.shape[2]))
            flat = _flat_taps(win, taps, oc)
        return DepthwiseParams(win, mult, taps.astype(dtype), b, in_zp, requant, 0.0, 0.0, tuple(y.shape), fast,
                               wide, flat, _as_int16_pairs(flat, taps), _as_int16_pairs(wide, taps))

    def eval(self, p: DepthwiseParams, inputs, outputs) -> None:
        x = inputs[0]
        bsz = x.shape[0]
        win = p.win
        nb = bsz * x.shape[1]
        x = x.reshape(nb, win.in_h, win.in_w, x.shape[-1])
        out = outputs[0].reshape(nb, *p.out_shape[1:])
        oc = p.out_shape[3]
        per_sample = (win.in_h + 2 * win.pad_h) * (win.in_w + 2 * win.pad_w) * oc * p.taps.itemsize \
            + win.out_h * win.out_w * oc * 24
        if p.fast is not None:
            rows = win.out_h * win.out_w
            out2 = out.reshape(nb * rows, oc)
            for sl in K.sample_chunks(nb, per_sample, DW_CHUNK_BYTES):
                xs = x[sl] if p.depth_multiplier == 1 else np.repeat(x[sl], p.depth_multiplier, axis=3)
                acc = self._int8_acc(p, xs, nb > 1)
                if not acc.flags.c_contiguous:  # the flat strategy's rows carry padding columns
                    dense = buffer("dw.dense", acc.shape, np.float32)
                    dense[...] = acc
                    acc = dense
                p.fast.apply(acc.reshape(-1, oc), out2[sl.start * rows:sl.stop * rows])
            return
        for sl in K.sample_chunks(nb, per_sample):
            out[sl] = self._slab(p, x[sl])

    @classmethod
    def _int8_acc(cls, p: DepthwiseParams, xs: np.ndarray, batched: bool) -> np.ndarray:
        """float32 accumulators of the (unpadded) int8 slab ``xs``, by the strategy picked for this slab kind."""
        how = p.strategy.get(batched)
        if how is not None:
            return how(p, cls._padded(p, xs, how))
        # no decision yet: the next slabs take turns with each strategy (their results are used),
        # twice round, and the fastest per sample wins
        cands = (cls._int8_taps, cls._int8_einsum) + ((cls._int8_flat,) if p.flat_taps is not None else ()) \
            + ((cls._int8_flat16,) if p.flat_taps16 is not None else ()) \
            + ((cls._int8_taps16,) if p.wide_taps16 is not None else ())
        trials = p.strategy.setdefault(("trials", batched), [])
        how = cands[len(trials) % len(cands)]
        t0 = time.thread_time()  # per thread: run() workers time their own slabs
        acc = how(p, cls._padded(p, xs, how))
        trials.append(((time.thread_time() - t0) / xs.shape[0], how))
        if len(trials) >= 2 * len(cands):
            p.strategy[batched] = min(trials, key=lambda tr: tr[0])[1]
        return acc

    @classmethod
    def _padded(cls, p: DepthwiseParams, xs: np.ndarray, how) -> np.ndarray:
        if how is cls._int8_flat16 or how is cls._int8_taps16:
            return K.pad_input(xs, p.win, p.pad_value, np.int16, "dw.pad16")
        return K.pad_input(xs, p.win, p.pad_value, np.float32, "dw.pad")

    @staticmethod
    def _int8_flat16(p: DepthwiseParams, xp: np.ndarray) -> np.ndarray:
        """``_int8_flat`` over an int16 padded image: products of two taps are summed in int16 (half the
        memory traffic of float32; prepare proved each pair's sum fits), then added to float32 sums.
        """
        win = p.win
        n, hp, wp, c = xp.shape
        taps = p.flat_taps16
        length = taps.shape[1]
        xf = xp.reshape(n, hp * wp * c)
        acc = buffer("dw.acc", (n, win.out_h * wp * c), np.float32)
        a = acc[:, :length]
        t1 = buffer("dw.t16a", a.shape, np.int16)
        t2 = buffer("dw.t16b", a.shape, np.int16)
        offs = [(ky * win.dil_h * wp + kx * win.dil_w) * c for ky in range(win.k_h) for kx in range(win.k_w)]
        for j in range(0, len(offs), 2):
            np.multiply(xf[:, offs[j]:offs[j] + length], taps[j], out=t1)
            if j + 1 < len(offs):
                np.multiply(xf[:, offs[j + 1]:offs[j + 1] + length], taps[j + 1], out=t2)
                t1 += t2
            if j == 0:
                a[...] = t1
            else:
                np.add(a, t1, out=a)
        return acc.reshape(n, win.out_h, wp, c)[:, :, :win.out_w]

    @staticmethod
    def _int8_taps16(p: DepthwiseParams, xp: np.ndarray) -> np.ndarray:
        """``_int8_taps`` over an int16 padded image, tap pairs summed in int16 as in ``_int8_flat16``."""
        win = p.win
        n, c = xp.shape[0], xp.shape[3]
        acc = buffer("dw.acc", (n, win.out_h, win.out_w * c), np.float32)
        t1 = buffer("dw.t16a", acc.shape, np.int16)
        t2 = buffer("dw.t16b", acc.shape, np.int16)
        taps = p.wide_taps16.reshape(win.k_h * win.k_w, -1)
        views = _phase_tap_views(xp, win, acc.shape)
        for j in range(0, len(views), 2):
            np.multiply(views[j], taps[j], out=t1)
            if j + 1 < len(views):
                np.multiply(views[j + 1], taps[j + 1], out=t2)
                t1 += t2
            if j == 0:
                acc[...] = t1
            else:
                np.add(acc, t1, out=acc)
        return acc

    @staticmethod
    def _int8_flat(p: DepthwiseParams, xp: np.ndarray) -> np.ndarray:
        """Stride 1: every tap is one contiguous shift of the flattened padded image.

        Output rows are computed over the padded width (the extra columns are discarded), so
        each multiply-add runs over (N, L) with one long inner loop.
        """
        win = p.win
        n, hp, wp, c = xp.shape
        length = p.flat_taps.shape[1]
        xf = xp.reshape(n, hp * wp * c)
        acc = buffer("dw.acc", (n, win.out_h * wp * c), np.float32)
        a = acc[:, :length]
        tmp = buffer("dw.tmp", a.shape, np.float32)
        t = 0
        for ky in range(win.k_h):
            for kx in range(win.k_w):
                off = (ky * win.dil_h * wp + kx * win.dil_w) * c
                if t == 0:
                    np.multiply(xf[:, off:off + length], p.flat_taps[0], out=a)
                else:
                    np.multiply(xf[:, off:off + length], p.flat_taps[t], out=tmp)
                    a += tmp
                t += 1
        return acc.reshape(n, win.out_h, wp, c)[:, :, :win.out_w]

    @staticmethod
    def _int8_einsum(p: DepthwiseParams, xp: np.ndarray) -> np.ndarray:
        win = p.win
        out = buffer("dw.acc", (xp.shape[0], win.out_h, win.out_w, xp.shape[3]), np.float32)
        return np.einsum("nhwijc,ijc->nhwc", K.windows(xp, win), p.taps, out=out)

    @staticmethod
    def _int8_taps(p: DepthwiseParams, xp: np.ndarray) -> np.ndarray:
        """Multiply-accumulate the taps over (N, OH, OW*C) rows of a padded float32 input.

        float32 sums of int8 products are exact here (prepare checked the bound), so the order is
        free; the taps are ``_phase_tap_views``.
        """
        win = p.win
        n, c = xp.shape[0], xp.shape[3]
        acc = buffer("dw.acc", (n, win.out_h, win.out_w * c), np.float32)
        tmp = buffer("dw.tmp", acc.shape, np.float32)
        taps = p.wide_taps.reshape(win.k_h * win.k_w, -1)
        for j, v in enumerate(_phase_tap_views(xp, win, acc.shape)):
            if j == 0:
                np.multiply(v, taps[0], out=acc)
            else:
                np.multiply(v, taps[j], out=tmp)
                acc += tmp
        return acc

    @staticmethod
    def _slab(p: DepthwiseParams, x: np.ndarray) -> np.ndarray:
        win = p.win
        if p.depth_multiplier > 1:
            x = np.repeat(x, p.depth_multiplier, axis=3)
        xp = K.pad_input(x.astype(p.taps.dtype, copy=False), win, p.pad_value)
        acc = None
        tmp = None
        for ky in range(win.k_h):
            for kx in range(win.k_w):
                t = K.tap(xp, win, ky, kx)
                if acc is None:
                    acc = t * p.taps[ky, kx]
                    tmp = np.empty_like(acc)
                else:
                    np.multiply(t, p.taps[ky, kx], out=tmp)
                    acc += tmp
        if p.requant is None:
            if p.bias is not None:
                acc += p.bias
            return np.clip(acc, p.float_min, p.float_max)
        return p.requant.apply(acc.astype(np.int64) + p.bias)

    def cost(self, node: Operator) -> Cost:
        w, y = node.inputs[1], node.outputs[0]
        return Cost(macs=y.size * w.shape[1] * w.shape[2], param_bytes=param_bytes(node),
                    bytes_in=io_bytes(node.inputs), bytes_out=io_bytes(node.outputs))
