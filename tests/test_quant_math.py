"""The requantization math against a scalar, line-by-line Python port of the C++ (gemmlowp / TFLM common.h)."""

import math

import numpy as np
from hypothesis import given, strategies as st

from mcuml.kernels import quant as Q

I32 = st.integers(-(2**31), 2**31 - 1)


def c_srdhm(a: int, b: int) -> int:
    if a == b == -(2**31):
        return 2**31 - 1
    ab = a * b
    nudge = (1 << 30) if ab >= 0 else 1 - (1 << 30)
    v = ab + nudge
    return int(v / (1 << 31)) if abs(v) < 2**52 else (v // (1 << 31) if v >= 0 else -((-v) // (1 << 31)))


def c_rdbpot(x: int, e: int) -> int:
    mask = (1 << e) - 1
    rem = x & mask
    threshold = (mask >> 1) + (1 if x < 0 else 0)
    return (x >> e) + (1 if rem > threshold else 0)


def c_wrap(v: int) -> int:
    return ((v + 2**31) % 2**32) - 2**31


def c_mbqm(x: int, q: int, shift: int) -> int:
    left, right = max(shift, 0), max(-shift, 0)
    return c_rdbpot(c_srdhm(c_wrap(x * (1 << left)), q), right)


@given(I32, st.integers(0, 2**31 - 1), st.integers(-31, 30))
def test_mbqm_matches_scalar_port(x, q, shift):
    assert int(Q.mbqm(np.array([x]), q, shift)[0]) == c_mbqm(x, q, shift)
    assert int(Q.mbqm(np.array([x]), np.array([q]), np.array([shift]))[0]) == c_mbqm(x, q, shift)


@given(I32, I32)
def test_srdhm_matches_scalar_port(a, b):
    assert int(Q.srdhm(np.array([a]), b)[0]) == c_srdhm(a, b)


@given(I32, st.integers(0, 31))
def test_rdbpot_matches_scalar_port(x, e):
    assert int(Q.rdbpot(np.array([x]), e)[0]) == c_rdbpot(x, e)


@given(st.floats(min_value=1e-12, max_value=1e6, allow_nan=False))
def test_quantize_multiplier_reconstructs(m):
    q, s = Q.quantize_multiplier(m)
    if q:
        assert 2**30 <= q < 2**31
        assert math.isclose(q * 2.0 ** (s - 31), m, rel_tol=2**-30)


def test_round_half_away_from_zero():
    x = np.array([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49999999999999994, -0.49999999999999994])
    assert Q.round_half_away(x).tolist() == [1, 2, 3, -1, -2, -3, 0, -0]
    assert Q._round_scalar(2.5) == 3 and Q._round_scalar(-2.5) == -3 and Q._round_scalar(0.49999999999999994) == 0
