import numpy as np
import pytest

from mcuml.errors import McumlError
from oracle import mcuml_run
from pw_util import check, rand, unary_model

PAIRS = [("int8", "int8"), ("int8", "uint8"), ("int8", "int16"), ("int8", "int32"), ("int16", "int8"),
         ("int16", "int16"), ("int16", "int32"), ("int32", "int8"), ("int32", "int16"), ("uint8", "int8")]


def _zp(dtype, rng):
    if dtype == "uint8":
        return int(rng.integers(0, 256))
    if dtype == "int8":
        return int(rng.integers(-128, 128))
    return int(rng.integers(-300, 300))


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("dtype", ["int8", "int16"])
def test_float_to_int(dtype, seed):
    rng = np.random.default_rng(seed)
    scale = float(10 ** rng.uniform(-4 if dtype == "int16" else -2, 0))
    zp = _zp(dtype, rng) if seed else 0
    m = unary_model("QUANTIZE", (2, 50), "float32", dtype, qo=(scale, zp))
    x = rand((2, 50), "float32", rng, 3.0)
    x[0, :10] = (np.arange(10) - 5 + 0.5) * np.float32(scale)  # exact .5 ties
    x[1, :4] = [1e9, -1e9, 1e30, -1e30]  # out of int range
    check(m, [x])


@pytest.mark.parametrize("pair", PAIRS)
@pytest.mark.parametrize("seed", range(3))
def test_requantize(pair, seed):
    src, dst = pair
    rng = np.random.default_rng(seed * 31 + len(src) + 7 * len(dst))
    qi = (float(10 ** rng.uniform(-3, 0)), _zp(src, rng) if src != "int32" else 0)
    qo = (float(10 ** rng.uniform(-3, 0)), _zp(dst, rng) if dst != "int32" else 0)
    if seed == 0 and {src, dst} == {"int8", "uint8"}:
        qo = (qi[0], qi[1] + (128 if src == "int8" else -128))  # TFLM's XOR shortcut case
        qo = (qo[0], int(np.clip(qo[1], *((0, 255) if dst == "uint8" else (-128, 127)))))
    n = 256 if src in ("int8", "uint8") else 300
    m = unary_model("QUANTIZE", (1, n), src, dst, qi=qi, qo=qo)
    x = np.arange(256).astype(np.uint8).view(np.int8).reshape(1, 256) if src == "int8" else (
        np.arange(256, dtype=np.uint8).reshape(1, 256) if src == "uint8" else rand((1, n), src, rng))
    if src == "int32":
        x = (x // 2**int(rng.integers(8, 24))).astype(np.int32)
    check(m, [x.astype(src)])


def test_unsupported_pair_rejected():
    m = unary_model("QUANTIZE", (4,), "float32", "uint8", qo=(0.1, 3))
    with pytest.raises(McumlError):
        mcuml_run(m, [np.zeros(4, np.float32)])


@pytest.mark.parametrize("dtype", ["int8", "int16", "uint8"])
@pytest.mark.parametrize("seed", range(3))
def test_dequantize(dtype, seed):
    rng = np.random.default_rng(seed + 40)
    q = (float(10 ** rng.uniform(-4, 1)), _zp(dtype, rng))
    shape = (1, 256) if dtype != "int16" else (3, 100)
    m = unary_model("DEQUANTIZE", shape, dtype, "float32", qi=q)
    x = np.arange(256).astype(np.uint8).view(np.int8) if dtype == "int8" else (
        np.arange(256).astype(np.uint8) if dtype == "uint8" else rand(shape, dtype, rng))
    x = x.reshape(shape).astype(dtype)
    got = check(m, [x])[0]
    want = (np.float64(np.float32(q[0])) * (x.astype(np.float64) - q[1])).astype(np.float32)
    assert np.array_equal(got, want)  # exactly TFLM's double product, not just within tolerance
