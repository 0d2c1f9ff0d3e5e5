import numpy as np
import pytest

from pw_util import all_int8_pairs, binary_model, check, pair_quant, rand

SHAPES = [((1, 8, 8, 3), (1, 8, 8, 3)), ((1, 4, 4, 3), (3,)), ((2, 1, 3), (1, 4, 1)), ((5,), (1,)),
          ((2, 3, 4, 5, 1), (2, 3, 4, 5, 1))]


@pytest.mark.parametrize("seed", range(8))
def test_int8_all_pairs(seed):
    rng = np.random.default_rng(300 + seed)
    a, b = all_int8_pairs()
    q1, q2, qo = pair_quant(rng, seed, out_log10=(-4, 0.5))
    check(binary_model("SQUARED_DIFFERENCE", a.shape, b.shape, "int8", q1, q2, qo), [a, b], batch=False)


@pytest.mark.parametrize("shapes", SHAPES)
def test_int8_broadcast(shapes):
    rng = np.random.default_rng(len(shapes[0]))
    s1, s2 = shapes
    m = binary_model("SQUARED_DIFFERENCE", s1, s2, "int8", (0.05, 3), (0.03, -9), (0.02, -100))
    check(m, [rand(s1, "int8", rng), rand(s2, "int8", rng)])


@pytest.mark.parametrize("shapes", SHAPES)
@pytest.mark.parametrize("seed", range(3))
def test_int16(shapes, seed):
    rng = np.random.default_rng(seed * 10 + len(shapes[1]))
    s1, s2 = shapes
    q1, q2 = (float(10 ** rng.uniform(-4, -2)), 0), (float(10 ** rng.uniform(-4, -2)), 0)
    qo = (float(10 ** rng.uniform(-3, 1)), 0)
    check(binary_model("SQUARED_DIFFERENCE", s1, s2, "int16", q1, q2, qo), [rand(s1, "int16", rng),
                                                                               rand(s2, "int16", rng)])


@pytest.mark.parametrize("shapes", SHAPES)
def test_float_int32(shapes):
    rng = np.random.default_rng(5)
    s1, s2 = shapes
    check(binary_model("SQUARED_DIFFERENCE", s1, s2, "float32"), [rand(s1, "float32", rng, 3.0),
                                                                  rand(s2, "float32", rng, 3.0)])
    check(binary_model("SQUARED_DIFFERENCE", s1, s2, "int32"), [rand(s1, "int32", rng), rand(s2, "int32", rng)])
