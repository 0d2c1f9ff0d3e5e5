"""Arena prediction against the TFLM wheel, and optimized (offline-planned) models running in stock TFLM."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mcuml.plan.arena import predict_arena

DATA = Path(__file__).parent / "data" / "tflm_arena.json"

_PROBE = r"""
import sys
from tflite_micro.python.tflite_micro import runtime
it = runtime.Interpreter.from_bytes(open(sys.argv[1], 'rb').read(), arena_size=int(sys.argv[2]))
it.invoke()
print('OK')
"""


def _runs(path: Path, size: int) -> bool:
    r = subprocess.run([sys.executable, "-c", _PROBE, str(path), str(size)], capture_output=True, text=True, timeout=120)
    return r.returncode == 0 and "OK" in r.stdout


def _table():
    from oracle import MODELS, shared_path

    shared_path("models")
    return MODELS, json.loads(DATA.read_text())["models"]


def test_host_prediction_within_16_bytes_of_measured_minimum():
    from mcuml import load_model

    models, table = _table()
    bad = []
    for rel, m in sorted(table.items()):
        est = predict_arena(load_model(models / rel), target="host", kernels="reference")
        assert est.head_bytes == m["head"], rel
        assert not est.approximate, rel  # every runnable model's ops are modelled (Signal ops included)
        if abs(est.arena_bytes - m["min_arena"]) > 16 or est.tail_bytes != m["tail"]:
            bad.append((rel, est.arena_bytes, m["min_arena"], est.tail_bytes, m["tail"]))
    assert not bad, bad


@pytest.mark.parametrize("rel", ["tflite_micro/hello_world_int8.tflite", "tflite_micro/keyword_scrambled_8bit.tflite",
                                 "mlcommons_tiny/kws_ref_model.tflite"])
def test_remeasure_minimum_around_prediction(rel):
    from oracle import model_path

    from mcuml import load_model

    path = model_path(rel)
    est = predict_arena(load_model(path))
    assert _runs(path, est.arena_bytes + 16)
    assert not _runs(path, est.arena_bytes - 17)


BRANCHY = ["mlcommons_tiny/pretrainedResnet_quant.tflite", "wake_vision/wv_quality_mcunet-10fps_vww.tflite",
           "wake_vision/wv_quality_mobilenetv2.tflite", "wake_vision/wv_quality_benx13.tflite"]
OTHERS = ["tflite_micro/person_detect.tflite", "tflite_micro/micro_speech_quantized.tflite",
          "mlcommons_tiny/kws_ref_model.tflite", "mlcommons_tiny/ad01_int8.tflite", "wake_vision/wv_quality_ymac.tflite",
          "wake_vision/wv_quality_k_4_c_5.tflite", "tinyengine/ptq_mnist_lenet-300-100.tflite",
          "tflite_micro/keyword_scrambled_8bit.tflite"]


@pytest.mark.parametrize("rel", BRANCHY + OTHERS)
def test_optimized_model_runs_in_tflm_at_predicted_arena(rel):
    from oracle import model_path, random_input, tflm_run

    from mcuml import load_model
    from mcuml.plan import optimize_model
    from mcuml.plan.records import OFFLINE_METADATA

    path = model_path(rel)
    model = load_model(path)
    opt = optimize_model(model, planner="optimal", reorder=True, target="host")
    assert opt.arena.arena_bytes <= opt.baseline.arena_bytes
    assert opt.model.get_metadata(OFFLINE_METADATA) is not None
    data = opt.model.to_bytes()
    rng = np.random.default_rng(0)
    inputs = [random_input(t.shape, t.dtype.numpy, rng) for t in model.main.inputs]
    want = tflm_run(path, inputs)
    got = tflm_run(data, inputs, arena_size=opt.arena.arena_bytes)
    for g, w in zip(got, want):
        assert np.array_equal(g, w)
