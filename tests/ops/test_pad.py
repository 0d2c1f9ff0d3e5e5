import numpy as np
import pytest

from mcuml.errors import McumlError
from mcuml.ir.build import ModelBuilder
from oracle import mcuml_run, random_input
from shapeops_util import check, qkw


@pytest.mark.parametrize("dtype", ["int8", "int16", "float32", "int32"])
@pytest.mark.parametrize("shape,pads", [
    ((1, 5, 6, 3), [[0, 0], [1, 1], [1, 1], [0, 0]]),
    ((1, 4, 4, 2), [[0, 0], [0, 1], [2, 0], [0, 3]]),
    ((2, 3, 4), [[1, 0], [0, 2], [1, 1]]),
    ((7,), [[2, 3]]),
    ((1, 2, 3, 2, 2), [[0, 0], [1, 0], [0, 1], [1, 1], [0, 0]]),
])
def test_pad(dtype, shape, pads):
    rng = np.random.default_rng(0)
    b = ModelBuilder()
    x = b.input("x", shape, dtype, **qkw(dtype, zero_point=-7 if dtype == "int8" else None))
    p = b.const("pads", np.array(pads, dtype=np.int32))
    out = [d + a + c for d, (a, c) in zip(shape, pads)]
    y = b.tensor("y", out, dtype, **qkw(dtype, zero_point=-7 if dtype == "int8" else None))
    b.op("PAD", [x, p], [y], "PadOptions")
    b.output(y)
    check(b, [random_input(shape, np.dtype(dtype), rng)])


@pytest.mark.parametrize("dtype,value", [("int8", -20), ("float32", 2.5), ("int16", 77), ("int32", -5)])
def test_padv2_constant_values(dtype, value):
    rng = np.random.default_rng(1)
    b = ModelBuilder()
    shape = (1, 3, 4, 2)
    x = b.input("x", shape, dtype, **qkw(dtype))
    p = b.const("pads", np.array([[0, 0], [1, 2], [0, 1], [1, 0]], dtype=np.int32))
    cv = b.const("cv", np.array(value, dtype=dtype), **qkw(dtype))
    y = b.tensor("y", (1, 6, 5, 3), dtype, **qkw(dtype))
    b.op("PADV2", [x, p, cv], [y], "PadV2Options")
    b.output(y)
    out = check(b, [random_input(shape, np.dtype(dtype), rng)])
    assert out[0][0, 0, 0, 0] == np.array(value, dtype=dtype)


def test_pad_rejects_wrong_output_shape():
    b = ModelBuilder()
    x = b.input("x", (1, 3), "float32")
    p = b.const("pads", np.array([[0, 0], [1, 1]], dtype=np.int32))
    y = b.tensor("y", (1, 6), "float32")
    b.op("PAD", [x, p], [y], "PadOptions")
    b.output(y)
    with pytest.raises(McumlError, match="expected"):
        mcuml_run(b.build().to_bytes(), [np.zeros((1, 3), np.float32)])
