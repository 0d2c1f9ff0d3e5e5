import numpy as np
import pytest

from mcuml.ir.build import ModelBuilder
from pw_util import all_int8_pairs, binary_model, check, pair_quant, rand


def prelu_model(xs, as_, dtype, adtype, qx, qa, qo, alpha=None):
    b = ModelBuilder()
    kw = lambda q: {"scale": q[0], "zero_point": q[1]} if q else {}  # noqa: E731
    x = b.input("x", xs, dtype, **kw(qx))
    a = b.const("alpha", alpha, adtype, **kw(qa)) if alpha is not None else b.input("alpha", as_, adtype, **kw(qa))
    y = b.tensor("y", np.broadcast_shapes(tuple(xs), tuple(as_)), dtype, **kw(qo))
    b.op("PRELU", [x, a], [y])
    b.output(y)
    return b.build().to_bytes()


@pytest.mark.parametrize("seed", range(6))
def test_int8_all_pairs(seed):
    rng = np.random.default_rng(400 + seed)
    a, b = all_int8_pairs()
    q1, q2, qo = pair_quant(rng, seed)
    check(binary_model("PRELU", a.shape, b.shape, "int8", q1, q2, qo), [a, b], batch=False)


@pytest.mark.parametrize("shapes", [((1, 6, 6, 4), (1, 1, 4)), ((2, 5, 3), (5, 3)), ((1, 4, 4, 3), (1, 4, 4, 3)),
                                    ((2, 3, 2, 2, 4), (4,))])
def test_int8_const_alpha(shapes):
    rng = np.random.default_rng(len(shapes[1]))
    xs, as_ = shapes
    alpha = rng.integers(-128, 128, size=as_).astype(np.int8)
    m = prelu_model(xs, as_, "int8", "int8", (0.05, -3), (0.01, 5), (0.04, 10), alpha)
    check(m, [rand(xs, "int8", rng)])


@pytest.mark.parametrize("seed", range(4))
def test_int16_int8_alpha(seed):
    rng = np.random.default_rng(seed)
    xs, as_ = (1, 5, 5, 8), (1, 1, 8)
    alpha = rng.integers(-128, 128, size=as_).astype(np.int8)
    qx = (float(10 ** rng.uniform(-4, -2)), int(rng.integers(-50, 50)))
    qa = (float(10 ** rng.uniform(-3, -1)), int(rng.integers(-128, 128)))
    qo = (float(10 ** rng.uniform(-4, -2)), int(rng.integers(-50, 50)))
    check(prelu_model(xs, as_, "int16", "int8", qx, qa, qo, alpha), [rand(xs, "int16", rng)])


@pytest.mark.parametrize("shapes", [((1, 6, 6, 4), (1, 1, 4)), ((2, 5, 3), (5, 3)), ((3,), (3,))])
def test_float(shapes):
    rng = np.random.default_rng(9)
    xs, as_ = shapes
    check(prelu_model(xs, as_, "float32", "float32", None, None, None), [rand(xs, "float32", rng),
                                                                           rand(as_, "float32", rng)])
