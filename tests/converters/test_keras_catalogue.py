"""The Keras layer catalogue (issue 13, item 3): one-layer Keras models converted by the real TF converter in
float32, int8 and int16x8 (tests/data/keras_catalogue, built by tools/gen_keras_catalogue.py and shipped, so
these tests need no TensorFlow). For every model, against the TFLM wheel:

(a) the predicted host arena lies in [wheel minimum, minimum + 16 B] (minimum by bisection, one subprocess
    per model, starting from the prediction);
(b) ``check``'s verdict equals whether the wheel runs the model (AllocateTensors and one invoke: REDUCE_MAX,
    RESIZE_BILINEAR and SPACE_TO_BATCH_ND refuse int16 only in Eval), and when both refuse, check names the op
    the wheel reports;
(c) mcuml's outputs equal the wheel's: exactly for int8/int16; float32 exactly or within 1e-6 relative.

(b) and (c) run on every model; (a) costs a subprocess per model, so by default it runs on one mode per layer
(rotating by layer), and on all of them with ``MCUML_KERAS_CATALOGUE=full``. The last test regenerates two
entries with TensorFlow to prove the generator reproduces the shipped files.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache

import pytest

from keras_catalogue import CATALOGUE, entries, evaluate

FULL = os.environ.get("MCUML_KERAS_CATALOGUE") == "full"
MODES = ("float32", "int8", "int16x8")

# Failures owned by per-op facts (the opfacts work); strict, so a fix turns them into XPASS failures to flip.
# Arena: measured 10:15 UTC on this branch; see /work/briefs/keras_findings.md for the per-op analysis.
ARENA_XFAIL: dict[tuple[str, str], str] = {
    ("attention", "float32"): "BATCH_MATMUL/SOFTMAX: 272 B under (limited by final)",
    ("attention", "int8"): "BATCH_MATMUL/SOFTMAX: 240 B under (limited by planner scratch)",
    ("attention", "int16x8"): "BATCH_MATMUL/SOFTMAX: 272 B under (limited by final)",
    ("batch_norm", "int8"): "CONV_2D: 176 B under (limited by final)",
    ("conv1d_dilated", "float32"): "CONV_2D: 16 B under (limited by planner scratch)",
    ("conv1d_dilated", "int8"): "CONV_2D: 288 B under (limited by planner scratch)",
    ("conv1d_dilated", "int16x8"): "CONV_2D: 288 B under (limited by planner scratch)",
    ("conv1d_s2", "float32"): "CONV_2D: 16 B under (limited by planner scratch)",
    ("conv1d_s2", "int8"): "CONV_2D: 320 B under (limited by CONV_2D prepare)",
    ("conv1d_s2", "int16x8"): "CONV_2D: 320 B under (limited by CONV_2D prepare)",
    ("conv1d_transpose", "float32"): "TRANSPOSE_CONV: 8 B under (limited by final)",
    ("conv1d_transpose", "int8"): "TRANSPOSE_CONV: 72 B under (limited by planner scratch)",
    ("conv1d_transpose", "int16x8"): "TRANSPOSE_CONV: 8 B under (limited by final)",
    ("conv2d_dilated", "int8"): "CONV_2D: 112 B under (limited by final)",
    ("conv2d_s2_relu", "int8"): "CONV_2D: 320 B under (limited by CONV_2D prepare)",
    ("conv2d_s2_relu", "int16x8"): "CONV_2D: 16 B under (limited by final)",
    ("conv2d_transpose_s2", "float32"): "TRANSPOSE_CONV: 8 B under (limited by final)",
    ("conv2d_transpose_s2", "int8"): "TRANSPOSE_CONV: 8 B under (limited by final)",
    ("conv2d_transpose_s2", "int16x8"): "TRANSPOSE_CONV: 8 B under (limited by final)",
    ("conv2d_valid_5x5", "int8"): "CONV_2D: 304 B under (limited by CONV_2D prepare)",
    ("conv2d_valid_5x5", "int16x8"): "CONV_2D: 48 B under (limited by final)",
    ("depthwise_conv2d_dilated", "int8"): "DEPTHWISE_CONV_2D: 176 B under (limited by final)",
    ("depthwise_conv2d_m2_s2", "int8"): "DEPTHWISE_CONV_2D: 320 B under (limited by DEPTHWISE_CONV_2D prepare)",
    ("elu", "float32"): "FULLY_CONNECTED/ELU: 256 B under (limited by planner scratch)",
    ("elu", "int8"): "FULLY_CONNECTED/ELU: 256 B under (limited by planner scratch)",
    ("elu", "int16x8"): "FULLY_CONNECTED/ELU: 256 B under (limited by planner scratch)",
    ("global_avg_pool1d", "int8"): "MEAN: 16 B under (limited by planner scratch)",
    ("global_avg_pool2d", "int8"): "MEAN: 16 B under (limited by planner scratch)",
    ("global_max_pool2d", "int8"): "REDUCE_MAX: 128 B under (limited by planner scratch)",
    ("gru_unrolled", "float32"):
        "UNPACK/FULLY_CONNECTED/SPLIT/LOGISTIC/SUB/TANH/MUL/STRIDED_SLICE/ADD: 128 B under (limited by planner scratch)",
    ("gru_unrolled", "int8"):
        "UNPACK/FULLY_CONNECTED/SPLIT/LOGISTIC/SUB/TANH/MUL/STRIDED_SLICE/ADD: 128 B under (limited by planner scratch)",
    ("gru_unrolled", "int16x8"):
        "UNPACK/FULLY_CONNECTED/SPLIT/LOGISTIC/SUB/TANH/MUL/STRIDED_SLICE/ADD: 128 B under (limited by planner scratch)",
    ("hard_swish", "float32"): "FULLY_CONNECTED/HARD_SWISH: 32 B under (limited by planner scratch)",
    ("hard_swish", "int8"): "FULLY_CONNECTED/HARD_SWISH: 16 B under (limited by FULLY_CONNECTED prepare)",
    ("hard_swish", "int16x8"): "FULLY_CONNECTED/HARD_SWISH: 32 B under (limited by planner scratch)",
    ("lambda_abs", "float32"): "ABS: 40 B under (limited by final)",
    ("lambda_abs", "int8"): "ABS: 40 B under (limited by final)",
    ("lambda_abs", "int16x8"): "ABS: 40 B under (limited by final)",
    ("lambda_reduce_max", "int8"): "REDUCE_MAX: 112 B under (limited by final)",
    ("lambda_reduce_sum", "int8"): "SUM: 16 B under (limited by planner scratch)",
    ("lambda_rsqrt", "float32"): "ABS/ADD/RSQRT: 64 B under (limited by final)",
    ("lambda_rsqrt", "int8"): "ABS/ADD/RSQRT: 64 B under (limited by final)",
    ("lambda_rsqrt", "int16x8"): "ABS/ADD/RSQRT: 64 B under (limited by final)",
    ("layer_norm", "float32"): "MEAN/NEG/SQUARED_DIFFERENCE/ADD/RSQRT/MUL: 144 B under (limited by planner scratch)",
    ("layer_norm", "int8"): "MEAN/NEG/SQUARED_DIFFERENCE/ADD/RSQRT/MUL: 144 B under (limited by planner scratch)",
    ("layer_norm", "int16x8"): "MEAN/NEG/SQUARED_DIFFERENCE/ADD/RSQRT/MUL: 144 B under (limited by planner scratch)",
    ("lstm_unrolled", "float32"):
        "UNPACK/FULLY_CONNECTED/SPLIT/LOGISTIC/TANH/MUL/ADD: 128 B under (limited by planner scratch)",
    ("lstm_unrolled", "int8"):
        "UNPACK/FULLY_CONNECTED/SPLIT/LOGISTIC/TANH/MUL/ADD: 128 B under (limited by planner scratch)",
    ("lstm_unrolled", "int16x8"):
        "UNPACK/FULLY_CONNECTED/SPLIT/LOGISTIC/TANH/MUL/ADD: 128 B under (limited by planner scratch)",
    ("multi_head_attention", "float32"):
        "FULLY_CONNECTED/TRANSPOSE/BATCH_MATMUL/MUL/SOFTMAX: 768 B under (limited by planner scratch)",
    ("multi_head_attention", "int8"):
        "FULLY_CONNECTED/TRANSPOSE/BATCH_MATMUL/MUL/SOFTMAX: 448 B under (limited by planner scratch)",
    ("multi_head_attention", "int16x8"):
        "FULLY_CONNECTED/TRANSPOSE/BATCH_MATMUL/MUL/SOFTMAX: 576 B under (limited by planner scratch)",
    ("prelu", "float32"): "PRELU: 40 B under (limited by final)",
    ("prelu", "int8"): "PRELU: 40 B under (limited by final)",
    ("prelu", "int16x8"): "PRELU: 40 B under (limited by final)",
    ("separable_conv1d", "int8"): "DEPTHWISE_CONV_2D/CONV_2D: 144 B under (limited by planner scratch)",
    ("separable_conv1d", "int16x8"): "DEPTHWISE_CONV_2D/CONV_2D: 144 B under (limited by planner scratch)",
    ("simple_rnn_unrolled", "float32"): "UNPACK/FULLY_CONNECTED/TANH/ADD: 64 B under (limited by planner scratch)",
    ("simple_rnn_unrolled", "int8"): "UNPACK/FULLY_CONNECTED/TANH/ADD: 64 B under (limited by planner scratch)",
    ("simple_rnn_unrolled", "int16x8"): "UNPACK/FULLY_CONNECTED/TANH/ADD: 64 B under (limited by planner scratch)",
    ("softsign", "float32"): "FULLY_CONNECTED/ABS/ADD/DIV: 32 B under (limited by planner scratch)",
    ("softsign", "int8"): "FULLY_CONNECTED/ABS/ADD/DIV: 32 B under (limited by planner scratch)",
    ("softsign", "int16x8"): "FULLY_CONNECTED/ABS/ADD/DIV: 32 B under (limited by planner scratch)",
    ("subtract", "float32"): "SUB: 8 B under (limited by final)",
    ("subtract", "int8"): "SUB: 8 B under (limited by final)",
    ("subtract", "int16x8"): "SUB: 8 B under (limited by final)",
    ("tanh", "float32"): "FULLY_CONNECTED/TANH: 16 B under (limited by planner scratch)",
    ("space_to_batch_conv", "float32"): "CONV_2D: 8 B under (limited by CONV_2D prepare)",
    ("space_to_batch_conv", "int8"): "CONV_2D: 184 B under (limited by CONV_2D prepare)",
}
# outputs mcuml does not match exactly (none at present; int16 RSQRT landed with issue 13)
OUTPUT_XFAIL: dict[tuple[str, str], str] = {}
# check says "runs" where the wheel's kernel refuses the type (in Prepare for EXP, in Eval for the others)
VERDICT_XFAIL: dict[tuple[str, str], str] = {
    ("lambda_exp", "int8"): "EXP is float32-only in TFLM (exp.cc:41, Prepare)",
    ("lambda_exp", "int16x8"): "EXP is float32-only in TFLM (exp.cc:41, Prepare)",
    ("softplus", "int8"): "EXP is float32-only in TFLM (exp.cc:41, Prepare)",
    ("softplus", "int16x8"): "EXP is float32-only in TFLM (exp.cc:41, Prepare)",
    ("global_max_pool2d", "int16x8"): "REDUCE_MAX: float32/int8 only (fails in Eval)",
    ("lambda_reduce_max", "int16x8"): "REDUCE_MAX: float32/int8 only (fails in Eval)",
    ("resizing_bilinear", "int16x8"): "RESIZE_BILINEAR: float32/int8 only (fails in Eval)",
    ("upsampling2d_bilinear", "int16x8"): "RESIZE_BILINEAR: float32/int8 only (fails in Eval)",
    ("space_to_batch_conv", "int16x8"): "SPACE_TO_BATCH_ND: float32/int8 only (fails in Eval)",
}

ENTRIES = entries()
LAYERS = sorted({e["layer"] for e in ENTRIES})


def _bisected(layer: str, mode: str) -> bool:
    return FULL or MODES.index(mode) == LAYERS.index(layer) % len(MODES)


@lru_cache(maxsize=None)
def _outcome(layer: str, mode: str):
    (e,) = [e for e in ENTRIES if e["layer"] == layer and e["mode"] == mode]
    return evaluate(e, bisect=_bisected(layer, mode))


def _params(xfails: dict, subset: bool = False) -> list:
    out = []
    for e in ENTRIES:
        key = (e["layer"], e["mode"])
        if subset and not _bisected(*key):
            continue
        marks = [pytest.mark.xfail(strict=True, reason=xfails[key])] if key in xfails else []
        out.append(pytest.param(*key, id=f"{key[0]}.{key[1]}", marks=marks))
    return out


def test_catalogue_size():
    data = json.loads((CATALOGUE / "manifest.json").read_text())
    assert len(LAYERS) >= 30
    for layer in LAYERS:
        assert {e["mode"] for e in ENTRIES if e["layer"] == layer} == set(MODES), layer
    assert all(e.get("file") for e in data["models"])
    total = sum((CATALOGUE / e["file"]).stat().st_size for e in ENTRIES)
    assert total < 3 << 20


@pytest.mark.parametrize("layer,mode", _params(ARENA_XFAIL, subset=True))
def test_predicted_arena_within_16_bytes_of_wheel_minimum(layer, mode):
    o = _outcome(layer, mode)
    if not o.wheel_runs:
        pytest.skip(f"the wheel cannot run it ({o.wheel_reason[:80]}); the verdict test covers it")
    assert o.predicted is not None, o.check_reason
    assert o.minimum <= o.predicted <= o.minimum + 16, f"predicted {o.predicted}, wheel minimum {o.minimum}"


@pytest.mark.parametrize("layer,mode", _params(VERDICT_XFAIL))
def test_check_verdict_equals_wheel(layer, mode):
    o = _outcome(layer, mode)
    assert o.check_runs == o.wheel_runs, f"check: {o.check_runs} ({o.check_reason}); wheel: {o.wheel_reason}"


@pytest.mark.parametrize("layer,mode", _params(OUTPUT_XFAIL))
def test_outputs_equal_wheel(layer, mode):
    o = _outcome(layer, mode)
    if not o.wheel_runs:
        pytest.skip("the wheel cannot run it; the verdict test covers it")
    assert o.outputs_ok, o.outputs


@pytest.mark.tf
def test_generator_reproduces_shipped_entries(tmp_path):
    if os.environ.get("CI"):
        import tensorflow  # noqa: F401 - CI installs the tf extra: a missing TensorFlow fails here
    else:
        pytest.importorskip("tensorflow")
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "tools" / "gen_keras_catalogue.py"
    spec = importlib.util.spec_from_file_location("gen_keras_catalogue", path)
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    made = gen.generate(tmp_path, only=["dense", "conv2d_s2_relu"], modes=("float32", "int8"))
    assert len(made["models"]) == 4
    for rec in made["models"]:
        (shipped,) = [e for e in ENTRIES if (e["layer"], e["mode"]) == (rec["layer"], rec["mode"])]
        new = (tmp_path / rec["file"]).read_bytes()
        if rec["tf_version"] == shipped["tf_version"]:
            assert new == (CATALOGUE / shipped["file"]).read_bytes(), rec["file"]
        else:  # another TF may lay the flatbuffer out differently; the model must still run like the wheel
            o = evaluate({**rec, "file": str(tmp_path / rec["file"])})
            assert o.verdict_ok and o.outputs_ok, o
