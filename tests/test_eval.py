"""``mcuml eval`` / ``mcuml.evaluate``: accuracy as the board computes it, confusion matrix, float reference."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

import mcuml
from mcuml.cli import main
from mcuml.evaluation import evaluate
from mcuml.evaluate_metrics import classify, regress
from mcuml.report.browser import chromium, load_page
from oracle import model_path

EXAMPLE = str(Path(mcuml.__file__).parent / "data" / "example_cnn.tflite")
AD_INT8, AD_FP32 = "mlcommons_tiny/ad01_int8.tflite", "mlcommons_tiny/ad01_fp32.tflite"
VWW_INT8, VWW_FP32 = "mlcommons_tiny/vww_96_int8.tflite", "mlcommons_tiny/vww_96_float.tflite"


def test_example_accuracy_equals_train_int8_figure(capsys):
    """The bundled example on the digits test split: the figure `mcuml train` computes (and data/README.md states)."""
    pytest.importorskip("sklearn")
    from mcuml.convert.common import run_float_io
    from mcuml.tflite.reader import load_model
    from mcuml.train import load_digits

    d = load_digits(0)  # train's split (seed 0), as `mcuml train digits --seed 0` made the example
    (q,) = run_float_io(load_model(EXAMPLE), [d.x_test])  # train.py's int8 evaluation
    train_figure = float(np.mean(np.argmax(q.reshape(len(q), -1), axis=1) == d.y_test))
    r = evaluate(EXAMPLE, "digits")
    assert r.samples == len(d.y_test) == 355
    assert r.top1 == train_figure
    assert round(r.top1 * 100, 2) == 96.06  # src/mcuml/data/README.md
    assert sum(map(sum, r.confusion)) == 355 and sum(r.confusion[i][i] for i in range(10)) == round(r.top1 * 355)
    assert r.input_quantization == pytest.approx((1 / 255, -128))
    assert main(["eval", EXAMPLE, "--data", "digits", "--json"]) == 0  # the CLI, same figure
    assert json.loads(capsys.readouterr().out)["top1"] == train_figure


def _digit_like(n: int = 60, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.uniform(0, 1, (n, 32, 32, 3)).astype(np.float32), rng.integers(0, 10, n)


def test_cli_npz_json_and_keys(tmp_path, capsys):
    x, y = _digit_like()
    np.savez(tmp_path / "xy.npz", x=x, y=y)
    np.savez(tmp_path / "in.npz", input_0=x[:, None], labels=y)  # (N, 1, 32, 32, 3) with the batch dim kept
    steps = []
    lib = evaluate(EXAMPLE, str(tmp_path / "xy.npz"), top_k=3, progress=lambda done, total: steps.append((done, total)))
    assert steps[-1] == (60, 60)
    assert main(["eval", EXAMPLE, "--data", str(tmp_path / "in.npz"), "--top-k", "3", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["top1"] == lib.top1 and data["top_k"] == 3 and data["top_k_accuracy"] == lib.top_k_accuracy
    assert data["task"] == "classification" and len(data["confusion"]) == 10 and len(data["per_class"]) == 10
    # the same samples by hand: quantize with the input's parameters, batched run(), argmax
    from mcuml.interp.interpreter import Interpreter, quantize_input

    it = Interpreter(model_path=EXAMPLE)
    (out,) = it.run(quantize_input(x, it.model.main.inputs[0]))
    assert lib.top1 == float(np.mean(np.argmax(out.reshape(len(x), -1), 1) == y))


def test_image_folder_equals_npz(tmp_path):
    from PIL import Image

    x, y = _digit_like(20, seed=3)
    pix = np.round(x * 255).astype(np.uint8)
    for i, (img, label) in enumerate(zip(pix, y)):
        (tmp_path / "imgs" / f"c{label}").mkdir(parents=True, exist_ok=True)
        Image.fromarray(img[:16, :16]).resize((64, 64)).save(tmp_path / "imgs" / f"c{label}" / f"{i}.png")
    r = evaluate(EXAMPLE, str(tmp_path / "imgs"))
    assert r.samples == 20 and r.pixel_range == "unit"  # input scale 1/255, zero point -128 covers [0, 1]
    folders = tuple(sorted(f"c{v}" for v in set(y.tolist())))
    assert r.classes[:len(folders)] == folders  # then the model's classes that have no folder, by index
    # the same pictures by hand: sorted folders, sorted files, resized with Pillow, pixels / 255
    xs, ys = [], []
    for k, f in enumerate(folders):
        for png in sorted((tmp_path / "imgs" / f).iterdir()):
            xs.append(np.asarray(Image.open(png).convert("RGB").resize((32, 32), Image.BILINEAR), np.float32) / 255)
            ys.append(k)
    np.savez(tmp_path / "same.npz", x=np.stack(xs), y=np.array(ys))
    r2 = evaluate(EXAMPLE, str(tmp_path / "same.npz"))
    assert r2.top1 == r.top1 and r2.confusion[:len(folders)] == r.confusion[:len(folders)]
    assert main(["eval", EXAMPLE, "--data", str(tmp_path / "nothing")]) == 2


def test_metrics_by_hand():
    s = np.array([[0.9, 0.1, 0.0], [0.2, 0.7, 0.1], [0.1, 0.5, 0.4], [0.3, 0.3, 0.4]])
    c = classify(s, np.array([0, 1, 2, 2]), ("a", "b", "c"), top_k=2)
    assert c.top1 == 0.75 and c.top_k_accuracy == 1.0 and c.confusion == ((1, 0, 0), (0, 1, 0), (0, 1, 1))
    b, cc = c.per_class[1], c.per_class[2]
    assert (b.precision, b.recall) == (0.5, 1.0) and (cc.precision, cc.recall) == (1.0, 0.5)
    r = regress(np.array([1.0, 2.0, 4.0]), np.array([1.0, 3.0, 3.0]))
    assert r.mae == pytest.approx(2 / 3) and r.rmse == pytest.approx(math.sqrt(2 / 3))
    assert r.r2 == pytest.approx(1 - 2 / (8 / 3))
    from mcuml.evaluate_metrics import scores

    assert scores(np.array([[0.2], [0.7]])).argmax(1).tolist() == [0, 1]  # sigmoid probabilities: 0.5
    assert scores(np.array([[-0.2], [0.3], [1.5]])).argmax(1).tolist() == [0, 1, 1]  # logits: 0


def test_regression_with_float_tflite_reference(tmp_path, capsys):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((24, 640)).astype(np.float32)
    np.savez(tmp_path / "ad.npz", x=x, y=x)  # an autoencoder: the target is the input
    args = ["eval", str(model_path(AD_INT8)), "--data", str(tmp_path / "ad.npz"), "--reference",
            str(model_path(AD_FP32)), "--layer-samples", "8", "--json"]
    assert main(args) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["task"] == "regression" and d["mae"] > 0 and d["rmse"] >= d["mae"]
    layers = d["layers"]
    assert len(layers) == 10 and {e["matched_by"] for e in layers} == {"name"}  # every FULLY_CONNECTED output
    dbs = [e["sqnr_db"] for e in layers]
    assert dbs == sorted(dbs) and all(0 < v < 60 for v in dbs)  # worst first; int8 is neither exact nor noise
    assert d["layer_samples"] == 8 and d["output_sqnr_db"] > 10
    np.savez(tmp_path / "x.npz", x=x)  # no labels: outputs and the float agreement only
    r = evaluate(model_path(AD_INT8), tmp_path / "x.npz", reference=model_path(AD_FP32), layer_samples=2)
    assert r.task == "outputs" and r.top1 is None and r.mae is None and r.output_sqnr_db == d["output_sqnr_db"]


def test_classifier_reference_text_lists_sqnr(tmp_path, capsys):
    rng = np.random.default_rng(1)
    np.savez(tmp_path / "v.npz", x=rng.uniform(0, 1, (12, 96, 96, 3)).astype(np.float32), y=rng.integers(0, 2, 12))
    assert main(["eval", str(model_path(VWW_INT8)), "--data", str(tmp_path / "v.npz"), "--reference",
                 str(model_path(VWW_FP32)), "--layer-samples", "2"]) == 0
    out = capsys.readouterr().out
    assert "agreement with float" in out and "quantization error per layer" in out and " dB " in out
    r = evaluate(str(model_path(VWW_INT8)), str(tmp_path / "v.npz"), reference=str(model_path(VWW_FP32)),
                 layer_samples=2)
    assert len(r.layers) == 31 and r.agreement_top1 is not None and r.layers[0].sqnr_db <= r.layers[-1].sqnr_db


@pytest.mark.skipif(chromium() is None, reason="chromium not installed")
def test_confusion_matrix_renders_in_headless_chromium(tmp_path):
    x, y = _digit_like(80, seed=5)
    np.savez(tmp_path / "d.npz", x=x, y=y)
    html = tmp_path / "eval.html"
    assert main(["eval", EXAMPLE, "--data", str(tmp_path / "d.npz"), "--html", str(html)]) == 0
    text = html.read_text()
    assert "<svg" in text and "confusion matrix" in text and "<script" not in text
    page = load_page(html, tmp_path / "shot.png", width=900, height=900)
    assert page.page_requests == () and page.console_errors == ()
    import matplotlib.image as mpimg

    img = (mpimg.imread(tmp_path / "shot.png")[..., :3] * 255).round().astype(int)
    # the SVG's cells were painted: both the correct (blue) and the confused (red) hues are on the screenshot
    r, b = img[..., 0], img[..., 2]
    blue, red = int(np.sum(b - r > 25)), int(np.sum(r - b > 25))
    assert blue > 100 and red > 100


@pytest.mark.parametrize("rel,want", [("wake_vision/wv_quality_samy.tflite", "byte"),  # uint8, scale 1
                                      ("tflite_micro/person_detect.tflite", "signed"),  # scale 1/127.5, zp -1
                                      ("mlcommons_tiny/vww_96_int8.tflite", "unit")])  # scale 1/255, zp -128
def test_pixel_range_follows_input_quantization(rel, want):
    from mcuml.evaluate_data import resolve_pixel_range
    from mcuml.tflite.reader import load_model

    assert resolve_pixel_range(load_model(model_path(rel)).main.inputs[0], "auto") == want
