import numpy as np
import pytest

from pw_util import check, rand, unary_model


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("out", ["int8", "int16"])
def test_int8(seed, out):
    rng = np.random.default_rng(seed)
    shape = [(1, 10), (2, 3, 37), (1, 1, 1, 300), (4, 256), (3, 1)][seed % 5]
    scale = float(10 ** rng.uniform(-2.5, 0))
    beta = [1.0, 0.5, 2.0, float(rng.uniform(0.1, 4))][seed % 4]
    qo = (1 / 256, -128) if out == "int8" else (1 / 65536, -32768)
    m = unary_model("SOFTMAX", shape, "int8", out, qi=(scale, int(rng.integers(-128, 128))), qo=qo,
                    options_kind="SoftmaxOptions", beta=beta)
    x = rand(shape, "int8", rng)
    if seed == 0:
        x[...] = 127  # all equal
    check(m, [x])


@pytest.mark.parametrize("seed", range(8))
def test_int16(seed):
    rng = np.random.default_rng(seed + 50)
    shape = [(1, 10), (2, 3, 37), (1, 300), (5, 64)][seed % 4]
    scale = float(10 ** rng.uniform(-4.5, -2))
    beta = [1.0, 0.7, 2.0, float(rng.uniform(0.1, 3))][seed % 4]
    m = unary_model("SOFTMAX", shape, "int16", qi=(scale, 0), qo=(1 / 32768, 0), options_kind="SoftmaxOptions",
                    beta=beta)
    check(m, [rand(shape, "int16", rng)])


@pytest.mark.parametrize("beta", [1.0, 0.3, 2.5])
def test_float(beta):
    rng = np.random.default_rng(int(beta * 10))
    x = rand((3, 4, 20), "float32", rng, 5.0)
    check(unary_model("SOFTMAX", x.shape, "float32", options_kind="SoftmaxOptions", beta=beta), [x])


def test_int8_softmax_with_tiny_input_scale_is_refused_like_tflm_aborts():
    """TFLM's QuantizeMultiplierGreaterThanOne CHECK-fails (the process aborts) for such scales."""
    import pytest

    from mcuml import Interpreter
    from mcuml.errors import UnsupportedOpError
    from mcuml.ir.build import ModelBuilder

    b = ModelBuilder()
    x = b.input("x", (1, 10), "int8", scale=8e-9, zero_point=0)
    y = b.tensor("y", (1, 10), "int8", scale=1 / 256, zero_point=-128)
    b.op("SOFTMAX", [x], [y], "SoftmaxOptions", beta=1.0)
    b.output(y)
    with pytest.raises(UnsupportedOpError, match="QuantizeMultiplierGreaterThanOne"):
        Interpreter(model=b.build())
