"""``mcuml design`` and the zoo's TF-free IR back end; the TF-marked tests convert the chosen design
for real and check it fits, and that the IR graph matches what TF's converter emits."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from mcuml import zoo
from mcuml.check import check
from mcuml.design import design, parse_shape
from mcuml.errors import InputError


@pytest.fixture(scope="module")
def nano_image():
    return design("nano33ble", "image", "32x32x3", 10)


def test_candidates_fit_the_board_best_first(nano_image):
    r = nano_image
    assert r.candidates and r.rejected  # the grid reaches past the Nano's 1 MB / 256 KB
    for c in r.candidates:
        assert c.fits and c.flash_bytes <= c.flash_capacity == 1024 * 1024
        assert c.sram_bytes <= c.sram_capacity == 256 * 1024 and not c.reasons
    assert r.max_latency_ms == 1000.0  # the default budget (issue 16.4)
    for c in r.rejected:
        assert c.reasons and not (c.fits and c.meets_latency)
    assert all(c.latency_ms <= 1000.0 for c in r.candidates)
    macs = [c.macs for c in r.candidates]
    assert macs == sorted(macs, reverse=True)
    assert {c.template for c in r.candidates} == {"cnn", "resnet8", "mobilenet_v1"}
    assert r.input_shape == (32, 32, 3)


def test_latency_limit_and_preferences():
    r = design("nano33ble", "image", "32x32x3", 10, max_latency_ms=150)
    assert r.candidates and all(c.latency_ms <= 150 for c in r.candidates)
    assert any("latency" in reason for c in r.rejected for reason in c.reasons)
    fast = design("nano33ble", "image", "32x32x3", 10, prefer="latency", templates=["cnn"])
    lat = [c.latency_ms for c in fast.candidates]
    assert lat == sorted(lat)
    assert design("nano33ble", "image", "32x32x3", max_latency_ms=0.001).candidates == ()


@pytest.mark.parametrize("task", ["audio", "imu", "anomaly"])
def test_other_tasks(task):
    r = design("nano33ble", task)
    assert r.candidates and all(c.template in zoo.TEMPLATES for c in r.candidates)
    assert all(zoo.TEMPLATES[c.template].task == task for c in r.candidates)


def test_bigger_board_fits_more(nano_image):
    small = design("nano33ble", "image", "32x32x3", templates=["resnet8"])
    assert len(small.candidates) <= len([c for c in nano_image.candidates if c.template == "resnet8"]) + 0
    # a board with less SRAM than the Nano 33 BLE rejects more
    from mcuml.boards import list_boards

    tiny = min(list_boards(), key=lambda b: b.sram_bytes)
    if tiny.sram_bytes < 256 * 1024:
        t = design(tiny.id, "image", "32x32x3", templates=["resnet8"])
        assert len(t.candidates) < len(small.candidates)


@pytest.mark.parametrize("name", list(zoo.TEMPLATES))
def test_ir_graph_checks_and_runs(name):
    arch = zoo.build(name, width=0.5, depth=zoo.TEMPLATES[name].depths[0],
                     input_shape=(32, 32, 3) if name == "mobilenet_v1" else None)
    model = zoo.to_ir(arch)
    assert check(model).runs_on_tflm
    from mcuml.interp.interpreter import Interpreter

    it = Interpreter(model=model)
    (y,) = it.run(np.zeros((2, *model.main.inputs[0].shape[1:]), np.int8))
    assert y.shape[0] == 2
    f = zoo.to_ir(arch, io="float")
    assert f.main.inputs[0].dtype.name == "float32" and f.main.operators[0].name == "QUANTIZE"


def test_build_errors_and_shapes():
    assert parse_shape("32x32x3") == (32, 32, 3) and parse_shape("640") == (640,)
    for bad in ("32xx", "a", "0x3"):
        with pytest.raises(InputError):
            parse_shape(bad)
    with pytest.raises(InputError, match="unknown task"):
        design("nano33ble", "video")
    with pytest.raises(InputError, match="unknown template"):
        zoo.build("vgg")
    with pytest.raises(InputError, match="height x width x channels"):
        zoo.build("cnn", input_shape=(32, 32))
    with pytest.raises(InputError, match="too small"):
        zoo.build("imu_cnn", input_shape=(8, 3), depth=4)  # four 2x pools empty an 8-step window
    with pytest.raises(InputError, match="not for task"):
        design("nano33ble", "audio", templates=["cnn"])


def test_cli_design_json_and_exit_codes():
    from mcuml.cli import main

    code = subprocess.run([sys.executable, "-m", "mcuml", "design", "-b", "nano33ble", "--task", "image",
                           "--input", "32x32x3", "--json"], capture_output=True, text=True)
    assert code.returncode == 0, code.stderr
    data = json.loads(code.stdout)
    assert data["schema_version"] == 1 and data["candidates"][0]["fits"]
    assert main(["design", "-b", "nano33ble", "--task", "image", "--max-latency-ms", "0.001"]) == 1
    assert main(["design", "-b", "nosuchboard", "--task", "image"]) == 2


def test_design_does_not_import_tensorflow():
    code = ("import sys, mcuml.design, mcuml.zoo, mcuml.cli.design, mcuml.cli.train, mcuml.cli.convert, "
            "mcuml.convert, mcuml.train\n"
            "mcuml.design.design('nano33ble', 'imu', templates=['imu_cnn'], widths=[1], depths=[2])\n"
            "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules, 'TF imported'\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


# -- with TensorFlow ---------------------------------------------------------------------------------

def _convert(arch, n=32):
    pytest.importorskip("tensorflow")
    from mcuml.convert.keras import convert_keras
    from mcuml.zoo.keras_build import init_batchnorm

    model = zoo.to_keras(arch)
    x = np.random.default_rng(0).standard_normal((n, *arch.input_shape)).astype(np.float32)
    init_batchnorm(model, x)
    return convert_keras(model, calibration=x, evaluate_samples=8)


@pytest.mark.tf
def test_chosen_design_fits_after_conversion():
    from mcuml.fit import fit

    r = design("nano33ble", "image", "32x32x3", 10, max_latency_ms=400)
    best = r.best
    arch = zoo.build(best.template, input_shape=(32, 32, 3), classes=10, width=best.width, depth=best.depth)
    conv = _convert(arch)
    f = fit(conv.tflite, "nano33ble")
    assert f.fits
    # the estimate is what the converted model needs, slightly conservative on flash
    assert conv.size_bytes <= best.model_bytes <= conv.size_bytes * 1.06
    assert abs(f.ram.arena_bytes - best.arena_bytes) <= 64
    assert f.flash.total_bytes <= best.flash_bytes


@pytest.mark.tf
@pytest.mark.parametrize("name", ["resnet8", "ds_cnn"])
def test_ir_graph_matches_converter(name):
    from mcuml.plan.arena import predict_arena
    from mcuml.tflite.reader import load_model

    arch = zoo.build(name, width=0.5, depth=zoo.TEMPLATES[name].depths[0])
    conv = load_model(_convert(arch).tflite)
    ir = zoo.to_ir(arch)
    assert [op.name for op in ir.main.operators] == [op.name for op in conv.main.operators]
    for a, b in zip(ir.main.operators, conv.main.operators):
        assert [t.shape for t in a.outputs] == [t.shape for t in b.outputs]
        assert [len(t.quantization.scale) for t in a.inputs[1:2] if t is not None and t.quantization] == \
            [len(t.quantization.scale) for t in b.inputs[1:2] if t is not None and t.quantization]
    # the converter's buffers also hold ~100 B of metadata (min_runtime_version, CONVERSION_METADATA)
    assert sum(len(x.data) for x in ir.buffers) == pytest.approx(sum(len(x.data) for x in conv.buffers), abs=256)
    assert abs(predict_arena(ir, target="cortex-m").arena_bytes -
               predict_arena(conv, target="cortex-m").arena_bytes) <= 64
