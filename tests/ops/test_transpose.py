import itertools

import numpy as np
import pytest

from mcuml.ir.build import ModelBuilder
from oracle import random_input
from shapeops_util import check, qkw


@pytest.mark.parametrize("dtype", ["int8", "int16", "float32"])
@pytest.mark.parametrize("shape,perm", [
    ((1, 3, 8, 8), (0, 2, 3, 1)),
    ((1, 7, 7, 12), (0, 3, 1, 2)),
    ((5, 6), (1, 0)),
    ((9,), (0,)),
    ((2, 3, 4), (2, 0, 1)),
    ((2, 1, 3, 2, 4), (4, 2, 0, 3, 1)),
])
def test_transpose(dtype, shape, perm):
    b = ModelBuilder()
    x = b.input("x", shape, dtype, **qkw(dtype))
    p = b.const("perm", np.array(perm, dtype=np.int32))
    y = b.tensor("y", [shape[i] for i in perm], dtype, **qkw(dtype))
    b.op("TRANSPOSE", [x, p], [y], "TransposeOptions")
    b.output(y)
    check(b, [random_input(shape, np.dtype(dtype), np.random.default_rng(0))])


def test_transpose_all_perms_3d():
    rng = np.random.default_rng(3)
    for perm in itertools.permutations(range(3)):
        shape = (2, 3, 5)
        b = ModelBuilder()
        x = b.input("x", shape, "int8", scale=0.1, zero_point=0)
        p = b.const("perm", np.array(perm, dtype=np.int32))
        y = b.tensor("y", [shape[i] for i in perm], "int8", scale=0.1, zero_point=0)
        b.op("TRANSPOSE", [x, p], [y], "TransposeOptions")
        b.output(y)
        check(b, [random_input(shape, np.int8, rng)], batch_samples=0)
