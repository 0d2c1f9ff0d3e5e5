"""DEPTHWISE_CONV_2D: per-channel 2-D convolution with depth_multiplier; float32, int8, int16x8.

Ports ``tensorflow/lite/micro/kernels/depthwise_conv.cc`` + ``depthwise_conv_common.cc`` and the
reference kernels ``reference/depthwiseconv_float.h`` and ``reference/integer_ops/depthwise_conv.h``
(``DepthwiseConvPerChannel``: int8 with int32 bias, int16 with int64 bias and accumulator).
Output channel ``oc = ic * depth_multiplier + m`` reads input channel ``oc // depth_multiplier``,
so the input is repeated along channels once and the filter taps (a small static loop) are
multiply-accumulated over whole (N, OH, OW, OC) slabs, in the kernel's tap order.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.kernels import conv as K
from mcuml.kernels.quant_float import FloatRequant, float_requant
from mcuml.kernels import quant
from mcuml.kernels.scratch import buffer
from mcuml.ops import Cost, OpContext, register
from mcuml.ops._base import io_bytes, param_bytes
from mcuml.ops._conv_common import ConvFacts, conv_geometry, conv_io
from mcuml.ops._facts import int4_filter_scratch

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
    fast: FloatRequant | None = None  # exact float64 requantization (int8 out), bias included
    wide_taps: np.ndarray | None = None  # float32 (KH, KW, OW*OC): each tap tiled along an output row
    flat_taps: np.ndarray | None = None  # float32 (KH*KW, L): each tap tiled along a flat padded image (stride 1)
    flat_taps16: np.ndarray | None = None  # int16 copy when two taps' products always fit int16 (``_int8_flat16``)
    wide_taps16: np.ndarray | None = None  # the same for ``wide_taps`` (``_int8_taps16``)
    # int8 accumulation strategy (a ``STRATEGIES`` key) for one sample and for a batched slab, chosen at
    # prepare from the shapes by ``choose_strategy``; all strategies are exact, so only speed differs
    single: str = "taps"
    batched: str = "taps"

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


# -- int8 accumulation strategies: (params, padded slab) -> float32 accumulators, exact integers ----------

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


def _int8_einsum(p: DepthwiseParams, xp: np.ndarray) -> np.ndarray:
    win = p.win
    out = buffer("dw.acc", (xp.shape[0], win.out_h, win.out_w, xp.shape[3]), np.float32)
    return np.einsum("nhwijc,ijc->nhwc", K.windows(xp, win), p.taps, out=out)


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


STRATEGIES = {"taps": _int8_taps, "einsum": _int8_einsum, "flat": _int8_flat, "flat16": _int8_flat16,
              "taps16": _int8_taps16}
_INT16_PADDED = ("flat16", "taps16")


def available_strategies(p: DepthwiseParams) -> tuple[str, ...]:
    """The ``STRATEGIES`` whose tiled taps prepare built for this layer (``taps`` and ``einsum`` always)."""
    return ("taps", "einsum") + (("flat",) if p.flat_taps is not None else ()) \
        + (("flat16",) if p.flat_taps16 is not None else ()) + (("taps16",) if p.wide_taps16 is not None else ())


# choose_strategy's thresholds, fitted once to benchmarks/results/depthwise.json (every int8 depthwise layer of
# the shared models, timed per strategy by benchmarks/bench_depthwise.py on the 2-core CI machine): the rule's
# total is within 6% (one sample) and 4% (batched slabs) of always taking each layer's fastest strategy
EINSUM_MIN_CHANNELS = {False: 128, True: 96}  # from here on einsum's inner loop over channels is long enough
EINSUM_MIN_CHANNELS_5X5 = {False: 32, True: 64}  # ... and for windows of 25 taps or more (fewer, longer calls)
EINSUM_MAX_TINY = 1024  # one sample: output elements below which one einsum call beats a call per tap


def choose_strategy(win: K.Window, oc: int, batched: bool, available: tuple[str, ...]) -> str:
    """The int8 accumulation strategy for a layer, from its shapes alone (never timed at run time).

    Many channels, or a large window with enough channels, or (one sample) a tiny output: ``einsum``.
    Otherwise the per-tap passes: on one flat shift per tap for stride 1 (``flat16``, else ``flat``),
    on stride-phase views for strided windows (``taps16``, else ``taps``); the int16 forms wherever the
    filter's tap pairs fit int16 (half the memory traffic).
    """
    taps = win.k_h * win.k_w
    if oc >= (EINSUM_MIN_CHANNELS_5X5 if taps >= 25 else EINSUM_MIN_CHANNELS)[batched] \
            or (not batched and win.out_h * win.out_w * oc < EINSUM_MAX_TINY):
        return "einsum"
    for name in ("flat16", "flat", "taps16"):
        if name in available:
            return name
    return "taps"


def padded(p: DepthwiseParams, xs: np.ndarray, strategy: str) -> np.ndarray:
    """The padded slab a strategy reads: int16 for the pairwise-int16 ones, float32 otherwise."""
    if strategy in _INT16_PADDED:
        return K.pad_input(xs, p.win, p.pad_value, np.int16, "dw.pad16")
    return K.pad_input(xs, p.win, p.pad_value, np.float32, "dw.pad")


@register("DEPTHWISE_CONV_2D")
class DepthwiseConv2D(ConvFacts):
    """Memory (depthwise_conv.cc, depthwise_conv_common.cc; cmsis_nn/depthwise_conv.cc): OpData, then the
    per-channel multiplier/shift arrays (``4·OC`` each; quantized only on CMSIS-NN)."""

    tflm_arity = ((2, 3), 1, (0, 1), {0: 4, 1: 4}, 4)  # TFLM Prepare's tensor counts; ranks the arena model reads

    cmsis_nn = True

    filter_channel_axis = 3  # filter [1, KH, KW, OC]

    def scratch(self, node: Operator, target: str = "host", kernels: str = "reference") -> list[int]:
        if kernels == "cmsis-nn":
            from mcuml.plan.cmsis import depthwise_scratch

            return depthwise_scratch(node, target)
        return int4_filter_scratch(node)

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
            fast = float_requant(requant, b, raw_b, np.abs(taps).reshape(k_h * k_w, oc).sum(axis=0) * 255)
        wide = flat = None
        if fast is not None:
            wide = np.tile(taps.astype(np.float32), (1, 1, y.shape[2]))
            flat = _flat_taps(win, taps, oc)
        p = DepthwiseParams(win, mult, taps.astype(dtype), b, in_zp, requant, 0.0, 0.0, tuple(y.shape), fast,
                            wide, flat, _as_int16_pairs(flat, taps), _as_int16_pairs(wide, taps))
        if fast is None:
            return p
        can = available_strategies(p)
        return replace(p, single=choose_strategy(win, oc, False, can), batched=choose_strategy(win, oc, True, can))

    trusts_stored_output_shape = True  # depthwise_conv_common.cc, as CONV_2D

    def computed_output_shape(self, node: Operator) -> tuple[int, ...] | None:
        from mcuml.ops._shape_util import windowed_output_shape

        w = node.inputs[1] if len(node.inputs) > 1 else None
        return None if w is None or len(w.shape) != 4 else windowed_output_shape(node, w.shape[1], w.shape[2],
                                                                                  w.shape[3])

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
                how = p.batched if nb > 1 else p.single
                acc = STRATEGIES[how](p, padded(p, xs, how))
                if not acc.flags.c_contiguous:  # the flat strategy's rows carry padding columns
                    dense = buffer("dw.dense", acc.shape, np.float32)
                    dense[...] = acc
                    acc = dense
                p.fast.apply(acc.reshape(-1, oc), out2[sl.start * rows:sl.stop * rows])
            return
        for sl in K.sample_chunks(nb, per_sample):
            out[sl] = self._slab(p, x[sl])

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
