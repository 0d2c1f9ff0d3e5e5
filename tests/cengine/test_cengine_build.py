"""Builds of the generated C: Cortex-M4 (-Werror, linked, sizes from the ELF), host UBSan, host DSP path.

The Cortex-M tests need ``arm-none-eabi-gcc`` (CI installs gcc-arm-none-eabi); without it they skip.
"""

import shutil
import subprocess
import sys

import numpy as np
import pytest
from oracle import assert_same, model_path, random_input, tflm_run

from mcuml.cengine import CEngine, generate

needs_arm = pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None, reason="arm-none-eabi-gcc not installed")

MLPERF = ["mlcommons_tiny/ad01_int8.tflite", "mlcommons_tiny/kws_ref_model.tflite",
          "mlcommons_tiny/pretrainedResnet_quant.tflite", "mlcommons_tiny/vww_96_int8.tflite"]
MANY_OPS = "tinyengine/detection.tflite"  # PAD, RESIZE_NEAREST_NEIGHBOR, MAX_POOL_2D, QUANTIZE, DEQUANTIZE, ADD...


@needs_arm
@pytest.mark.parametrize("opt", ["-Os", "-O2"])
@pytest.mark.parametrize("rel", ["mlcommons_tiny/kws_ref_model.tflite", MANY_OPS, "mlcommons_tiny/ad01_fp32.tflite"])
def test_cortex_m4_build_is_warning_free_and_links(rel, opt):
    from mcuml.cengine.cross import build_arm

    g = generate(model_path(rel), name="net")
    b = build_arm(g, opt)  # -Wall -Wextra -Werror: any warning raises
    assert b.warnings == ""
    assert b.sram_bytes >= g.arena_bytes
    assert b.flash_bytes >= g.const_bytes


@needs_arm
@pytest.mark.parametrize("rel", MLPERF)
def test_mlperf_tiny_memory_vs_tflm(rel):
    """Arena <= TFLM's greedy head; SRAM <= 0.75x TFLM's (arena + statics); flash <= TFLM's (model + runtime)."""
    from mcuml.cengine.api import fit_c

    r = fit_c(model_path(rel))
    assert r.arena_bytes <= r.tflm_arena_head_bytes
    assert r.sram_ratio <= 0.75, r
    assert r.flash_ratio <= 1.0, r


UBSAN_SCRIPT = """
import sys, numpy as np
sys.path.insert(0, {tests!r})
from oracle import assert_same, random_input, tflm_run
from mcuml.cengine import CEngine
e = CEngine({path!r}, sanitize=True)
rng = np.random.default_rng(0)
xs = [random_input(t.shape, np.dtype(t.dtype), rng) for t in e.generated.inputs]
for d, x in zip(e.get_input_details(), xs):
    e.set_tensor(d["index"], x)
e.invoke()
assert_same([e.get_tensor(d["index"]) for d in e.get_output_details()], tflm_run({path!r}, xs))
print("clean")
"""


@pytest.mark.parametrize("rel", ["mlcommons_tiny/kws_ref_model.tflite", "mlcommons_tiny/pretrainedResnet_quant.tflite",
                                 MANY_OPS, "tflite_micro/hello_world_float.tflite",
                                 "tflite_micro/keyword_scrambled_8bit.tflite"])
def test_host_ubsan_clean(rel):
    """-fsanitize=undefined -fno-sanitize-recover: any UB aborts the child process."""
    from pathlib import Path

    tests = str(Path(__file__).resolve().parents[1])
    code = UBSAN_SCRIPT.format(tests=tests, path=str(model_path(rel)))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, check=False)
    assert r.returncode == 0 and "clean" in r.stdout, r.stderr[-3000:]
    assert "runtime error" not in r.stderr


@pytest.mark.parametrize("rel", ["mlcommons_tiny/kws_ref_model.tflite", "tflite_micro/person_detect.tflite"])
def test_dsp_path_on_host_is_bit_exact(rel):
    """The __ARM_FEATURE_DSP kernels, compiled against portable definitions of the ACLE intrinsics."""
    path = model_path(rel)
    e = CEngine(path, dsp=True)
    rng = np.random.default_rng(3)
    xs = [random_input(t.shape, np.dtype(t.dtype), rng) for t in e.generated.inputs]
    for d, x in zip(e.get_input_details(), xs):
        e.set_tensor(d["index"], x)
    e.invoke()
    assert_same([e.get_tensor(d["index"]) for d in e.get_output_details()], tflm_run(path, xs))


def test_interpreter_engine_c_delegates():
    from mcuml import Interpreter

    path = model_path("tflite_micro/hello_world_int8.tflite")
    it = Interpreter(path, engine="c")
    assert isinstance(it, CEngine)
    x = np.arange(-64, 64, 8, dtype=np.int8).reshape(16, 1)
    got = it.run(x)[0]
    for i in range(16):
        assert_same([got[i]], tflm_run(path, [x[i].reshape(1, 1)]))


@needs_arm
def test_deploy_engine_c_writes_library_and_report_section(tmp_path):
    from mcuml.deploy import deploy

    r = deploy(model_path("mlcommons_tiny/kws_ref_model.tflite"), "nano33ble", tmp_path, engine="c")
    assert any(f.endswith("c_engine/lib/kws_ref_model.c") for f in r.files)
    assert any(f.endswith(".ino") and "c_engine" in f for f in r.files)
    assert "TFLM vs C engine" in (tmp_path / "report.html").read_text()
