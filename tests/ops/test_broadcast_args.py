import numpy as np
import pytest

from mcuml.ir.build import ModelBuilder
from shapeops_util import check


@pytest.mark.parametrize("dtype", ["int32", "int64"])
@pytest.mark.parametrize("a,b", [([2, 1, 4], [3, 1]), ([1], [5, 6, 7]), ([4, 1], [4, 3])])
def test_broadcast_args(dtype, a, b):
    m = ModelBuilder()
    x = m.input("a", (len(a),), dtype)
    c = m.const("b", np.array(b, dtype))
    y = m.tensor("y", (max(len(a), len(b)),), dtype)
    m.op("BROADCAST_ARGS", [x, c], [y])
    m.output(y)
    out = check(m, [np.array(a, dtype)], batch_samples=0)
    assert list(out[0]) == list(np.broadcast_shapes(tuple(a), tuple(b)))
