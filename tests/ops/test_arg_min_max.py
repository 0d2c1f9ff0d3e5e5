import numpy as np
import pytest

from mcuml.ir.build import ModelBuilder
from oracle import random_input
from shapeops_util import check, qkw


@pytest.mark.parametrize("op", ["ARG_MAX", "ARG_MIN"])
@pytest.mark.parametrize("dtype", ["int8", "float32"])
@pytest.mark.parametrize("shape,axis", [((1, 10), 1), ((2, 3, 4), 0), ((2, 3, 4), -1), ((1, 4, 4, 6), 3)])
def test_arg_min_max(op, dtype, shape, axis):
    b = ModelBuilder()
    x = b.input("x", shape, dtype, **qkw(dtype))
    a = b.const("axis", np.array([axis], np.int32))
    y = b.tensor("y", [d for i, d in enumerate(shape) if i != axis % len(shape)], "int32")
    b.op(op, [x, a], [y], "ArgMaxOptions" if op == "ARG_MAX" else "ArgMinOptions", output_type=2)
    b.output(y)
    rng = np.random.default_rng(0)
    data = random_input(shape, np.dtype(dtype), rng)
    if dtype == "int8":
        data = (data // 32).astype(np.int8)  # many ties: the first index must win
    check(b, [data])
