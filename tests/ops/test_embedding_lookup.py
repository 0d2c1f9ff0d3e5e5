import numpy as np
import pytest

from mcuml.ir.build import ModelBuilder
from oracle import random_input
from shapeops_util import check


@pytest.mark.parametrize("table_t,out_t", [("float32", "float32"), ("int8", "int8"), ("int8", "float32")])
@pytest.mark.parametrize("tshape", [(10, 4), (6, 3, 2)])
def test_embedding_lookup(table_t, out_t, tshape):
    rng = np.random.default_rng(0)
    ids = rng.integers(0, tshape[0], size=5).astype(np.int32)
    q = dict(scale=0.07, zero_point=0) if table_t == "int8" else {}
    b = ModelBuilder()
    i = b.input("ids", (5,), "int32")
    t = b.const("table", random_input(tshape, np.dtype(table_t), rng), **q)
    y = b.tensor("y", (5, *tshape[1:]), out_t, **(q if out_t == "int8" else {}))
    b.op("EMBEDDING_LOOKUP", [i, t], [y])
    b.output(y)
    check(b, [ids], batch_samples=0)
