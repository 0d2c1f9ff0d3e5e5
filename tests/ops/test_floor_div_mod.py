import numpy as np
import pytest

from oracle import tflm_run
from pw_util import binary_model, check, rand

SHAPES = [((1, 8, 8, 3), (1, 8, 8, 3)), ((1, 4, 4, 3), (3,)), ((2, 1, 3), (1, 4, 1)), ((5,), (1,))]


def operands(s1, s2, rng):
    a = rand(s1, "float32", rng, 10.0)
    b = rand(s2, "float32", rng, 3.0)
    b[np.abs(b) < 0.05] = 0.5
    return a, b


@pytest.mark.parametrize("op", ["FLOOR_DIV", "FLOOR_MOD"])
@pytest.mark.parametrize("shapes", SHAPES)
def test_float(op, shapes):
    rng = np.random.default_rng(len(shapes[0]) + len(shapes[1]))
    s1, s2 = shapes
    check(binary_model(op, s1, s2, "float32"), list(operands(s1, s2, rng)))


@pytest.mark.parametrize("op", ["FLOOR_DIV", "FLOOR_MOD"])
def test_exact_integers_and_signs(op):
    a = np.array([[7, -7, 7, -7, 6, -6, 0, 0.5, -0.5, 1e6, 3.5, -3.5]], np.float32)
    b = np.array([[2, 2, -2, -2, 3, 3, 5, -2, 2, 7, 0.25, 1.5]], np.float32)
    out = check(binary_model(op, a.shape, b.shape, "float32"), [a, b])
    want = np.floor_divide(a, b) if op == "FLOOR_DIV" else np.mod(a, b)
    assert np.array_equal(out[0], want)


def test_floor_div_rejects_constant_zero_denominator():
    from mcuml import Interpreter
    from mcuml.errors import McumlError

    m = binary_model("FLOOR_DIV", (1, 3), (1, 3), "float32", const2=np.array([[1, 0, 2]], np.float32))
    with pytest.raises(RuntimeError, match="invocation failed"):
        tflm_run(m, [np.ones((1, 3), np.float32)])
    with pytest.raises(McumlError, match="Division by 0"):
        Interpreter(model_content=m).allocate_tensors()
