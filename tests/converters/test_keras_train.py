"""``mcuml train``: dataset loading (no TF) and the full digits run (TF): accuracy, int8 within 2 points,
files written, under 2 minutes."""

from __future__ import annotations

import json
import pickle
import time

import numpy as np
import pytest

from mcuml.errors import InputError
from mcuml.train import digits_images, load_cifar10


def _fake_cifar(root, n=6):
    d = root / "cifar-10-batches-py"
    d.mkdir()
    rng = np.random.default_rng(0)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        data = rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)
        with open(d / name, "wb") as f:
            pickle.dump({b"data": data, b"labels": list(rng.integers(0, 10, n))}, f)
    return d


def test_cifar10_loader_layout(tmp_path):
    d = _fake_cifar(tmp_path)
    ds = load_cifar10(tmp_path)
    assert ds.x_train.shape == (30, 32, 32, 3) and ds.x_test.shape == (6, 32, 32, 3)
    assert ds.x_train.dtype == np.float32 and 0 <= ds.x_train.min() and ds.x_train.max() <= 1
    with open(d / "test_batch", "rb") as f:
        raw = pickle.load(f, encoding="bytes")[b"data"][0]
    # CIFAR rows are channel-major (1024 R, 1024 G, 1024 B): pixel (0, 1) green is raw[1024 + 1]
    assert ds.x_test[0, 0, 1, 1] == pytest.approx(raw[1024 + 1] / 255)
    assert load_cifar10(d).x_train.shape == ds.x_train.shape  # the batches folder itself works too


def test_cifar10_missing_says_where_to_get_it(tmp_path):
    from mcuml.cli import main

    with pytest.raises(InputError) as e:
        load_cifar10(tmp_path)
    assert "cifar-10-python.tar.gz" in e.value.hint and "never downloads" in e.value.hint
    with pytest.raises(InputError, match="--data-dir"):
        load_cifar10(None)
    assert main(["train", "cifar10", "-o", str(tmp_path / "out"), "-q"]) == 2


def test_digits_images():
    x = digits_images(np.arange(64).reshape(1, 8, 8) % 17)
    assert x.shape == (1, 32, 32, 3) and x.dtype == np.float32
    assert x[0, 4, 0, 0] == pytest.approx(8 / 16) and np.array_equal(x[..., 0], x[..., 2])


@pytest.mark.tf
def test_train_digits_end_to_end(tmp_path):
    pytest.importorskip("tensorflow")
    pytest.importorskip("sklearn")
    from mcuml.check import check
    from mcuml.cli import main
    from tests.oracle import differential

    t0 = time.perf_counter()
    assert main(["train", "digits", "-o", str(tmp_path), "--name", "digits", "-q", "--json"]) == 0
    elapsed = time.perf_counter() - t0
    s = json.loads((tmp_path / "summary.json").read_text())
    assert s["dataset"] == "digits" and s["test_samples"] == 355 and s["epochs"] == 10
    assert s["float_accuracy"] >= 0.93, s
    assert abs(s["int8_accuracy"] - s["float_accuracy"]) <= 0.02, s
    assert elapsed < 120, f"took {elapsed:.0f} s"
    for f in ("digits.tflite", "digits.keras", "digits_data.h", "digits_data.cc", "summary.json"):
        assert (tmp_path / f).is_file(), f
    tfl = (tmp_path / "digits.tflite").read_bytes()
    assert check(tfl).runs_on_tflm and len(tfl) == s["tflite_bytes"]
    assert "digits_data[]" in (tmp_path / "digits_data.cc").read_text()
    x = np.random.default_rng(0).integers(-128, 128, size=(1, 32, 32, 3), dtype=np.int8)
    differential(tfl, [x])


def test_bundled_example_model():
    from mcuml import load_model
    from mcuml.check import check
    from mcuml.examples import example_model_bytes
    from tests.oracle import differential

    data = example_model_bytes()
    m = load_model(data)
    assert len(data) < 100_000 and check(m).runs_on_tflm
    (inp,), (out,) = m.main.inputs, m.main.outputs
    assert inp.shape == (1, 32, 32, 3) and inp.dtype.name == "int8" and out.shape == (1, 10)
    assert out.dtype.name == "int8"
    assert {op.name for op in m.main.operators} <= {"CONV_2D", "DEPTHWISE_CONV_2D", "MAX_POOL_2D",
                                                     "FULLY_CONNECTED", "SOFTMAX", "RESHAPE"}
    x = np.random.default_rng(0).integers(-128, 128, size=(1, 32, 32, 3), dtype=np.int8)
    differential(data, [x])


def test_bundled_example_reads_digits():
    """It is the trained model (not the random-weight fallback): it classifies the digits test split."""
    pytest.importorskip("sklearn")
    from mcuml.convert.keras import run_float_io
    from mcuml.examples import example_model_bytes
    from mcuml.tflite.reader import load_model
    from mcuml.train import load_digits

    ds = load_digits()
    (y,) = run_float_io(load_model(example_model_bytes()), [ds.x_test])
    assert np.mean(np.argmax(y, axis=1) == ds.y_test) >= 0.95
