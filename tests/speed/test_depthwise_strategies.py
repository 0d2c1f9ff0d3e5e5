"""Every int8 depthwise accumulation strategy (per-tap passes, einsum, flat shifts) and the timing pick are exact."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ops"))

from nn_models import conv_like_model, rand_input
from oracle import tflm_run

from mcuml import Interpreter
from mcuml.kernels.conv import compute_out_size
from mcuml.ops.depthwise_conv_2d import DepthwiseConv2D

# (H, W, C, depth_multiplier, K, stride, dilation, padding, act, in_zp, out_zp)
CASES = [
    (12, 11, 8, 1, 3, (1, 1), (1, 1), 0, 1, -3, -20),
    (13, 10, 6, 2, 3, (2, 2), (1, 1), 0, 0, 10, 5),
    (11, 12, 16, 1, 3, (2, 1), (1, 2), 1, 3, -128, -128),
    (9, 9, 4, 1, 5, (3, 3), (2, 1), 0, 0, 127, 0),
    (10, 9, 5, 2, 3, (1, 1), (2, 3), 1, 1, 3, -2),
    (8, 7, 3, 1, 2, (1, 1), (1, 1), 0, 0, -60, 7),
]


def _model(case, rng):
    h, w, c, mult, k, stride, dil, pad, act, in_zp, out_zp = case
    oh = compute_out_size(pad, h, k, stride[0], dil[0])
    ow = compute_out_size(pad, w, k, stride[1], dil[1])
    opts = {"padding": pad, "stride_h": stride[0], "stride_w": stride[1], "dilation_h_factor": dil[0],
            "dilation_w_factor": dil[1], "fused_activation_function": act, "depth_multiplier": mult}
    return conv_like_model("DEPTHWISE_CONV_2D", act_dtype="int8", in_shape=(1, h, w, c), w_shape=(1, k, k, c * mult),
                           out_shape=(1, oh, ow, c * mult), options=opts, options_kind="DepthwiseConv2DOptions",
                           rng=rng, per_channel=True, qdim=3, n_out_ch=c * mult, in_zp=in_zp, out_zp=out_zp, gain=1.0,
                           bias=True, bias_dtype="int32", depth=k * k)


@pytest.mark.parametrize("strategy", ["_int8_taps", "_int8_einsum", "_int8_flat", "_int8_flat16", "_int8_taps16", None])
@pytest.mark.parametrize("i", range(len(CASES)))
def test_strategy_matches_tflm(i: int, strategy: str | None) -> None:
    rng = np.random.default_rng(40 + i)
    model = _model(CASES[i], rng)
    it = Interpreter(model_content=model)
    params = it.compiled.nodes[0].params
    assert params.fast is not None
    if strategy in ("_int8_flat", "_int8_flat16") and params.flat_taps is None:
        pytest.skip("the flat strategy is for stride 1 only")
    if strategy is not None:
        fn = getattr(DepthwiseConv2D, strategy)
        params.strategy.update({True: fn, False: fn})
    h, w, c = CASES[i][:3]
    xs = rand_input(rng, (5, 1, h, w, c), "int8")
    got = it.run(xs)[0]
    it.set_tensor(it.get_input_details()[0]["index"], xs[0])
    it.invoke()
    assert np.array_equal(it.get_tensor(it.get_output_details()[0]["index"]), got[0])
    for s in range(len(xs)):
        assert np.array_equal(got[s], tflm_run(model, [xs[s]])[0])
    if strategy is None:
        for _ in range(10):  # a decision after each candidate had two turns
            it.invoke()
        assert params.strategy[False] in (DepthwiseConv2D._int8_taps, DepthwiseConv2D._int8_einsum,
                                          DepthwiseConv2D._int8_flat, DepthwiseConv2D._int8_flat16,
                                          DepthwiseConv2D._int8_taps16)
