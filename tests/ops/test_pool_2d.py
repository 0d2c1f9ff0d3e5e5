"""AVERAGE_POOL_2D and MAX_POOL_2D: the same cases, bit-exact against the TFLM wheel."""

import numpy as np
import pytest

from mcuml import load_model
from mcuml.ops import lookup
from nn_models import assert_run_matches_invokes, pool_model, rand_input
from oracle import differential, tflm_run

SAME, VALID = 0, 1
NONE, RELU, RELU_N1_TO_1, RELU6 = 0, 1, 2, 3
OPS = ("AVERAGE_POOL_2D", "MAX_POOL_2D")

# (dtype, in_shape, filter, stride, padding, act, scale, zero_point)
CASES = [
    ("int8", (1, 8, 8, 3), (2, 2), (2, 2), VALID, NONE, 0.05, 0),
    ("int8", (1, 9, 7, 4), (3, 3), (2, 2), SAME, RELU, 0.05, -10),
    ("int8", (2, 10, 10, 5), (3, 2), (1, 2), SAME, RELU6, 0.05, 127),
    ("int8", (1, 12, 11, 8), (5, 5), (3, 2), SAME, RELU_N1_TO_1, 0.01, -128),
    ("int8", (1, 25, 5, 16), (25, 5), (1, 1), VALID, NONE, 0.1, 5),  # global pool (KWS-style)
    ("int8", (1, 6, 6, 2), (4, 4), (1, 1), SAME, NONE, 0.1, 0),  # heavily clipped edge windows
    ("int16", (1, 8, 8, 3), (3, 3), (2, 2), SAME, NONE, 0.001, 0),
    ("int16", (1, 7, 9, 4), (2, 3), (2, 1), VALID, RELU, 0.001, 0),
    ("float32", (1, 8, 8, 3), (3, 3), (2, 2), SAME, NONE, 0, 0),
    ("float32", (2, 9, 10, 4), (2, 2), (2, 2), VALID, RELU6, 0, 0),
    ("float32", (1, 7, 7, 4), (7, 7), (1, 1), VALID, RELU_N1_TO_1, 0, 0),
]


def build(op, i):
    dt, shape, filt, stride, pad, act, scale, zp = CASES[i]
    model = pool_model(op, dt, shape, filt, stride, pad, act, scale, zp)
    return model, rand_input(np.random.default_rng(400 + i), shape, dt)


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("i", range(len(CASES)), ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_pool_2d_matches_tflm(op, i):
    model, x = build(op, i)
    got = differential(model, [x])
    assert np.array_equal(got[0], tflm_run(model, [x])[0])  # float kernels too: same summation order


@pytest.mark.parametrize("op", OPS)
def test_pool_2d_batched_run(op):
    model, _ = build(op, 2)
    assert_run_matches_invokes(model, [rand_input(np.random.default_rng(1), (3, 2, 10, 10, 5), "int8")])


@pytest.mark.parametrize("op", OPS)
def test_pool_2d_cost(op):
    model, _ = build(op, 1)
    c = lookup(op).cost(load_model(model).main.operators[0])
    assert c.macs == 0 and c.elementwise == 5 * 4 * 4 * 9
