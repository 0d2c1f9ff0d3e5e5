"""The in-place requantization (kernels.quant.mbqm_inplace) against the reference port in kernels.quant."""

import numpy as np
import pytest

from mcuml.kernels import quant


@pytest.mark.parametrize("seed", range(4))
def test_mbqm_inplace_equals_reference(seed):
    rng = np.random.default_rng(seed)
    n = 20000
    x = np.concatenate([rng.integers(-(1 << 40), 1 << 40, n), rng.integers(-5000, 5000, n),
                        np.array([0, 1, -1, quant.INT32_MIN, quant.INT32_MAX, 1 << 31, -(1 << 31) - 1])])
    reals = np.exp(rng.uniform(np.log(1e-6), np.log(8.0), 16))
    reals[0] = 2.0 ** -13  # multiplier exactly 2^30
    mult, shift = quant.quantize_multipliers(reals)
    xs = x[: (x.size // 16) * 16].reshape(-1, 16)
    want = quant.mbqm(quant.wrap_int32(xs), mult, shift)
    got = quant.mbqm_inplace(xs.copy(), mult, shift)
    assert np.array_equal(got, want)


def test_mbqm_inplace_zero_right_shift():
    x = np.arange(-3000, 3000, dtype=np.int64).reshape(-1, 2)
    mult, shift = quant.quantize_multipliers(np.array([1.0, 1.5]))  # shifts >= 0: no rounding division
    assert np.array_equal(quant.mbqm_inplace(x.copy(), mult, shift, wrap=False), quant.mbqm(x, mult, shift))
