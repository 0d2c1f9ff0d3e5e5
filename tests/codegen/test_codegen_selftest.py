"""``codegen --target arduino --self-test`` / ``deploy --self-test`` (issue 16.7): the sketch embeds one input and the
output TFLM gives for it, checked in setup(). The expected values must be TFLM's own (checked against the wheel),
and the sketch must still compile with -Werror (against the stub headers)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from oracle import model_path, require_tools, tflm_run

from mcuml import load_model
from mcuml.cli import main
from mcuml.codegen import generate
from mcuml.codegen.selftest import self_test_vector

STUBS = Path(__file__).parent / "stubs"
MODELS = ["tflite_micro/hello_world_int8.tflite", "tflite_micro/person_detect.tflite",
          "tflite_micro/hello_world_float.tflite"]


@pytest.mark.parametrize("rel", MODELS)
def test_expected_output_is_what_the_tflm_wheel_computes(rel):
    p = model_path(rel)
    v = self_test_vector(load_model(p))
    again = self_test_vector(load_model(p))
    assert all(np.array_equal(a, b) for a, b in zip(v.inputs, again.inputs))  # deterministic
    want = tflm_run(p, list(v.inputs))
    assert all(np.array_equal(a, b) for a, b in zip(v.outputs, want))
    if np.issubdtype(v.inputs[0].dtype, np.integer) and v.inputs[0].size > 100:  # covers the type's range, not just zeros
        assert v.inputs[0].min() < -64 and v.inputs[0].max() > 64


def test_self_test_sketch_compiles_and_embeds_the_vectors(tmp_path):
    require_tools("g++")
    from test_codegen_apps import CXX, _stub_env

    p = model_path("tflite_micro/person_detect.tflite")
    r = generate(p, "arduino", tmp_path, self_test=True)
    assert r.self_test and "person_detect/person_detect_selftest.h" in r.files
    proj = tmp_path / "person_detect"
    ino = (proj / "person_detect.ino").read_text()
    assert '#include "person_detect_selftest.h"' in ino and "RunSelfTest()" in ino
    assert 'Halt("self-test failed' in ino
    header = (proj / "person_detect_selftest.h").read_text()
    v = self_test_vector(load_model(p))
    first = ", ".join(str(int(x)) for x in v.inputs[0].reshape(-1)[:16])
    assert f"kSelfTestInput0[{v.inputs[0].size}]" in header and first in header
    assert f"kSelfTestExpected0[{v.outputs[0].size}]" in header
    model_cpp = proj / "person_detect_model.cpp"
    ident = "person_detect_model"
    model_cpp.write_text(f'#include "{ident}.h"\nalignas(16) const unsigned char {ident}[16] = {{0}};\n'
                         f"const unsigned int {ident}_len = 16u;\n")
    inc = _stub_env(tmp_path)
    cmd = [*CXX, "-I", str(STUBS), "-I", str(inc), "-I", str(proj), "-include", "Arduino.h", "-x", "c++",
           str(proj / "person_detect.ino"), "-x", "none", str(model_cpp), str(STUBS / "arduino_main.cc"),
           "-o", str(tmp_path / "app")]
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stderr[-3000:]


def test_plain_sketch_is_unchanged_and_self_test_is_arduino_only(tmp_path, capsys):
    p = model_path("tflite_micro/hello_world_int8.tflite")
    plain = generate(p, "arduino", tmp_path / "a")
    assert not any("selftest" in f for f in plain.files)
    assert "RunSelfTest" not in (tmp_path / "a" / plain.files[0]).read_text()
    assert main(["codegen", str(p), "-t", "tflm-app", "-o", str(tmp_path / "b"), "--self-test"]) == 2
    assert "--target arduino" in capsys.readouterr().err
    assert main(["deploy", str(p), "-b", "nano33ble", "-o", str(tmp_path / "c"), "--self-test"]) == 0
    assert (tmp_path / "c" / "arduino" / "hello_world_int8" / "hello_world_int8_selftest.h").exists()
