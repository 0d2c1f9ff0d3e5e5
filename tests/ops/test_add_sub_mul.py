import numpy as np
import pytest

from pw_util import all_int8_pairs, binary_model, check, pair_quant, rand

SHAPES = [
    ((1, 8, 8, 3), (1, 8, 8, 3)),
    ((1, 4, 4, 3), (3,)),
    ((2, 1, 3), (1, 4, 1)),
    ((5,), (1,)),
    ((1,), (2, 3, 1, 4, 2)),
    ((2, 3, 1, 4, 1), (1, 1, 5, 1, 3)),
    ((3, 1), (1, 3)),
]
OPTS = {"ADD": "AddOptions", "SUB": "SubOptions", "MUL": "MulOptions"}


@pytest.mark.parametrize("op", ["ADD", "SUB", "MUL"])
@pytest.mark.parametrize("shapes", SHAPES)
@pytest.mark.parametrize("act", [0, 1, 3])
def test_int8_broadcast(op, shapes, act):
    rng = np.random.default_rng(hash((op, shapes, act)) % 2**32)
    s1, s2 = shapes
    q1 = (float(rng.uniform(0.005, 0.2)), int(rng.integers(-128, 128)))
    q2 = (float(rng.uniform(0.005, 0.2)), int(rng.integers(-128, 128)))
    qo = (float(rng.uniform(0.01, 0.3)), int(rng.integers(-128, 128)))
    m = binary_model(op, s1, s2, "int8", q1, q2, qo, OPTS[op], fused_activation_function=act)
    check(m, [rand(s1, "int8", rng), rand(s2, "int8", rng)])


@pytest.mark.parametrize("op", ["ADD", "SUB", "MUL"])
@pytest.mark.parametrize("seed", range(6))
def test_int8_all_pairs(op, seed):
    """Every int8 pair at random scales and extreme zero points."""
    rng = np.random.default_rng(100 + seed)
    a, b = all_int8_pairs()
    q1, q2, qo = pair_quant(rng, seed)
    m = binary_model(op, a.shape, b.shape, "int8", q1, q2, qo, OPTS[op], fused_activation_function=seed % 4)
    check(m, [a, b], batch=False)


@pytest.mark.parametrize("op", ["ADD", "SUB", "MUL"])
@pytest.mark.parametrize("shapes", SHAPES[:5])
@pytest.mark.parametrize("act", [0, 1])
def test_int16(op, shapes, act):
    rng = np.random.default_rng(7 + len(shapes[0]) + act)
    s1, s2 = shapes
    zero = op == "MUL"
    q1 = (float(rng.uniform(1e-4, 1e-2)), 0 if zero else int(rng.integers(-100, 100)))
    q2 = (float(rng.uniform(1e-4, 1e-2)), 0 if zero else int(rng.integers(-100, 100)))
    qo = (float(rng.uniform(1e-4, 3e-2)), 0 if zero else int(rng.integers(-100, 100)))
    m = binary_model(op, s1, s2, "int16", q1, q2, qo, OPTS[op], fused_activation_function=act)
    check(m, [rand(s1, "int16", rng), rand(s2, "int16", rng)])


@pytest.mark.parametrize("op", ["ADD", "SUB", "MUL"])
@pytest.mark.parametrize("dtype", ["float32", "int32"])
@pytest.mark.parametrize("shapes", SHAPES)
def test_float_int32(op, dtype, shapes):
    rng = np.random.default_rng(len(shapes[0]) * 10 + len(shapes[1]))
    s1, s2 = shapes
    act = int(rng.integers(0, 4))
    m = binary_model(op, s1, s2, dtype, options_kind=OPTS[op], fused_activation_function=act)
    a, b = rand(s1, dtype, rng, 4.0), rand(s2, dtype, rng, 4.0)
    if dtype == "int32" and op != "MUL":
        a, b = a // 4, b // 4
    check(m, [a, b])


def test_int32_wraps():
    big = np.array([2**31 - 1, -2**31, 123456789, -7], dtype=np.int32)
    for op in ("ADD", "SUB", "MUL"):
        m = binary_model(op, (4,), (4,), "int32", options_kind=OPTS[op], fused_activation_function=0)
        check(m, [big, big[::-1].copy()])


def test_constant_operand():
    rng = np.random.default_rng(3)
    c = rand((1, 1, 3), "int8", rng)
    m = binary_model("ADD", (1, 5, 5, 3), (1, 1, 3), "int8", (0.05, 3), (0.02, -9), (0.07, 1), "AddOptions",
                     const2=c, fused_activation_function=1)
    check(m, [rand((1, 5, 5, 3), "int8", rng)])


@pytest.mark.parametrize("op", ["ADD", "SUB", "MUL"])
@pytest.mark.parametrize("seed", range(4))
def test_int16_many_values(op, seed):
    """65536 random int16 pairs: sensitive to how the scale ratios are rounded (the wheel uses double)."""
    rng = np.random.default_rng(seed + 500)
    zero = op == "MUL"
    q = [(float(10 ** rng.uniform(-4, -1)), 0 if zero else int(rng.integers(-500, 500))) for _ in range(3)]
    a, b = rand((1, 65536), "int16", rng), rand((1, 65536), "int16", rng)
    m = binary_model(op, a.shape, b.shape, "int16", q[0], q[1], q[2], OPTS[op], fused_activation_function=0)
    check(m, [a, b], batch=False)
