import numpy as np
import pytest

from mcuml.ir.build import ModelBuilder
from oracle import differential


@pytest.mark.parametrize("dtype", ["int8", "float32", "int16"])
@pytest.mark.parametrize("shapes", [((1, 4, 6), (1, 24)), ((2, 3, 4), (4, 6)), ((1, 2, 2, 3), (1, 12))])
def test_reshape_matches_tflm(dtype, shapes):
    src, dst = shapes
    b = ModelBuilder()
    x = b.input("x", src, dtype, scale=0.5, zero_point=1)
    shape = b.const("shape", np.array(dst, dtype=np.int32))
    y = b.tensor("y", dst, dtype, scale=0.5, zero_point=1)
    b.op("RESHAPE", [x, shape], [y], "ReshapeOptions", new_shape=list(dst))
    b.output(y)
    rng = np.random.default_rng(0)
    data = (rng.standard_normal(src) * 50).astype(dtype)
    differential(b.build().to_bytes(), [data])
