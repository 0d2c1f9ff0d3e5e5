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

# No known failures: the op facts own what used to fail here (a strict xfail would name the op).
ARENA_XFAIL: dict[tuple[str, str], str] = {}
OUTPUT_XFAIL: dict[tuple[str, str], str] = {}
VERDICT_XFAIL: dict[tuple[str, str], str] = {}

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
