import numpy as np
import pytest

from mcuml import Interpreter
from mcuml.errors import McumlError
from nn_models import pool_model, rand_input
from oracle import differential, tflm_run

SAME, VALID = 0, 1

CASES = [
    ((1, 8, 8, 3), (2, 2), (2, 2), VALID, 0),
    ((1, 9, 7, 4), (3, 3), (2, 2), SAME, 1),
    ((2, 10, 10, 5), (3, 2), (1, 2), SAME, 3),
    ((1, 6, 6, 2), (4, 4), (1, 1), SAME, 2),
]


@pytest.mark.parametrize("i", range(len(CASES)))
def test_l2_pool_2d_matches_tflm(i):
    shape, filt, stride, pad, act = CASES[i]
    model = pool_model("L2_POOL_2D", "float32", shape, filt, stride, pad, act)
    x = rand_input(np.random.default_rng(500 + i), shape, "float32")
    got = differential(model, [x])
    assert np.array_equal(got[0], tflm_run(model, [x])[0])


def test_l2_pool_2d_int8_rejected():
    model = pool_model("L2_POOL_2D", "int8", (1, 4, 4, 2), (2, 2), (2, 2), VALID, 0)
    with pytest.raises(McumlError, match="int8"):
        Interpreter(model_content=model)
