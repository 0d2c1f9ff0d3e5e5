import numpy as np
import pytest

from mcuml.ir.build import ModelBuilder
from pw_util import all_int8_pairs, binary_model, check, rand, unary_model

CMP = ["EQUAL", "NOT_EQUAL", "GREATER", "GREATER_EQUAL", "LESS", "LESS_EQUAL"]
SHAPES = [((2, 3, 4), (2, 3, 4)), ((1, 4, 1), (3, 1, 5)), ((6,), (1,))]


@pytest.mark.parametrize("op", CMP)
@pytest.mark.parametrize("dtype", ["float32", "int32", "int64"])
@pytest.mark.parametrize("shapes", SHAPES)
def test_raw(op, dtype, shapes):
    rng = np.random.default_rng(len(op) + len(dtype))
    s1, s2 = shapes
    a, b = rand(s1, dtype, rng), rand(s2, dtype, rng)
    if dtype != "float32":
        a, b = (a % 5).astype(dtype), (b % 5).astype(dtype)
    else:
        a, b = np.round(a), np.round(b)
    check(binary_model(op, s1, s2, dtype, out_dtype="bool"), [a, b])


@pytest.mark.parametrize("op", CMP)
@pytest.mark.parametrize("seed", range(3))
def test_int8_scaled(op, seed):
    rng = np.random.default_rng(seed)
    a, b = all_int8_pairs()
    q1 = (float(10 ** rng.uniform(-3, -0.1)), int(rng.integers(-128, 128)))
    q2 = (q1 if seed == 0 else (float(10 ** rng.uniform(-3, -0.1)), int(rng.integers(-128, 128))))
    m = binary_model(op, a.shape, b.shape, "int8", q1, q2, out_dtype="bool")
    check(m, [a, b], batch=False)


def test_equal_bool():
    a = np.array([[True, False, True, False]])
    b = np.array([[True, True, False, False]])
    for op in ("EQUAL", "NOT_EQUAL"):
        check(binary_model(op, a.shape, b.shape, "bool", out_dtype="bool"), [a, b])


@pytest.mark.parametrize("op", ["LOGICAL_AND", "LOGICAL_OR"])
@pytest.mark.parametrize("shapes", SHAPES)
def test_logical(op, shapes):
    rng = np.random.default_rng(2)
    s1, s2 = shapes
    check(binary_model(op, s1, s2, "bool"), [rand(s1, "bool", rng), rand(s2, "bool", rng)])


def test_logical_not():
    x = np.array([[True, False, False, True]])
    check(unary_model("LOGICAL_NOT", x.shape, "bool"), [x])


@pytest.mark.parametrize("op", ["MAXIMUM", "MINIMUM"])
@pytest.mark.parametrize("dtype", ["float32", "int8", "int16", "int32"])
@pytest.mark.parametrize("shapes", SHAPES)
def test_max_min(op, dtype, shapes):
    rng = np.random.default_rng(len(dtype))
    s1, s2 = shapes
    q = (0.1, 3) if dtype in ("int8", "int16") else (None, None)
    check(binary_model(op, s1, s2, dtype, q, q, q), [rand(s1, dtype, rng), rand(s2, dtype, rng)])


@pytest.mark.parametrize("dtype", ["float32", "int8", "int32"])
def test_zeros_like(dtype):
    rng = np.random.default_rng(0)
    q = (0.1, 3) if dtype == "int8" else (None, None)
    check(unary_model("ZEROS_LIKE", (2, 5), dtype, qi=q, qo=q), [rand((2, 5), dtype, rng)])


@pytest.mark.parametrize("dtype", ["float32", "int8", "int16"])
@pytest.mark.parametrize("shapes", [((2, 3), (2, 3), (2, 3)), ((1, 3), (2, 1), (2, 3)), ((4, 1, 2), (2,), (1, 3, 1))])
def test_select_v2(dtype, shapes):
    rng = np.random.default_rng(9)
    sc, sx, sy = shapes
    out = np.broadcast_shapes(sc, sx, sy)
    b = ModelBuilder()
    kw = dict(scale=0.1, zero_point=0) if dtype != "float32" else {}
    c = b.input("c", sc, "bool")
    x = b.input("x", sx, dtype, **kw)
    y = b.input("y", sy, dtype, **kw)
    o = b.tensor("o", out, dtype, **kw)
    b.op("SELECT_V2", [c, x, y], [o])
    b.output(o)
    check(b.build().to_bytes(), [rand(sc, "bool", rng), rand(sx, dtype, rng), rand(sy, dtype, rng)])
