import numpy as np
import pytest

from mcuml import load_model
from mcuml.ir.build import ModelBuilder
from mcuml.ops import lookup
from nn_models import assert_run_matches_invokes, rand_input
from oracle import differential, tflm_run

# (dtype, lhs_shape, rhs_shape, adj_x, adj_y, rhs_const, lhs_zp, rhs_zp, out_scale)
CASES = [
    ("int8", (2, 3, 4), (2, 4, 5), False, False, False, 3, -2, 2.0),
    ("int8", (1, 3, 4), (1, 5, 4), False, True, False, -128, 127, 4.0),
    ("int8", (2, 4, 3), (4, 5), True, False, True, 0, 5, 1.0),
    ("int8", (2, 1, 3, 6), (1, 4, 6, 2), False, False, False, 10, 0, 3.0),
    ("int8", (3, 2, 5, 8), (3, 1, 8, 4), False, False, False, -7, 7, 0.01),
    ("int8", (4, 16), (16, 8), False, False, True, 1, 1, 2.0),
    ("int16", (2, 3, 4), (2, 4, 5), False, False, False, 0, 0, 64.0),
    ("int16", (1, 4, 3), (1, 5, 4), True, True, True, 0, 0, 512.0),
    ("float32", (2, 3, 4), (2, 4, 5), False, False, False, 0, 0, 0),
    ("float32", (2, 1, 3, 6), (1, 4, 2, 6), False, True, True, 0, 0, 0),
    ("float32", (3, 20, 7), (3, 20, 9), True, False, False, 0, 0, 0),
]


def build(i):
    dt, ls, rs, adj_x, adj_y, rconst, lzp, rzp, out_scale = CASES[i]
    rng = np.random.default_rng(700 + i)
    rank = max(len(ls), len(rs))
    lp = (1,) * (rank - len(ls)) + ls
    rp = (1,) * (rank - len(rs)) + rs
    rows = lp[-1] if adj_x else lp[-2]
    cols = rp[-2] if adj_y else rp[-1]
    out = tuple(max(a, b) for a, b in zip(lp[:-2], rp[:-2])) + (rows, cols)
    q = (lambda s, z: {}) if dt == "float32" else (lambda s, z: {"scale": s, "zero_point": z})
    b = ModelBuilder()
    lhs = b.input("lhs", ls, dt, **q(0.05, lzp))
    rdata = rand_input(rng, rs, dt)
    rhs = b.const("rhs", rdata, dt, **q(0.02, rzp)) if rconst else b.input("rhs", rs, dt, **q(0.02, rzp))
    y = b.tensor("y", out, dt, **q(out_scale * 0.05 * 0.02 * 128, 0 if dt == "int16" else -3))
    b.op("BATCH_MATMUL", [lhs, rhs], [y], "BatchMatMulOptions", adj_x=adj_x, adj_y=adj_y)
    b.output(y)
    xs = [rand_input(rng, ls, dt)] + ([] if rconst else [rdata])
    return b.build().to_bytes(), xs


@pytest.mark.parametrize("i", range(len(CASES)), ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_batch_matmul_matches_tflm(i):
    model, xs = build(i)
    got = differential(model, xs)
    if CASES[i][0] == "float32":
        assert np.array_equal(got[0], tflm_run(model, xs)[0])


def test_batch_matmul_batched_run():
    model, xs = build(0)
    rng = np.random.default_rng(3)
    lhs = rand_input(rng, (4, 2, 3, 4), "int8")
    rhs = rand_input(rng, (4, 2, 4, 5), "int8")
    assert_run_matches_invokes(model, [lhs, rhs])


def test_batch_matmul_cost():
    model, _ = build(0)
    assert lookup("BATCH_MATMUL").cost(load_model(model).main.operators[0]).macs == 2 * 3 * 5 * 4
