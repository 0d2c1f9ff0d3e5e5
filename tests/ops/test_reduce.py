"""MEAN, SUM, REDUCE_MAX, REDUCE_MIN, REDUCE_ALL against the TFLM wheel."""

import numpy as np
import pytest

from mcuml.ir.build import ModelBuilder
from oracle import random_input
from shapeops_util import check

CASES = [
    ((1, 7, 7, 16), [1, 2], True),
    ((1, 7, 7, 16), [1, 2], False),
    ((1, 28, 28, 8), [2], True),
    ((1, 5, 3, 3), [-1], False),
    ((2, 3, 4), [0, -1, 2], False),  # repeated axis (2 == -1)
    ((3, 5, 6), [1], True),
    ((4, 6), [0, 1], False),
    ((1, 9, 2, 2), [3, 1, 2], True),
]


def _model(op, shape, axes, keep, dtype, in_q=None, out_q=None, rng_shape=None):
    rank = len(shape)
    res = sorted({a % rank for a in axes})
    out = [1 if i in res else d for i, d in enumerate(shape)] if keep else [d for i, d in enumerate(shape)
                                                                          if i not in res]
    b = ModelBuilder()
    x = b.input("x", shape, dtype, **(in_q or {}))
    a = b.const("axes", np.array(axes, dtype=np.int32))
    y = b.tensor("y", out, dtype, **(out_q or {}))
    b.op(op, [x, a], [y], "ReducerOptions", keep_dims=keep)
    b.output(y)
    return b


@pytest.mark.parametrize("op", ["MEAN", "SUM"])
@pytest.mark.parametrize("dtype", ["int8", "int16"])
@pytest.mark.parametrize("case", range(len(CASES)))
def test_quantized_mean_sum(op, dtype, case):
    shape, axes, keep = CASES[case]
    rng = np.random.default_rng(case)
    in_q = dict(scale=float(rng.uniform(0.005, 0.1)), zero_point=int(rng.integers(-20, 20)) if dtype == "int8" else 0)
    factor = 1.0 if op == "MEAN" else float(np.prod([shape[a] for a in set(a % len(shape) for a in axes)])) ** 0.5
    out_q = dict(scale=in_q["scale"] * float(rng.uniform(0.4, 2.5)) * factor,
                 zero_point=int(rng.integers(-20, 20)) if dtype == "int8" else 0)
    b = _model(op, shape, axes, keep, dtype, in_q, out_q)
    check(b, [random_input(shape, np.dtype(dtype), rng)])


@pytest.mark.parametrize("op", ["MEAN", "SUM", "REDUCE_MAX", "REDUCE_MIN"])
@pytest.mark.parametrize("case", range(len(CASES)))
def test_float_reductions(op, case):
    shape, axes, keep = CASES[case]
    rng = np.random.default_rng(100 + case)
    b = _model(op, shape, axes, keep, "float32")
    check(b, [random_input(shape, np.float32, rng)])


@pytest.mark.parametrize("op", ["REDUCE_MAX", "REDUCE_MIN"])
@pytest.mark.parametrize("case", [0, 3, 4, 7])
def test_int8_max_min(op, case):
    shape, axes, keep = CASES[case]
    q = dict(scale=0.1, zero_point=-4)
    b = _model(op, shape, axes, keep, "int8", q, q)
    check(b, [random_input(shape, np.int8, np.random.default_rng(case))])


@pytest.mark.parametrize("case", [1, 4, 6])
def test_reduce_all(case):
    shape, axes, keep = CASES[case]
    rng = np.random.default_rng(case)
    b = _model("REDUCE_ALL", shape, axes, keep, "bool")
    x = rng.random(shape) < 0.9
    check(b, [x], batch_samples=0)


def test_mean_multiplier_saturation_case():
    # a large reduction and an in/out scale ratio > 1: the k = min(log2 N, 32, 31 + shift) clamp
    shape = (1, 40, 40, 3)
    b = _model("MEAN", shape, [1, 2], False, "int8", dict(scale=0.5, zero_point=-128), dict(scale=0.01, zero_point=5))
    check(b, [random_input(shape, np.int8, np.random.default_rng(5))])
