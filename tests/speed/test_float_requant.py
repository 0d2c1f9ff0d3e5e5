"""The float64 requantization (kernels.quant_float.FloatRequant) equals TFLM's integer double rounding bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from mcuml.kernels import conv as K
from mcuml.kernels import quant
from mcuml.kernels import quant_float as QF


def _reference(a: np.ndarray, rq: K.Requant) -> np.ndarray:
    y = quant.mbqm(a, rq.output_multiplier, rq.output_shift) + rq.output_offset
    return np.clip(y, rq.act_min, rq.act_max).astype(np.int8)


def _check(a: np.ndarray, mult: np.ndarray, shift: np.ndarray, zp: int, lo: int = -128, hi: int = 127) -> None:
    rq = K.Requant(mult, shift, zp, lo, hi, False, np.dtype(np.int8), wrap=False)
    bias = np.arange(a.shape[1]) - 3  # the constant part of the accumulator
    fr = QF.float_requant(rq, bias, bias, np.abs(a - bias).max(axis=0))
    assert fr is not None
    acc = (a - bias).astype(np.float32)  # and the matmul's part
    assert np.array_equal(acc.astype(np.float64) + bias, a)
    for dtype in (np.float32, np.float64):  # float32 adds the bias in place, float64 in the cast
        for rows in (len(a), len(a) - 1, 1):  # tiled rows plus a remainder, and a lone row
            out = np.empty((rows, a.shape[1]), np.int8)
            fr.apply(acc[:rows].astype(dtype), out)  # a copy: apply consumes its accumulator
            np.testing.assert_array_equal(out, _reference(a[:rows], rq))


@pytest.mark.parametrize("seed", range(6))
def test_random_multipliers_and_accumulators(seed: int) -> None:
    rng = np.random.default_rng(seed)
    oc = 24
    real = np.exp2(rng.uniform(-15, -1, oc))
    mult, shift = quant.quantize_multipliers(real)
    a = rng.integers(-(1 << 16), 1 << 16, size=(3000, oc))
    a[:200] = rng.integers(-300, 300, size=(200, oc))
    zp = int(rng.integers(-128, 128))
    _check(a, mult, shift, zp)
    _check(a, mult, shift, zp, zp, 127)  # ReLU: the tie term's sign is skipped
    _check(a, mult, shift, zp, min(zp + 6, 127), min(zp + 60, 127))


@pytest.mark.parametrize("right", [0, 1, 2, 5, 8, 11, 13, 14])
@pytest.mark.parametrize("mult", [1 << 30, 3 << 28, (1 << 31) - 1, 1518500250])
def test_every_accumulator_near_the_ties(right: int, mult: int) -> None:
    """Multipliers with trailing zeros put SRDHM and RDBPOT exactly on their .5 ties."""
    a = np.arange(-(1 << 15), 1 << 15, dtype=np.int64)[:, None] * np.array([1, 3])
    zp = 5
    _check(a, np.array([mult, mult]), np.array([-right, -right]), zp, -128, 127)
    _check(a, np.array([mult, mult]), np.array([-right, -right]), -128, -128, 0)
    _check(a, np.array([mult, mult]), np.array([-right, -right]), zp, zp, 127)


@pytest.mark.parametrize("zp", [-128, 0, 100])
def test_largest_shift_at_the_clamp_bounds(zp: int) -> None:
    """r = 14, accumulators whose results sit on the clamp bounds: the magnitude end of the exactness proof."""
    mult = np.array([(1 << 31) - 1, 1518500250, 1 << 30])
    m = mult / 2.0 ** 45
    a = []
    for target in (127.5 - zp, -128.5 - zp, 128.5 - zp, -127.5 - zp):
        a0 = np.round(target / m).astype(np.int64)
        a.append(a0[None, :] + np.arange(-3000, 3000)[:, None])
    a = np.concatenate(a)
    _check(a, mult, np.full(3, -14), zp)
    _check(a, mult, np.full(3, -14), zp, max(zp, -128), 127)


def test_left_shift_and_zero_multiplier() -> None:
    a = np.arange(-5000, 5000, dtype=np.int64)[:, None] * np.ones(3, np.int64)
    _check(a, np.array([1 << 30, 0, 1518500250]), np.array([2, 0, 1]), -7)


def test_dead_channel_with_huge_shift_is_exact() -> None:
    a = np.arange(-20000, 20000, dtype=np.int64)[:, None] * np.ones(2, np.int64)
    _check(a, np.array([1 << 30, 1518500250]), np.array([-31, -20]), 3)


def test_constant_channel_with_huge_bias_and_shift() -> None:
    """Tiny weights next to a large bias (tiny filter scales): the output is a constant != zero point."""
    bias = np.array([5 * (1 << 28) + 12345, -(3 << 28) - 777])
    acc = np.arange(-1000, 1000, dtype=np.int64)[:, None] * np.ones(2, np.int64)
    for zp, lo in ((-7, -128), (-7, -7)):
        rq = K.Requant(np.array([1 << 30, 1 << 30]), np.array([-27, -27]), zp, lo, 127, False, np.dtype(np.int8),
                       wrap=False)
        fr = QF.float_requant(rq, bias, bias, np.full(2, 1000))
        assert fr is not None
        out = np.empty(acc.shape, np.int8)
        fr.apply(acc.astype(np.float32), out)
        np.testing.assert_array_equal(out, _reference(acc + bias, rq))
        assert (out[:, 0] == 5 + zp).all()


def test_channels_beyond_the_float_form_take_the_integer_path() -> None:
    """Right shifts > 14 that are not constant: those columns alone go through int64 requantize."""
    mult = np.array([1 << 30, 1518500250, 1 << 30, 1 << 30])
    shift = np.array([-20, -6, -17, -31])
    bias = np.array([5 << 20, 100, -(3 << 17) - 5, 7])
    acc = np.arange(-3000, 3000, dtype=np.int64)[:, None] * np.array([1, 1, 3, 1])
    for zp, lo in ((4, -128), (-128, -128)):
        rq = K.Requant(mult, shift, zp, lo, 127, False, np.dtype(np.int8), wrap=False)
        fr = QF.float_requant(rq, bias, bias, np.abs(acc).max(axis=0))
        assert fr is not None and fr.slow is not None and 0 in fr.slow.index and set(fr.slow.index) <= {0, 2}
        for dtype in (np.float32, np.float64):
            out = np.empty(acc.shape, np.int8)
            fr.apply(acc.astype(dtype), out)
            np.testing.assert_array_equal(out, _reference(acc + bias, rq))


def test_refuses_when_not_provably_exact() -> None:
    mult, shift = np.array([1 << 30]), np.array([-20])
    rq = K.Requant(mult, shift, 0, -128, 127, False, np.dtype(np.int8), wrap=False)
    zero = np.zeros(1, np.int64)
    assert QF.float_requant(rq, zero, zero, np.array([1 << 22])) is None  # shift 20, results not all equal
    assert QF.float_requant(rq, zero, zero, np.array([1 << 10])) is not None  # ... unless they are
    tie = np.array([5 << 20])  # a x 2^-21 = 2.5 +- 0.0005 straddles 2 | 3
    assert QF.float_requant(rq, tie, tie, np.array([1000])) is None  # ... and it is the only channel
    wrap = K.Requant(mult, np.array([-5]), 0, -128, 127, False, np.dtype(np.int8), wrap=True)
    assert QF.float_requant(wrap, zero, zero, np.array([1 << 10])) is None
    left = K.Requant(mult, np.array([3]), 0, -128, 127, False, np.dtype(np.int8), wrap=False)
    assert QF.float_requant(left, zero, zero, np.array([1 << 29])) is None  # a << 3 could wrap
    i16 = K.Requant(mult, np.array([-5]), 0, -32768, 32767, False, np.dtype(np.int16), wrap=False)
    assert QF.float_requant(i16, zero, zero, np.array([1 << 10])) is None


@pytest.mark.parametrize("block", [QF.FLOAT_REQUANT_WIDTH, 3 * QF.FLOAT_REQUANT_WIDTH])
def test_several_blocks_per_call(block: int, monkeypatch) -> None:
    """Accumulators spanning several requantization blocks (the default block holds 256K values)."""
    monkeypatch.setattr(QF, "REQUANT_BLOCK", block)
    rng = np.random.default_rng(77)
    oc = 16
    mult, shift = quant.quantize_multipliers(np.exp2(rng.uniform(-12, -2, oc)))
    a = rng.integers(-(1 << 14), 1 << 14, size=(5000, oc))
    _check(a, mult, shift, -7)
    _check(a, mult, shift, -7, -7, 127)
