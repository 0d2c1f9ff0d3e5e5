import numpy as np
import pytest

from mcuml import Interpreter, load_model
from mcuml.errors import McumlError
from mcuml.kernels.conv import compute_out_size
from mcuml.ops import lookup
from nn_models import HYBRID_ERROR, assert_run_matches_invokes, conv_like_model, hybrid_model, rand_input
from oracle import differential, tflm_run

SAME, VALID = 0, 1
NONE, RELU, RELU_N1_TO_1, RELU6 = 0, 1, 2, 3

# (dtype, N,H,W,C, mult, KH,KW, stride(h,w), dilation(h,w), padding, act, per_channel, in_zp, out_zp, gain, bias)
CASES = [
    ("int8", 1, 8, 8, 4, 1, 3, 3, (1, 1), (1, 1), SAME, NONE, True, -3, 5, 1.0, "int32"),
    ("int8", 1, 9, 7, 3, 2, 3, 3, (2, 2), (1, 1), SAME, RELU, True, 10, -20, 1.0, "int32"),
    ("int8", 2, 10, 10, 5, 1, 3, 2, (1, 2), (2, 1), VALID, RELU6, True, -128, 0, 0.5, "int32"),
    ("int8", 1, 12, 11, 8, 1, 5, 5, (2, 1), (1, 1), SAME, NONE, False, 127, -128, 4.0, "int32"),
    ("int8", 1, 6, 6, 16, 1, 3, 3, (1, 1), (1, 1), VALID, NONE, True, 0, 0, 1.0, None),
    ("int8", 1, 7, 7, 2, 3, 3, 3, (1, 1), (2, 2), SAME, RELU_N1_TO_1, True, -1, 2, 1.0, "int32"),
    ("int8", 1, 5, 5, 6, 1, 5, 5, (3, 3), (1, 1), SAME, NONE, True, 7, -7, 100.0, "int32"),
    ("int8", 1, 16, 16, 32, 1, 3, 3, (2, 2), (1, 1), SAME, RELU6, True, -5, -128, 1.0, "int32"),
    ("int16", 1, 8, 8, 4, 1, 3, 3, (1, 1), (1, 1), SAME, NONE, True, 0, 0, 1.0, "int64"),
    ("int16", 1, 9, 8, 3, 2, 3, 3, (2, 2), (1, 1), VALID, RELU, True, 0, 0, 2.0, "int64"),
    ("int16", 1, 6, 6, 4, 1, 3, 3, (1, 1), (2, 2), SAME, RELU6, False, 0, 0, 1.0, None),
    ("float32", 1, 8, 8, 3, 1, 3, 3, (1, 1), (1, 1), SAME, NONE, False, 0, 0, 1.0, "float32"),
    ("float32", 2, 9, 10, 4, 2, 3, 3, (2, 1), (1, 2), VALID, RELU, False, 0, 0, 1.0, "float32"),
    ("float32", 1, 7, 7, 4, 1, 2, 2, (1, 1), (1, 1), SAME, RELU6, False, 0, 0, 1.0, None),
]


def build(case, seed):
    (dt, n, h, w, c, mult, kh, kw, stride, dil, pad, act, pc, in_zp, out_zp, gain, bias) = case
    rng = np.random.default_rng(seed)
    oh = compute_out_size(pad, h, kh, stride[0], dil[0])
    ow = compute_out_size(pad, w, kw, stride[1], dil[1])
    oc = c * mult
    opts = dict(padding=pad, stride_h=stride[0], stride_w=stride[1], dilation_h_factor=dil[0],
                dilation_w_factor=dil[1], fused_activation_function=act, depth_multiplier=mult)
    model = conv_like_model("DEPTHWISE_CONV_2D", act_dtype=dt, in_shape=(n, h, w, c), w_shape=(1, kh, kw, oc),
                            out_shape=(n, oh, ow, oc), options=opts, options_kind="DepthwiseConv2DOptions", rng=rng,
                            per_channel=pc, qdim=3, n_out_ch=oc, in_zp=in_zp, out_zp=out_zp, gain=gain,
                            bias=bias is not None, bias_dtype=bias or "int32", depth=kh * kw)
    return model, rand_input(rng, (n, h, w, c), dt)


@pytest.mark.parametrize("i", range(len(CASES)), ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_depthwise_conv_2d_matches_tflm(i):
    model, x = build(CASES[i], seed=200 + i)
    got = differential(model, [x])
    if CASES[i][0] == "float32":  # the float kernel sums in TFLM's order: bit-exact, not just close
        assert np.array_equal(got[0], tflm_run(model, [x])[0])


def test_depthwise_batched_run_matches_invoke():
    model, _ = build(CASES[1], seed=3)
    assert_run_matches_invokes(model, [rand_input(np.random.default_rng(7), (4, 1, 9, 7, 3), "int8")])


def test_depthwise_hybrid_rejected():
    model = hybrid_model("DEPTHWISE_CONV_2D", (1, 4, 4, 2), (1, 3, 3, 2), (1, 4, 4, 2), "DepthwiseConv2DOptions",
                         padding=0, stride_h=1, stride_w=1, depth_multiplier=1, dilation_h_factor=1,
                         dilation_w_factor=1)
    with pytest.raises(McumlError, match=HYBRID_ERROR):
        Interpreter(model_content=model)


def test_depthwise_cost():
    model, _ = build(CASES[1], seed=1)  # out 5x4x6, 3x3 taps
    node = load_model(model).main.operators[0]
    assert lookup("DEPTHWISE_CONV_2D").cost(node).macs == 5 * 4 * 6 * 9
