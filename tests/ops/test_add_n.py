import numpy as np
import pytest

from mcuml.ir.build import ModelBuilder
from pw_util import check, qkw, rand


def add_n_model(n, shape, dtype, qi=(None, None), qo=(None, None), const_last=None):
    b = ModelBuilder()
    xs = [b.input(f"x{i}", shape, dtype, **qkw(dtype, *qi)) for i in range(n)]
    if const_last is not None:
        xs.append(b.const("c", const_last, dtype, **qkw(dtype, *qi)))
    y = b.tensor("y", shape, dtype, **qkw(dtype, *qo))
    b.op("ADD_N", xs, [y])
    b.output(y)
    return b.build().to_bytes()


@pytest.mark.parametrize("n", [2, 3, 5])
@pytest.mark.parametrize("seed", range(4))
def test_int8(n, seed):
    rng = np.random.default_rng(seed * 10 + n)
    shape = [(1, 16), (2, 4, 4, 3), (7,), (1, 3, 5)][seed]
    qi = (float(10 ** rng.uniform(-3, 0)), [-128, 127, 0, int(rng.integers(-128, 128))][seed])
    qo = (float(qi[0] * rng.uniform(0.5, 4)), int(rng.integers(-128, 128)))
    check(add_n_model(n, shape, "int8", qi, qo), [rand(shape, "int8", rng) for _ in range(n)])


def test_int8_with_constant():
    rng = np.random.default_rng(3)
    shape = (2, 6)
    m = add_n_model(2, shape, "int8", (0.05, 7), (0.1, -3), const_last=rand(shape, "int8", rng))
    check(m, [rand(shape, "int8", rng) for _ in range(2)])


@pytest.mark.parametrize("n", [2, 4])
def test_float(n):
    rng = np.random.default_rng(n)
    shape = (3, 4, 5)
    check(add_n_model(n, shape, "float32"), [rand(shape, "float32", rng, 100.0) for _ in range(n)])


def test_rejects_mixed_quantization():
    from mcuml import Interpreter
    from mcuml.errors import McumlError

    b = ModelBuilder()
    x0 = b.input("x0", (4,), "int8", scale=0.1, zero_point=0)
    x1 = b.input("x1", (4,), "int8", scale=0.2, zero_point=0)
    y = b.tensor("y", (4,), "int8", scale=0.3, zero_point=0)
    b.op("ADD_N", [x0, x1], [y])
    b.output(y)
    with pytest.raises(McumlError, match="scale or zero point"):
        Interpreter(model_content=b.build().to_bytes()).allocate_tensors()
