"""Every int8 depthwise accumulation strategy (per-tap passes, einsum, flat shifts) is exact, and the one a layer
runs is chosen from its shapes at prepare: the same on every call, machine and load."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ops"))

from nn_models import conv_like_model, rand_input
from oracle import tflm_run

from mcuml import Interpreter
from mcuml.kernels.conv import Window, compute_out_size
from mcuml.ops import depthwise_conv_2d as D

# (H, W, C, depth_multiplier, K, stride, dilation, padding, act, in_zp, out_zp)
CASES = [
    (12, 11, 8, 1, 3, (1, 1), (1, 1), 0, 1, -3, -20),
    (13, 10, 6, 2, 3, (2, 2), (1, 1), 0, 0, 10, 5),
    (11, 12, 16, 1, 3, (2, 1), (1, 2), 1, 3, -128, -128),
    (9, 9, 4, 1, 5, (3, 3), (2, 1), 0, 0, 127, 0),
    (10, 9, 5, 2, 3, (1, 1), (2, 3), 1, 1, 3, -2),
    (8, 7, 3, 1, 2, (1, 1), (1, 1), 0, 0, -60, 7),
]
STRIDED = {1, 2, 3}  # cases without the flat (stride 1) strategies


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


@pytest.mark.parametrize("strategy", sorted(D.STRATEGIES))
@pytest.mark.parametrize("i", range(len(CASES)))
def test_strategy_matches_tflm(i: int, strategy: str) -> None:
    rng = np.random.default_rng(40 + i)
    model = _model(CASES[i], rng)
    it = Interpreter(model_content=model)
    bn = it.compiled.nodes[0]
    params = bn.params
    assert params.fast is not None
    available = D.available_strategies(params)
    assert ("flat" in available) == (i not in STRIDED)
    if strategy not in available:
        assert strategy.startswith("flat") and i in STRIDED
        return
    forced = dataclasses.replace(params, single=strategy, batched=strategy)
    h, w, c = CASES[i][:3]
    xs = rand_input(rng, (5, 1, h, w, c), "int8")
    out_shape = it.get_output_details()[0]["shape"]
    for x in (xs[:1], xs):  # (samples, *input shape): one sample, then a batched slab
        got = np.empty((len(x), *out_shape), np.int8)
        bn.op.eval(forced, [x], [got])
        for s in range(len(x)):
            assert np.array_equal(got[s], tflm_run(model, [xs[s]])[0]), (strategy, s)


def test_params_are_frozen_and_choice_is_from_shapes() -> None:
    it = Interpreter(model_content=_model(CASES[0], np.random.default_rng(40)))
    p = it.compiled.nodes[0].params
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.single = "einsum"  # type: ignore[misc]
    assert not any(isinstance(getattr(p, f.name), (dict, list)) for f in dataclasses.fields(p))
    assert p.single == D.choose_strategy(p.win, p.out_shape[3], False, D.available_strategies(p))
    x = rand_input(np.random.default_rng(1), (64, 1, 12, 11, 8), "int8")
    first = it.run(x)[0]
    for _ in range(3):
        assert np.array_equal(it.run(x)[0], first)
    assert (p.single, p.batched) == (it.compiled.nodes[0].params.single, it.compiled.nodes[0].params.batched)


def _win(h: int, w: int, k: int, stride: int) -> Window:
    out_h, out_w = -(-h // stride), -(-w // stride)
    return Window(h, w, out_h, out_w, k, k, stride, stride, 1, 1, k // 2, k // 2)


ALL = ("taps", "einsum", "flat", "flat16", "taps16")


@pytest.mark.parametrize("win, oc, batched, available, want", [
    (_win(8, 8, 3, 1), 192, False, ALL, "einsum"),  # many channels
    (_win(14, 14, 3, 1), 96, True, ALL, "einsum"),
    (_win(14, 14, 3, 1), 64, True, ALL, "flat16"),  # stride 1, few channels
    (_win(14, 14, 5, 1), 64, True, ALL, "einsum"),  # 5x5 window
    (_win(14, 14, 5, 1), 48, True, ALL, "flat16"),
    (_win(3, 3, 3, 1), 40, False, ALL, "einsum"),  # one tiny sample
    (_win(3, 3, 3, 1), 40, True, ALL, "flat16"),
    (_win(48, 48, 3, 2), 16, True, ("taps", "einsum", "taps16"), "taps16"),  # strided
    (_win(48, 48, 3, 2), 16, True, ("taps", "einsum"), "taps"),  # taps too large for int16 pairs
    (_win(48, 48, 3, 1), 16, False, ("taps", "einsum", "flat"), "flat"),
])
def test_choose_strategy_rule(win, oc, batched, available, want) -> None:
    assert D.choose_strategy(win, oc, batched, available) == want
