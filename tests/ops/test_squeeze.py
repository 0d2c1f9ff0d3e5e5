import numpy as np
import pytest

from mcuml.errors import McumlError
from mcuml.ir.build import ModelBuilder
from oracle import mcuml_run, random_input
from shapeops_util import check, qkw


@pytest.mark.parametrize("dtype", ["int8", "float32", "int32", "int16"])
@pytest.mark.parametrize("shape,dims,out", [((1, 3, 1, 4), [], (3, 4)), ((1, 3, 1, 4), [2], (1, 3, 4)),
                                            ((1, 3, 1, 4), [-4, 2], (3, 4)), ((1, 1, 1, 7), [1, 2], (1, 7))])
def test_squeeze(dtype, shape, dims, out):
    b = ModelBuilder()
    x = b.input("x", shape, dtype, **qkw(dtype))
    y = b.tensor("y", out, dtype, **qkw(dtype))
    b.op("SQUEEZE", [x], [y], "SqueezeOptions", squeeze_dims=dims)
    b.output(y)
    check(b, [random_input(shape, np.dtype(dtype), np.random.default_rng(0))])


def test_squeeze_rejects_non_unit_dim():
    b = ModelBuilder()
    x = b.input("x", (1, 3), "float32")
    y = b.tensor("y", (1,), "float32")
    b.op("SQUEEZE", [x], [y], "SqueezeOptions", squeeze_dims=[1])
    b.output(y)
    with pytest.raises(McumlError, match="size-1"):
        mcuml_run(b.build().to_bytes(), [np.zeros((1, 3), np.float32)])


@pytest.mark.parametrize("dtype", ["int8", "float32", "int16"])
@pytest.mark.parametrize("shape,axis", [((3, 4), 0), ((3, 4), 2), ((3, 4), -1), ((2, 3, 4), -3), ((5,), 1)])
def test_expand_dims(dtype, shape, axis):
    b = ModelBuilder()
    x = b.input("x", shape, dtype, **qkw(dtype))
    a = b.const("axis", np.array([axis], np.int32))
    out = list(shape)
    out.insert(axis if axis >= 0 else axis + len(shape) + 1, 1)
    y = b.tensor("y", out, dtype, **qkw(dtype))
    b.op("EXPAND_DIMS", [x, a], [y], "ExpandDimsOptions")
    b.output(y)
    check(b, [random_input(shape, np.dtype(dtype), np.random.default_rng(1))])
