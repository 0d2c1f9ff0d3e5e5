import numpy as np
import pytest

from oracle import differential, model_path, random_input
from pw_util import check, rand, unary_model

OUT_Q = (16 / 256, 127)


@pytest.mark.parametrize("seed", range(12))
def test_int8(seed):
    rng = np.random.default_rng(seed)
    shape = [(1, 10), (2, 3, 37), (1, 1, 1, 300), (4, 256), (3, 1), (5, 1000)][seed % 6]
    scale = float(10 ** rng.uniform(-3, 0.5))
    m = unary_model("LOG_SOFTMAX", shape, "int8", qi=(scale, int(rng.integers(-128, 128))), qo=OUT_Q)
    x = rand(shape, "int8", rng)
    if seed == 0:
        x[...] = 127  # all equal: log(depth)
    if seed == 1:
        x[...] = rng.integers(100, 128, size=shape)  # narrow spread
    check(m, [x])


@pytest.mark.parametrize("scale", [1e-4, 0.01, 0.0625, 0.2, 1.0, 4.0, 40.0])
def test_int8_all_values(scale):
    """Every diff x - max in [-255, 0] at several scales (small, cap of the multiplier, huge)."""
    x = np.arange(-128, 128, dtype=np.int8).reshape(1, 256)
    rng = np.random.default_rng(7)
    x2 = np.stack([x[0], rng.permutation(x[0])])
    check(unary_model("LOG_SOFTMAX", (1, 256), "int8", qi=(scale, 3), qo=OUT_Q), [x])
    check(unary_model("LOG_SOFTMAX", (2, 256), "int8", qi=(scale, -5), qo=OUT_Q), [x2])


def test_float():
    rng = np.random.default_rng(3)
    for shape in [(3, 4, 20), (1, 10), (2, 1), (2, 1000)]:
        x = rand(shape, "float32", rng, 5.0)
        check(unary_model("LOG_SOFTMAX", x.shape, "float32"), [x])


def test_rejects_wrong_output_quantization():
    from mcuml import Interpreter
    from mcuml.errors import McumlError

    m = unary_model("LOG_SOFTMAX", (1, 10), "int8", qi=(0.1, 0), qo=(1 / 256, -128))
    with pytest.raises(McumlError, match="16/256"):
        Interpreter(model_content=m).allocate_tensors()


@pytest.mark.parametrize("name", ["tinyengine/ptq_mnist_lenet-300-100.tflite",
                                  "tinyengine/ptq_mnist_lenet-300-100_nobias.tflite"])
def test_lenet_models(name):
    data = model_path(name).read_bytes()
    rng = np.random.default_rng(11)
    for _ in range(3):
        x = np.clip(rng.random((1, 28, 28, 1)).astype(np.float32), 0, 1)
        differential(data, [x])
    differential(data, [random_input((1, 28, 28, 1), np.float32, rng)])


def test_scalar_log_matches_vectorized():
    """The few-rows Python-int logarithm equals the vectorized one on every kind of accumulated sum."""
    from mcuml.ops.log_softmax import log_x_for_x_ge_1, log_x_for_x_ge_1_scalar

    rng = np.random.default_rng(5)
    edges = [1 << 19, (1 << 19) + 1, (1 << 20) - 1, 1 << 20, (1 << 31) - 1, (1 << 30), (1 << 30) - 1, 3 << 28]
    sums = np.concatenate([np.array(edges), rng.integers(1 << 19, 1 << 31, size=4000),
                           (1 << rng.integers(19, 31, size=500)) + rng.integers(-3, 4, size=500)]).astype(np.int64)
    want = log_x_for_x_ge_1(sums, 12, 5)
    got = np.array([log_x_for_x_ge_1_scalar(int(v), 12, 5) for v in sums])
    assert np.array_equal(got, want)


@pytest.mark.parametrize("rows", [1, 8, 9, 40])
def test_int8_rows_both_paths(rows):
    rng = np.random.default_rng(rows)
    m = unary_model("LOG_SOFTMAX", (rows, 30), "int8", qi=(0.07, -3), qo=OUT_Q)
    check(m, [rand((rows, 30), "int8", rng)])
