import numpy as np
import pytest

from mcuml import Interpreter, load_model
from mcuml.errors import McumlError
from mcuml.ir.build import ModelBuilder
from mcuml.ops import lookup
from nn_models import HYBRID_ERROR, assert_run_matches_invokes, conv_like_model, hybrid_model, rand_input
from oracle import differential, tflm_run

NONE, RELU, RELU_N1_TO_1, RELU6 = 0, 1, 2, 3

# (dtype, in_shape, OC, out_shape, act, per_channel, in_zp, out_zp, gain, bias)
CASES = [
    ("int8", (1, 16), 8, (1, 8), NONE, False, -3, 5, 1.0, "int32"),
    ("int8", (1, 40), 10, (1, 10), RELU, False, 127, -128, 1.0, "int32"),
    ("int8", (3, 24), 6, (3, 6), RELU6, False, -128, 3, 0.3, None),
    ("int8", (2, 3, 20), 7, (2, 3, 7), NONE, False, 4, -4, 1.0, "int32"),  # keep_num_dims
    ("int8", (1, 4, 4, 8), 12, (1, 12), RELU_N1_TO_1, False, 0, 0, 1.0, "int32"),  # flattened input
    ("int8", (2, 64), 16, (2, 16), NONE, True, -10, 10, 1.0, "int32"),  # per-channel
    ("int8", (1, 2000), 5, (1, 5), NONE, False, 1, 1, 20.0, "int32"),  # float64 accumulation path
    ("int8", (1, 30), 4, (1, 4), NONE, False, 3, -2, 0.002, "int32"),  # tiny multiplier
    ("int16", (1, 32), 8, (1, 8), NONE, False, 0, 0, 1.0, "int64"),
    ("int16", (2, 32), 8, (2, 8), RELU, False, 0, 0, 2.0, "int32"),
    ("int16", (1, 48), 6, (1, 6), NONE, True, 0, 0, 1.0, "int64"),
    ("int16", (1, 48), 6, (1, 6), RELU6, True, 0, 0, 1.0, None),
    ("float32", (1, 16), 8, (1, 8), NONE, False, 0, 0, 1.0, "float32"),
    ("float32", (3, 50), 9, (3, 9), RELU, False, 0, 0, 1.0, None),
    ("float32", (2, 2, 10), 4, (2, 2, 4), RELU6, False, 0, 0, 1.0, "float32"),
]


def build(case, seed):
    dt, in_shape, oc, out_shape, act, pc, in_zp, out_zp, gain, bias = case
    rng = np.random.default_rng(seed)
    depth = int(np.prod(in_shape)) * out_shape[-1] // int(np.prod(out_shape))
    opts = dict(fused_activation_function=act, keep_num_dims=len(out_shape) == len(in_shape) and len(out_shape) > 2)
    model = conv_like_model("FULLY_CONNECTED", act_dtype=dt, in_shape=in_shape, w_shape=(oc, depth),
                            out_shape=out_shape, options=opts, options_kind="FullyConnectedOptions", rng=rng,
                            per_channel=pc, qdim=0, n_out_ch=oc, in_zp=in_zp, out_zp=out_zp, gain=gain,
                            bias=bias is not None, bias_dtype=bias or "int32", depth=depth)
    return model, rand_input(rng, in_shape, dt)


@pytest.mark.parametrize("i", range(len(CASES)), ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_fully_connected_matches_tflm(i):
    model, x = build(CASES[i], seed=300 + i)
    got = differential(model, [x])
    if CASES[i][0] == "float32":
        assert np.array_equal(got[0], tflm_run(model, [x])[0])


@pytest.mark.parametrize("dt", ["int8", "float32"])
def test_fully_connected_non_constant_weights(dt):
    rng = np.random.default_rng(11)
    b = ModelBuilder()
    kw = {"scale": 0.05, "zero_point": 3} if dt == "int8" else {}
    x = b.input("x", (2, 12), dt, **kw)
    w = b.input("w", (5, 12), dt, **({"scale": 0.02, "zero_point": 0} if dt == "int8" else {}))
    y = b.tensor("y", (2, 5), dt, **({"scale": 0.1, "zero_point": -1} if dt == "int8" else {}))
    b.op("FULLY_CONNECTED", [x, w], [y], "FullyConnectedOptions", fused_activation_function=0)
    b.output(y)
    model = b.build().to_bytes()
    xs = [rand_input(rng, (2, 12), dt), rand_input(rng, (5, 12), dt)]
    if dt == "int8":
        xs[1] = np.clip(xs[1], -127, 127).astype(np.int8)
    got = differential(model, xs)
    batched = Interpreter(model_content=model).run([xs[0][None], xs[1][None]])[0]
    assert np.array_equal(batched[0], got[0])


def test_fully_connected_batched_run():
    model, _ = build(CASES[5], seed=9)
    assert_run_matches_invokes(model, [rand_input(np.random.default_rng(2), (6, 2, 64), "int8")])


def test_fully_connected_hybrid_rejected():
    model = hybrid_model("FULLY_CONNECTED", (1, 4), (3, 4), (1, 3), "FullyConnectedOptions",
                         fused_activation_function=0)
    with pytest.raises(McumlError, match=HYBRID_ERROR):
        Interpreter(model_content=model)


def test_fully_connected_cost():
    model, _ = build(CASES[3], seed=1)
    node = load_model(model).main.operators[0]
    assert lookup("FULLY_CONNECTED").cost(node).macs == 2 * 3 * 7 * 20


@pytest.mark.parametrize("dt", ["int8", "int16"])
def test_fully_connected_power_of_two_multiplier(dt):
    """Scale ratio exactly 2^-k in float32: TFLM's multiplier comes from the double scale product."""
    rng = np.random.default_rng(0)
    b = ModelBuilder()
    x = b.input("x", (4, 64), dt, scale=0.05, zero_point=0)
    w = b.const("w", rng.integers(-127, 128, (8, 64)).astype(np.int8), scale=0.02, zero_point=0)
    out_scale = float(np.float32(0.05) * np.float32(0.02)) * 2 ** (7 if dt == "int8" else 3)
    y = b.tensor("y", (4, 8), dt, scale=out_scale, zero_point=0)
    b.op("FULLY_CONNECTED", [x, w], [y], "FullyConnectedOptions", fused_activation_function=0)
    b.output(y)
    lim = 128 if dt == "int8" else 3000
    differential(b.build().to_bytes(), [rng.integers(-lim, lim, (4, 64)).astype(dt)])
