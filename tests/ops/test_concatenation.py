import numpy as np
import pytest

from mcuml.errors import McumlError
from mcuml.ir.build import ModelBuilder
from oracle import mcuml_run, random_input
from shapeops_util import check, qkw, tflm_refuses


@pytest.mark.parametrize("dtype", ["int8", "int16", "float32", "int32", "int64", "bool"])
@pytest.mark.parametrize("shapes,axis", [
    ([(1, 4, 4, 3), (1, 4, 4, 5)], 3),
    ([(1, 4, 4, 3), (1, 4, 4, 3), (1, 4, 4, 2)], -1),
    ([(1, 2, 4, 3), (1, 5, 4, 3)], 1),
    ([(2, 3), (4, 3)], 0),
    ([(3,), (1,), (2,)], 0),
])
def test_concatenation(dtype, shapes, axis):
    rng = np.random.default_rng(0)
    b = ModelBuilder()
    xs = [b.input(f"x{i}", s, dtype, **qkw(dtype)) for i, s in enumerate(shapes)]
    a = axis % len(shapes[0])
    out = list(shapes[0])
    out[a] = sum(s[a] for s in shapes)
    y = b.tensor("y", out, dtype, **qkw(dtype))
    b.op("CONCATENATION", xs, [y], "ConcatenationOptions", axis=axis, fused_activation_function=0)
    b.output(y)
    check(b, [random_input(s, np.dtype(dtype), rng) for s in shapes])


def test_concatenation_with_constant_input():
    # audio_preprocessor style: constant pieces around an activation (batch contract: (1, ...) constants)
    rng = np.random.default_rng(1)
    b = ModelBuilder()
    c0 = b.const("c0", np.arange(5, dtype=np.int32))
    x = b.input("x", (6,), "int32")
    c1 = b.const("c1", np.arange(3, dtype=np.int32) + 100)
    y = b.tensor("y", (14,), "int32")
    b.op("CONCATENATION", [c0, x, c1], [y], "ConcatenationOptions", axis=0, fused_activation_function=0)
    b.output(y)
    check(b, [random_input((6,), np.int32, rng)])


def test_int8_differing_scales_refused_like_tflm():
    b = ModelBuilder()
    x0 = b.input("x0", (1, 2), "int8", scale=0.1, zero_point=0)
    x1 = b.input("x1", (1, 2), "int8", scale=0.2, zero_point=0)
    y = b.tensor("y", (1, 4), "int8", scale=0.1, zero_point=0)
    b.op("CONCATENATION", [x0, x1], [y], "ConcatenationOptions", axis=1, fused_activation_function=0)
    b.output(y)
    ins = [np.zeros((1, 2), np.int8)] * 2
    assert tflm_refuses(b, ins)
    with pytest.raises(McumlError, match="quantization"):
        mcuml_run(b.build().to_bytes(), ins)
