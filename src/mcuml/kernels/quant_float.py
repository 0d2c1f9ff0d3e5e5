"""Exact int8 requantization in float64: the fast output stage of CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED.

A sibling of ``kernels.quant`` (which owns every integer form of TFLM's ``MultiplyByQuantizedMultiplier``):
``FloatRequant`` computes the same double rounding in a few float64 passes where prepare proved it exact,
and sends the remaining channels through ``quant.requantize_acc``. Also owns the tile/block widths of those
passes (constants measured once, never at run time).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from mcuml.kernels import quant
from mcuml.kernels.scratch import buffer

if TYPE_CHECKING:
    from mcuml.kernels.conv import Requant


@dataclass(frozen=True, slots=True)
class FloatRequant:
    """``acc + bias`` -> int8 as ``Requant`` does, computed in float64, bit-exact, in a few cheap passes.

    For an accumulator ``a`` with ``a * 2^left`` inside int32, ``M`` = output_multiplier and
    ``r`` = right shift, the double rounding ``RDBPOT(SRDHM(a * 2^left, M), r)`` is
    ``floor((a M 2^left + 2^30 + 2^(30+r) - [a < 0] 2^31) / 2^(31+r))`` (nested floors by powers
    of two merge; RDBPOT's tie term only applies to negative values, and SRDHM's result is
    negative exactly when ``a`` is, bar ``a = -1, M = 2^30`` where both forms give 0). Written as
    ``a * scale + copysign(half, a) + 1/2 + zero point + 128`` every term is a multiple of
    ``2^-(31+r)``. The clamp range maps into [0, 256); whenever the result can land in it,
    ``|a * scale|`` and every partial sum are below 2^8, so for ``r <= 14`` every float64 step is
    exact (2^8 x 2^(31+r) <= 2^53), and otherwise the value is at least 1/4 beyond a clamp
    bound, which rounding (relative 2^-52) cannot cross. A channel with a larger ``r`` qualifies
    when prepare's bounds on ``a`` prove its clamped result constant; the remaining few
    (``slow``) go through the int64 ``quant.requantize_acc`` on their own columns.

    When the clamp's lower bound is at or above the output zero point (ReLU, ReLU6), every
    negative ``a`` clamps to ``act_min`` with either sign of the tie term (both forms stay below
    1 before the zero point is added), so ``half`` folds into a per-channel ``offset_pos`` and the
    sign step is skipped.

    Per-channel constants are tiled to a row of ``width`` = k x OC values (~8192) and the (M, OC)
    data viewed as (M/k, width), so NumPy's inner loops run long instead of OC elements at a time.
    """

    width: int
    bias: np.ndarray  # float64 (width,): the accumulator's constant part per channel, tiled
    bias32: np.ndarray | None  # float32 copy when every |acc + bias| < 2^24: added in place, exactly
    # per-channel constants, tiled (width,), or NumPy scalars when all channels share them
    scale: np.ndarray  # float64: M * 2^left / 2^(31 + r)
    half_bits: np.ndarray  # uint64: bits of 2^-(r+1) (0 for r = 0); OR-ed with a's sign bit
    offset: np.ndarray  # float64: 1/2 + output_offset + 128 (a constant channel: its value + 128.5)
    offset_pos: np.ndarray | None  # float64: offset + half, when the sign never matters (see above)
    lo: float  # act_min + 128: the clamp in a non-negative domain, where the cast to uint8 floors
    hi: float
    slow: SlowChannels | None = None  # the few channels the float form cannot do exactly

    def apply(self, acc: np.ndarray, out: np.ndarray) -> None:
        """``out`` (M, OC) int8 <- requantized ``acc + bias``.

        ``acc`` (M, OC) float32/64 holds exact integers and is consumed (used as scratch).
        """
        slow = None
        if self.slow is not None:  # taken before acc is consumed, written after the fast pass
            sc = self.slow
            slow = quant.requantize_acc(acc[:, sc.index].astype(np.int64) + sc.bias, sc.multiplier, sc.shift,
                                        sc.output_offset, sc.act_min, sc.act_max, np.dtype(np.int8), False, False)
        self._apply(acc, out)
        if slow is not None:
            out[:, self.slow.index] = slow

    def _apply(self, acc: np.ndarray, out: np.ndarray) -> None:
        m, oc = acc.shape
        k = self.width // oc
        main = m - m % k
        rows = max(1, REQUANT_BLOCK // self.width)  # float64 temporaries of REQUANT_BLOCK values: stay in L2
        if main:
            a2, o2 = acc[:main].reshape(main // k, self.width), out[:main].reshape(main // k, self.width)
            n = a2.shape[0]
            f = buffer("requant.f", (min(rows, n), self.width), np.float64)
            t = buffer("requant.t", f.shape, np.float64)
            for s in range(0, n, rows):
                e = min(n, s + rows)
                self._block(a2[s:e], o2[s:e], f[:e - s], t[:e - s], self.width)
        if main < m:  # the last rows as one flat row: the tiled constants' period is OC, so their head fits
            tail = (m - main) * oc
            f = buffer("requant.f", (1, tail), np.float64)
            self._block(acc[main:].reshape(1, tail), out[main:].reshape(1, tail), f,
                        buffer("requant.t", f.shape, np.float64), tail)

    def _block(self, acc: np.ndarray, out: np.ndarray, f: np.ndarray, t: np.ndarray, w: int) -> None:
        if self.bias32 is not None and acc.dtype == np.float32:
            acc += self.bias32[:w]  # a same-type add and a cast beat one mixed-type add
            f[...] = acc
        else:
            np.add(acc, self.bias[:w], out=f)
        if self.offset_pos is not None:
            np.multiply(f, _at(self.scale, w), out=f)
            np.add(f, _at(self.offset_pos, w), out=f)
        else:
            self._signed(f, t, w)
        _clip(f, self.lo, self.hi, out=f)
        u = out.view(np.uint8)
        u[...] = f  # truncation = floor on [0, 256)
        np.bitwise_xor(u, _FLIP, out=u)  # v - 128 as int8

    def _signed(self, f: np.ndarray, t: np.ndarray, w: int) -> None:
        tb = t.view(np.uint64)
        np.bitwise_and(f.view(np.uint64), _SIGN_BIT, out=tb)
        np.bitwise_or(tb, _at(self.half_bits, w), out=tb)  # copysign(half, a), a few times faster
        np.multiply(f, _at(self.scale, w), out=f)
        np.add(f, t, out=f)
        np.add(f, _at(self.offset, w), out=f)


@dataclass(frozen=True, slots=True)
class SlowChannels:
    """Channels of a ``FloatRequant`` layer requantized by the int64 path (right shift > 14, not constant)."""

    index: np.ndarray  # intp (S,)
    bias: np.ndarray  # int64 (S,)
    multiplier: np.ndarray
    shift: np.ndarray
    output_offset: int
    act_min: int
    act_max: int


def _at(const: np.ndarray, w: int) -> np.ndarray:
    """A tiled per-channel constant cut to a row of ``w``; a scalar (per-tensor) one as it is."""
    return const if const.ndim == 0 else const[:w]


_clip = getattr(getattr(np, "_core", getattr(np, "core", None)), "umath", np).clip  # the ufunc: no wrapper cost
_SIGN_BIT = np.uint64(1 << 63)
_FLIP = np.uint8(0x80)

FLOAT_REQUANT_MAX_RIGHT = 14  # 2^8 (magnitude) x 2^(31+r) (granularity) <= 2^53
FLOAT_REQUANT_WIDTH = 8192  # tiled constants per row (measured: 2048 and 4096 run ~25% slower)
REQUANT_BLOCK = 1 << 18  # float64 values per requantization block (measured: as fast as 64K on one thread,
# faster on two run() workers, which then hand the GIL over less often)


def float_requant(rq: Requant, bias: np.ndarray, raw_bias: np.ndarray, spread: np.ndarray) -> FloatRequant | None:
    """The float64 form of ``rq`` when it is provably exact (see ``FloatRequant``), else None.

    The accumulator of channel c is ``acc + bias[c]`` (``bias`` (OC,) integers, the input-offset
    correction folded in) and lies in ``raw_bias[c] +- spread[c]`` whatever the input. A channel
    whose clamped result is the same at both ends of that range is constant (monotone function):
    it gets scale 0 and the constant in its offset, whatever its shift.
    """
    if rq.int64_acc or rq.wrap or np.dtype(rq.out_dtype) != np.int8:
        return None
    oc = int(np.size(spread))
    m_int = np.broadcast_to(np.asarray(rq.output_multiplier, np.int64), (oc,))
    shift = np.broadcast_to(np.asarray(rq.output_shift, np.int64), (oc,))
    center = np.asarray(raw_bias, np.int64).reshape(oc)
    spread_i = np.ceil(np.asarray(spread, np.float64).reshape(oc)).astype(np.int64)
    bound = (np.abs(center) + spread_i).astype(np.float64)
    left = np.maximum(shift, 0)
    right = np.maximum(-shift, 0)
    if (bound * np.exp2(left) >= float(1 << 31)).any():
        return None  # the left shift could wrap in int32
    ends = np.stack([center - spread_i, center + spread_i])
    ends = np.clip(quant.mbqm(ends, m_int, shift) + rq.output_offset, rq.act_min, rq.act_max)
    constant = ends[0] == ends[1]
    slow_mask = ~((right <= FLOAT_REQUANT_MAX_RIGHT) | constant)
    if slow_mask.all():
        return None
    bias = np.asarray(bias, np.int64).reshape(oc)
    slow = None
    if slow_mask.any():
        idx = np.flatnonzero(slow_mask)
        slow = SlowChannels(idx, bias[idx], m_int[idx].copy(), shift[idx].copy(), rq.output_offset, rq.act_min,
                            rq.act_max)
        constant = constant | slow_mask  # in the float pass: placeholders, overwritten afterwards
    scale = np.where(constant, 0.0, m_int.astype(np.float64) * np.exp2(left.astype(np.float64) - 31.0 - right))
    half = np.where((right > 0) & ~constant, np.exp2(-(right + 1.0)), 0.0)
    offset = np.where(constant, ends[0] + 128.5, 0.5 + rq.output_offset + 128.0)
    bias = np.where(constant, 0, bias)  # scale 0 ignores it; keeps it small
    k = max(1, FLOAT_REQUANT_WIDTH // oc)
    bias_t = np.tile(bias.astype(np.float64), k)
    fits32 = float(np.where(constant, 0.0, bound).max(initial=0.0)) < float(1 << 24) and \
        float(np.abs(bias_t).max(initial=0.0)) < float(1 << 24)
    bias32 = bias_t.astype(np.float32) if fits32 else None
    relu = rq.act_min >= rq.output_offset
    if (scale == scale[0]).all() and (half == half[0]).all() and (offset == offset[0]).all():
        # per-tensor: scalar constants (NumPy's scalar loops run ~3x faster than row broadcasts)
        return FloatRequant(k * oc, bias_t, bias32, np.float64(scale[0]), half[:1].view(np.uint64)[0],
                            np.float64(offset[0]), np.float64(offset[0] + half[0]) if relu else None,
                            float(rq.act_min + 128), float(rq.act_max + 128), slow)
    return FloatRequant(k * oc, bias_t, bias32, np.tile(scale, k), np.tile(half, k).view(np.uint64),
                        np.tile(offset, k), np.tile(offset + half, k) if relu else None, float(rq.act_min + 128),
                        float(rq.act_max + 128), slow)
