import numpy as np
import pytest

from pw_util import all_int8_pairs, binary_model, check, pair_quant, rand

SHAPES = [((1, 8, 8, 3), (1, 8, 8, 3)), ((1, 4, 4, 3), (3,)), ((2, 1, 3), (1, 4, 1)), ((5,), (1,)),
          ((2, 3, 1, 4, 1), (1, 1, 5, 1, 3))]


def nonzero(x: np.ndarray, zp: int = 0) -> np.ndarray:
    x = x.copy()
    x[x == zp] = zp + 1 if zp < 127 else zp - 1
    return x


@pytest.mark.parametrize("seed", range(10))
def test_int8_all_pairs(seed):
    """Every int8 pair (except division by the zero point) at random scales and zero points."""
    rng = np.random.default_rng(200 + seed)
    a, b = all_int8_pairs()
    q1, q2, qo = pair_quant(rng, seed, out_log10=(-2.5, 1))
    keep = b[0, 0] != q2[1]
    a, b = a[:, :, keep], b[:, :, keep]
    m = binary_model("DIV", a.shape, b.shape, "int8", q1, q2, qo, "DivOptions", fused_activation_function=seed % 4)
    check(m, [a, b], batch=False)


@pytest.mark.parametrize("shapes", SHAPES)
@pytest.mark.parametrize("act", [0, 1])
def test_int8_broadcast(shapes, act):
    rng = np.random.default_rng(len(shapes[0]) * 10 + act)
    s1, s2 = shapes
    q1, q2, qo = (0.05, 3), (0.02, -7), (0.1, 10)
    m = binary_model("DIV", s1, s2, "int8", q1, q2, qo, "DivOptions", fused_activation_function=act)
    check(m, [rand(s1, "int8", rng), nonzero(rand(s2, "int8", rng), -7)])


@pytest.mark.parametrize("shapes", SHAPES)
@pytest.mark.parametrize("act", [0, 1, 3])
def test_float(shapes, act):
    rng = np.random.default_rng(31 + act)
    s1, s2 = shapes
    m = binary_model("DIV", s1, s2, "float32", options_kind="DivOptions", fused_activation_function=act)
    check(m, [rand(s1, "float32", rng, 4.0), rand(s2, "float32", rng) + np.float32(0.1)])


@pytest.mark.parametrize("shapes", SHAPES)
@pytest.mark.parametrize("act", [0, 1, 3])
def test_int32(shapes, act):
    rng = np.random.default_rng(41 + act)
    s1, s2 = shapes
    a = rng.integers(-1000, 1000, size=s1).astype(np.int32)
    b = nonzero(rng.integers(-50, 50, size=s2).astype(np.int32))
    m = binary_model("DIV", s1, s2, "int32", options_kind="DivOptions", fused_activation_function=act)
    check(m, [a, b])
    big = rand(s1, "int32", rng)
    big[big == -(1 << 31)] = 0
    check(m, [big, nonzero(rand(s2, "int32", rng))])


def test_int8_tie_follows_wheel():
    """84/24 * 0.05/(0.02*0.1) = 87.5: the wheel rounds it as the double scale ratio does (98, not 97)."""
    m = binary_model("DIV", (1, 1), (1, 1), "int8", (0.05, 3), (0.02, -7), (0.1, 10), "DivOptions")
    out = check(m, [np.array([[-81]], np.int8), np.array([[-31]], np.int8)], batch=False)
    assert out[0].item() == 98


def test_int8_zero_numerator_and_tiny_quotients():
    """Exponents >= 32 in RDBPOT: 0 / b gives zp_out + 1 and tiny quotients saturate, as in the wheel."""
    a = np.arange(-20, 21).astype(np.int8).reshape(1, -1)
    for bv in (-128, -100, 100, 127):
        m = binary_model("DIV", a.shape, a.shape, "int8", (0.04, 0), (0.03, 0), (0.37, 0), "DivOptions")
        out = check(m, [a, np.full_like(a, bv)])
        assert out[0][0, 20] == 1
