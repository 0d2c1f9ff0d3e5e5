"""Issue acceptance: every shared model TFLM runs gives identical outputs in mcuml and the TFLM wheel.

Inputs: ``np.random.default_rng(0)`` integers over the input dtype's full range (floats: standard normal).
Stateful models: first invoke after load, a second invoke (state carried), and again after ``reset()``.
"""

from __future__ import annotations

import numpy as np
import pytest

from mcuml import Interpreter, load_model
from mcuml.runner import random_inputs
from oracle import MODELS, assert_same, manifest, model_path

BIG = {"tflite_micro/mobilenet_v2_quantized_1x3x224x224.tflite", "tinyengine/mcunetv2_large.tflite",
       "wake_vision/wv_quality_mcunet-320kb-1mb_vww.tflite", "wake_vision/wv_quality_mobilenetv2.tflite"}
RUNNABLE = [m["file"] for m in manifest() if m["tflm_runs"]]


def _is_stateful(model) -> bool:
    return any(t.is_variable for t in model.main.tensors)


def _tflm(data: bytes):
    from tflite_micro.python.tflite_micro import runtime

    return runtime.Interpreter.from_bytes(data, arena_size=max(32 << 20, 20 * len(data)))


def _invoke_tflm(it, xs, n_out):
    for i, x in enumerate(xs):
        it.set_input(np.ascontiguousarray(x), i)
    it.invoke()
    return [np.array(it.get_output(i)) for i in range(n_out)]


def _invoke_mcuml(it, xs):
    for d, x in zip(it.get_input_details(), xs):
        it.set_tensor(d["index"], x)
    it.invoke()
    return [it.get_tensor(d["index"]) for d in it.get_output_details()]


@pytest.mark.parametrize("rel", [pytest.param(r, marks=pytest.mark.slow) if r in BIG else r for r in RUNNABLE])
def test_model_matches_tflm(rel):
    path = MODELS / rel
    data = path.read_bytes()
    model = load_model(data)
    xs = random_inputs(model, seed=0)
    ref = _tflm(data)
    ours = Interpreter(model=model)
    n_out = len(model.main.outputs)
    first = _invoke_mcuml(ours, xs)
    assert_same(first, _invoke_tflm(ref, xs, n_out))
    if _is_stateful(model):
        assert_same(_invoke_mcuml(ours, xs), _invoke_tflm(ref, xs, n_out))
        ours.reset()
        ref.reset()
        again = _invoke_mcuml(ours, xs)
        assert_same(again, _invoke_tflm(ref, xs, n_out))
        assert_same(again, first)


@pytest.mark.parametrize("rel", ["mlcommons_tiny/kws_ref_model.tflite", "tflite_micro/hello_world_float.tflite",
                                 "wake_vision/wv_quality_k_2_c_3.tflite", "tflite_micro/trained_lstm_int8.tflite"])
def test_batched_run_equals_sample_by_sample(rel):
    path = model_path(rel)
    model = load_model(path)
    it = Interpreter(model=model)
    xs = [np.stack(s) for s in zip(*(random_inputs(model, seed=k) for k in range(7)))]
    batched = it.run(xs, batch_size=3)  # (N, *shape) convention, several chunks
    for k in range(7):
        it.reset()
        single = _invoke_mcuml(it, [x[k] for x in xs])
        for b, s in zip(batched, single):
            assert np.array_equal(b[k], s)
    # samples stacked on the model's batch axis come back the same way
    stacked = it.run([x.reshape((-1, *x.shape[2:])) for x in xs])
    for b, s in zip(batched, stacked):
        assert np.array_equal(b.reshape(s.shape), s)
