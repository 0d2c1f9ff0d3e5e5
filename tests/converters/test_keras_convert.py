"""Keras -> TFLite through TF's converter: every zoo template converts to int8, passes ``mcuml check``
and runs bit-exactly like the TFLM wheel; the CLI, SavedModels, float I/O and failure modes."""

from __future__ import annotations

import numpy as np
import pytest

from tests.oracle import differential

pytestmark = pytest.mark.tf
tf = pytest.importorskip("tensorflow")

from mcuml import load_model, zoo  # noqa: E402
from mcuml.check import check  # noqa: E402
from mcuml.convert.keras import convert_keras  # noqa: E402
from mcuml.errors import ConversionError, InputError  # noqa: E402
from mcuml.zoo.keras_build import init_batchnorm  # noqa: E402

# small but complete instances of every template (the 32x32 MobileNet keeps the test fast)
CASES = {
    "cnn": dict(width=0.5, depth=1),
    "resnet8": dict(width=0.5, depth=1),
    "mobilenet_v1": dict(input_shape=(32, 32, 3), width=0.25, depth=1),
    "ds_cnn": dict(width=0.5, depth=2),
    "imu_cnn": dict(width=0.5, depth=2),
    "autoencoder": dict(width=0.25, depth=2),
}
ALLOWED = {"CONV_2D", "DEPTHWISE_CONV_2D", "MAX_POOL_2D", "AVERAGE_POOL_2D", "FULLY_CONNECTED", "SOFTMAX",
           "RESHAPE", "ADD"}


def _keras(name: str, n: int = 48, classes: int = 5, seed: int = 0):
    arch = zoo.build(name, classes=classes, **CASES[name])
    model = zoo.to_keras(arch, seed=seed)
    x = np.random.default_rng(seed).standard_normal((n, *arch.input_shape)).astype(np.float32)
    init_batchnorm(model, x)
    return arch, model, x


@pytest.mark.parametrize("name", list(CASES))
def test_template_converts_checks_and_matches_tflm(name):
    arch, model, x = _keras(name)
    r = convert_keras(model, calibration=x, evaluate_samples=48)
    assert r.runs_on_tflm and not r.problems
    assert set(r.ops) <= ALLOWED, r.ops  # no SHAPE/STRIDED_SLICE/PACK chains, no MEAN
    m = load_model(r.tflite)
    assert check(m).runs_on_tflm
    (inp,), (out,) = m.main.inputs, m.main.outputs
    assert inp.dtype.name == "int8" and out.dtype.name == "int8" and inp.shape == (1, *arch.input_shape)
    rng = np.random.default_rng(1)
    for _ in range(2):
        xi = rng.integers(-128, 128, size=inp.shape, dtype=np.int8)
        differential(r.tflite, [xi])
    # calibration-like data too (the distribution the scales were fitted on)
    from mcuml.interp.interpreter import quantize_input

    differential(r.tflite, [quantize_input(x[:1].reshape(inp.shape), inp)])
    a = r.agreement
    assert a is not None and a.samples == 48
    if arch.classifier:
        assert a.metric == "top1" and a.top1_agreement >= 0.5
    else:
        assert a.metric == "relative_error" and a.top1_agreement is None
    assert a.relative_error < 0.5


def test_float_conversion_and_float_io(tmp_path):
    _, model, x = _keras("cnn", n=16)
    r = convert_keras(model, tmp_path / "f.tflite", quantize="float")
    m = load_model(tmp_path / "f.tflite")
    assert r.quantize == "float" and r.agreement is None and m.main.inputs[0].dtype.name == "float32"
    r = convert_keras(model, calibration=x, io="float")
    m = load_model(r.tflite)
    assert m.main.inputs[0].dtype.name == "float32" and "QUANTIZE" in r.ops and "DEQUANTIZE" in r.ops
    differential(r.tflite, [x[:1]])


