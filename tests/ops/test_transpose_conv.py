import numpy as np
import pytest

from mcuml import Interpreter, load_model
from mcuml.ops import lookup
from nn_models import conv_like_model, rand_input
from oracle import differential, tflm_run

SAME, VALID = 0, 1
NONE, RELU, RELU6 = 0, 1, 3

# (dtype, N,H,W,IC, OC,KH,KW, stride, padding, out_hw, act, per_channel, in_zp, out_zp, gain, bias)
CASES = [
    ("int8", 1, 4, 4, 3, 4, 3, 3, (2, 2), SAME, (8, 8), NONE, True, -3, 5, 1.0, "int32"),
    ("int8", 1, 5, 4, 4, 3, 3, 3, (2, 2), VALID, (11, 9), RELU, True, 10, -20, 1.0, "int32"),
    ("int8", 2, 3, 3, 5, 2, 4, 4, (2, 2), SAME, (6, 6), RELU6, False, -128, 127, 0.5, None),
    ("int8", 1, 6, 5, 2, 6, 2, 3, (1, 2), SAME, (6, 10), NONE, True, 127, -128, 4.0, "int32"),
    ("int8", 1, 4, 4, 8, 8, 3, 3, (1, 1), VALID, (6, 6), NONE, True, 0, 0, 1.0, "int32"),
    ("int8", 1, 8, 1, 16, 4, 8, 1, (4, 1), SAME, (32, 1), NONE, True, -1, 1, 1.0, "int32"),  # seanet-style 1-D
    ("int16", 1, 4, 4, 3, 4, 3, 3, (2, 2), SAME, (8, 8), NONE, True, 0, 0, 1.0, "int64"),
    ("int16", 1, 5, 3, 4, 3, 3, 3, (2, 2), VALID, (11, 7), RELU, True, 0, 0, 2.0, "int16"),
    ("int16", 1, 4, 4, 2, 2, 2, 2, (2, 2), SAME, (8, 8), NONE, False, 0, 0, 1.0, None),
    ("float32", 1, 4, 4, 3, 4, 3, 3, (2, 2), SAME, (8, 8), NONE, False, 0, 0, 1.0, "float32"),
    ("float32", 2, 5, 4, 4, 3, 3, 3, (2, 2), VALID, (11, 9), RELU, False, 0, 0, 1.0, None),
    ("float32", 1, 3, 3, 2, 2, 4, 4, (3, 2), SAME, (9, 6), RELU6, False, 0, 0, 1.0, "float32"),
]


def build(i, seed=None):
    dt, n, h, w, ic, oc, kh, kw, stride, pad, (oh, ow), act, pc, in_zp, out_zp, gain, bias = CASES[i]
    rng = np.random.default_rng(600 + i if seed is None else seed)
    opts = dict(padding=pad, stride_h=stride[0], stride_w=stride[1], fused_activation_function=act)
    model = conv_like_model("TRANSPOSE_CONV", act_dtype=dt, in_shape=(n, h, w, ic), w_shape=(oc, kh, kw, ic),
                            out_shape=(n, oh, ow, oc), options=opts, options_kind="TransposeConvOptions", rng=rng,
                            per_channel=pc, qdim=0, n_out_ch=oc, in_zp=in_zp, out_zp=out_zp, gain=gain,
                            bias=bias is not None, bias_dtype=bias or "int32", depth=ic * kh * kw // (stride[0] * stride[1]),
                            extra_first=[("output_shape", np.array([n, oh, ow, oc], np.int32))])
    return model, rand_input(rng, (n, h, w, ic), dt)


@pytest.mark.parametrize("i", range(len(CASES)), ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_transpose_conv_matches_tflm(i):
    model, x = build(i)
    got = differential(model, [x])
    if CASES[i][0] == "float32":
        assert np.array_equal(got[0], tflm_run(model, [x])[0])


def test_transpose_conv_batched_run():
    model, _ = build(1)
    xs = rand_input(np.random.default_rng(5), (3, 1, 5, 4, 4), "int8")
    got = Interpreter(model_content=model).run(xs)[0]
    for i in range(3):
        assert np.array_equal(got[i], tflm_run(model, [xs[i]])[0])


def test_transpose_conv_cost():
    model, _ = build(0)
    node = load_model(model).main.operators[0]
    assert lookup("TRANSPOSE_CONV").cost(node).macs == 4 * 4 * 3 * 3 * 3 * 4
