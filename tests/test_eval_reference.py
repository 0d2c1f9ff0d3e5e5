"""``mcuml eval --reference`` with a Keras and an ONNX float model (the models the int8 .tflite was made from)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mcuml.evaluation import evaluate


@pytest.mark.tf
def test_keras_reference(tmp_path):
    pytest.importorskip("tensorflow")
    from mcuml import zoo
    from mcuml.convert.keras import convert_keras
    from mcuml.zoo.keras_build import init_batchnorm

    arch = zoo.build("cnn", classes=4, width=0.5, depth=1)
    km = zoo.to_keras(arch, seed=0)
    x = np.random.default_rng(0).uniform(0, 1, (40, *arch.input_shape)).astype(np.float32)
    init_batchnorm(km, x)
    km.save(tmp_path / "m.keras")
    convert_keras(km, tmp_path / "m.tflite", calibration=x, evaluate_samples=8)
    y = np.argmax(km.predict(x, verbose=0), axis=1)  # labels = the float model's own predictions
    np.savez(tmp_path / "d.npz", x=x, y=y)
    r = evaluate(tmp_path / "m.tflite", tmp_path / "d.npz", reference=tmp_path / "m.keras", layer_samples=4)
    assert r.reference_kind == "keras" and r.reference_top1 == 1.0 and r.agreement_top1 == r.top1
    ops = {e.op for e in r.layers}
    assert {"CONV_2D", "MAX_POOL_2D", "FULLY_CONNECTED", "SOFTMAX"} <= ops and len(r.layers) >= 8
    assert all(math.isfinite(e.sqnr_db) and e.sqnr_db > 5 and e.matched_by == "name" for e in r.layers)


@pytest.mark.onnx
@pytest.mark.torch
def test_onnx_reference_nchw(tmp_path):
    torch = pytest.importorskip("torch")
    pytest.importorskip("onnxruntime")
    from mcuml.convert.onnx import convert_onnx
    from mcuml.convert.torch import export_onnx

    nn = torch.nn
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(8, 8, 3, padding=1),
                        nn.ReLU(), nn.Flatten(), nn.Linear(8 * 8 * 8, 5), nn.Softmax(dim=1)).eval()
    (tmp_path / "m.onnx").write_bytes(export_onnx(net, torch.zeros((1, 3, 16, 16))))
    cal = np.random.default_rng(0).standard_normal((48, 3, 16, 16)).astype(np.float32)
    convert_onnx(str(tmp_path / "m.onnx"), tmp_path / "m.tflite", calibration=cal, evaluate_samples=8)
    with torch.no_grad():
        y = net(torch.from_numpy(cal)).numpy().argmax(1)
    np.savez(tmp_path / "d.npz", x=cal.transpose(0, 2, 3, 1), y=y)  # the int8 model is NHWC
    r = evaluate(tmp_path / "m.tflite", tmp_path / "d.npz", reference=tmp_path / "m.onnx", layer_samples=4)
    assert r.reference_kind == "onnx" and r.reference_top1 == 1.0 and r.agreement_top1 == r.top1 > 0.8
    assert r.output_sqnr_db > 15 and len(r.layers) >= 5 and all(e.sqnr_db > 5 and e.matched_by == "name" for e in r.layers)