def test_saved_model_and_keras_file(tmp_path):
    _, model, x = _keras("ds_cnn", n=16)
    model.save(tmp_path / "m.keras")
    model.export(str(tmp_path / "sm"), verbose=False)  # dynamic batch: re-traced with batch 1
    from mcuml.convert import convert
    from mcuml.convert.calibration import save_calibration

    cal = save_calibration(tmp_path / "cal.npz", x)
    a = convert(tmp_path / "m.keras", tmp_path / "a.tflite", calibration=cal)
    b = convert(tmp_path / "sm", tmp_path / "b.tflite", calibration=cal)
    assert (tmp_path / "a.tflite").exists() and (tmp_path / "b.tflite").exists()
    assert a.ops == b.ops and "SHAPE" not in b.ops
    assert a.agreement.top1_agreement == pytest.approx(b.agreement.top1_agreement)


def test_errors(tmp_path):
    _, model, x = _keras("cnn", n=8)
    with pytest.raises(InputError, match="calibration"):
        convert_keras(model)
    with pytest.raises(InputError, match="per-sample shape"):
        convert_keras(model, calibration=np.zeros((4, 8, 8, 3), np.float32))
    (tmp_path / "bad.keras").write_bytes(b"not a zip")
    with pytest.raises(ConversionError, match="cannot load"):
        convert_keras(tmp_path / "bad.keras", quantize="float")


def test_ops_tflm_lacks_fail_clearly():
    import keras

    inp = keras.Input((8,))
    model = keras.Model(inp, keras.layers.Dense(4, activation="gelu")(inp))
    with pytest.raises(ConversionError, match="TFLM cannot run.*GELU"):
        convert_keras(model, quantize="float")
    r = convert_keras(model, quantize="float", require_tflm=False)
    assert not r.runs_on_tflm and any(p.op == "GELU" for p in r.problems)


def test_cli_convert(tmp_path):
    from mcuml.cli import main

    _, model, x = _keras("imu_cnn", n=16)
    model.save(tmp_path / "imu.keras")
    np.savez(tmp_path / "cal.npz", input_0=x)
    out = tmp_path / "imu.tflite"
    assert main(["convert", str(tmp_path / "imu.keras"), "-o", str(out), "--calibration",
                 str(tmp_path / "cal.npz"), "-q"]) == 0
    assert check(out).runs_on_tflm
    assert main(["convert", str(tmp_path / "imu.keras"), "-o", str(out)]) == 2  # int8 without calibration
    assert main(["convert", str(tmp_path / "imu.keras"), "-o", str(out), "--float", "--method", "mse"]) == 2


def test_convert_is_quiet_reports_layers_and_warns_on_low_agreement(tmp_path, capfd):
    """Issue 16.4: no TensorFlow log lines on the terminal, a per-layer error, a warning below 90 % agreement."""
    from mcuml.cli import main
    from mcuml.convert.common import Agreement, accuracy_warning

    _, model, x = _keras("imu_cnn", n=16)
    model.save(tmp_path / "imu.keras")
    np.savez(tmp_path / "cal.npz", input_0=x)
    capfd.readouterr()
    assert main(["convert", str(tmp_path / "imu.keras"), "-o", str(tmp_path / "imu.tflite"), "--calibration",
                 str(tmp_path / "cal.npz")]) == 0
    cap = capfd.readouterr()
    # what TF's converter (C++/absl) and Keras print when let through, e.g. "fully_quantize: 0, inference_type: 6"
    markers = ("fully_quantize", "inference_type", "I0000", "W0000", "absl", "tensorflow/", "oneDNN", "1/1 ")
    noise = [ln for ln in (cap.out + cap.err).splitlines() if any(m in ln for m in markers)]
    assert not noise, noise
    assert all(ln.startswith("convert: ") for ln in cap.err.splitlines() if ln.strip()), cap.err
    assert "lowest SQNR layers: " in cap.out
    r = convert_keras(model, calibration=x)
    assert r.report is not None and len(r.report.layers) >= 4
    assert {"CONV_2D", "FULLY_CONNECTED"} <= {e.op for e in r.report.layers}
    assert all(e.sqnr_db > 10 for e in r.report.layers) and r.accuracy_warning is None
    low = Agreement(metric="top1", samples=100, top1_agreement=0.59, relative_error=0.4, max_abs_error=1.0)
    w = accuracy_warning(low, r.report)
    assert "59.0%" in w and "below 90%" in w and "lowest SQNR" in w
