import numpy as np
import pytest

from pw_util import check, unary_model

INS = ["int8", "int16", "int32", "uint32", "float32", "bool"]
OUTS = ["int8", "int16", "int32", "uint32", "float32"]


@pytest.mark.parametrize("src", INS)
@pytest.mark.parametrize("dst", OUTS)
def test_cast(src, dst):
    rng = np.random.default_rng(len(src) * 7 + len(dst))
    if src == "bool":
        x = rng.integers(0, 2, size=(2, 20)).astype(bool)
    elif src == "float32":
        x = (rng.standard_normal((2, 20)) * 100).astype(np.float32)
        x[0, :6] = [-300.7, 300.9, 70000.5, -70000.5, 5e9, -5e9]  # saturates in the wheel
    else:
        info = np.iinfo(src)
        x = rng.integers(info.min, info.max, size=(2, 20), endpoint=True).astype(src)
    check(unary_model("CAST", x.shape, src, dst), [x])
