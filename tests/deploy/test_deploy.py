"""``mcuml deploy`` / ``report`` / ``demo``: files, exit codes, and the report in a real browser."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from mcuml.cli import main
from mcuml.examples import example_model_bytes
from mcuml.report.browser import chromium, load_page
from oracle import model_path, unavailable


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    out = tmp_path_factory.mktemp("deploy")
    model = out / "example.tflite"
    model.write_bytes(example_model_bytes())
    from mcuml.deploy import deploy

    return deploy(model, "nano33ble", out / "dep", kernels="cmsis-nn"), out / "dep"


def test_deploy_writes_everything(deployed):
    r, out = deployed
    assert r.ok and r.runs_on_tflm and r.fits
    names = {p.split("/")[-1] for p in r.files}
    assert {"report.html", "example.h", "example.cc", "example.ino"} <= names
    assert r.arena_bytes <= r.baseline_arena_bytes
    assert 0 < r.latency_ms < 10_000 and r.energy_mj > 0
    html = (out / "report.html").read_text()
    for number in (f"{r.recommended_arena_bytes:,}", f"{r.latency_ms:,.2f}"):
        assert number in html


def test_deploy_json_and_exit_codes(tmp_path, capsys):
    model = tmp_path / "m.tflite"
    model.write_bytes(example_model_bytes())
    assert main(["deploy", str(model), "--board", "nano33ble", "-o", str(tmp_path / "o"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is True and data["board"] == "nano33ble"
    assert main(["deploy", str(model), "--board", "no-such-board", "-o", str(tmp_path / "x")]) == 2


def test_deploy_model_that_does_not_fit_exits_1_and_says_by_how_much(tmp_path, capsys):
    p = model_path("tflite_micro/mobilenet_v2_quantized_1x3x224x224.tflite")
    assert main(["deploy", str(p), "--board", "nano33ble", "-o", str(tmp_path), "--no-optimize"]) == 1
    out = capsys.readouterr().out
    assert re.search(r"flash \(Arduino mbed core\): needs [\d,]+ B of [\d,]+ B \([\d,]+ B over\)", out)
    assert re.search(r"SRAM \(Arduino mbed core\): needs [\d,]+ B of [\d,]+ B \([\d,]+ B over\)", out)


def test_deploy_optimizes_and_the_deployed_model_runs_in_tflm(tmp_path):
    """A model where mcuml's plan beats TFLM's greedy planner: the optimized .tflite runs in the TFLM wheel
    with the smaller arena and gives the original model's outputs."""
    from mcuml import load_model
    from mcuml.plan.arena import predict_arena
    from mcuml.deploy import deploy
    from mcuml.runner import random_inputs
    from oracle import tflm_run

    p = model_path("wake_vision/wv_quality_micronets_vww4_128_128_INT8.tflite")
    r = deploy(p, "nano33ble", tmp_path, kernels="reference")
    assert r.optimized and r.arena_bytes < r.baseline_arena_bytes
    opt = next(f for f in r.files if f.endswith("_optimized.tflite"))
    xs = random_inputs(load_model(p), seed=0)
    host_arena = predict_arena(load_model(opt), target="host").arena_bytes
    assert all(np.array_equal(a, b) for a, b in zip(tflm_run(opt, xs, arena_size=host_arena), tflm_run(p, xs)))


@pytest.fixture
def browser() -> str:
    exe = chromium()
    if exe is None:
        unavailable("chromium not installed (apt-get install chromium)")
    return exe


def test_request_detector_sees_a_page_request(browser, tmp_path):
    page = tmp_path / "p.html"
    page.write_text('<html><body><img src="http://127.0.0.1:9/x.png"><p>x</p></body></html>')
    assert load_page(page, tmp_path / "s.png").page_requests == ("http://127.0.0.1:9/x.png",)


def test_report_in_headless_chromium(browser, deployed, tmp_path):
    r, out = deployed
    report = out / "report.html"
    html = report.read_text()
    assert "<script" not in html and "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html and "@import" not in html and "url(" not in html
    shot = tmp_path / "shot.png"
    page = load_page(report, shot)
    assert not page.console_errors, page.console_errors
    assert not page.page_requests, "the report made network requests"
    from PIL import Image  # noqa: PLC0415 - pillow comes with matplotlib (dev extra)

    img = np.asarray(Image.open(shot).convert("L"))
    assert img.std() > 10 and (img < 128).mean() > 0.01, "screenshot looks blank"


def test_report_command(tmp_path, capsys):
    model = tmp_path / "m.tflite"
    model.write_bytes(example_model_bytes())
    assert main(["report", str(model), "--board", "nano33ble", "-o", str(tmp_path / "r.html")]) == 0
    assert (tmp_path / "r.html").read_text().startswith("<!DOCTYPE html>")


def test_demo_runs(tmp_path, capsys):
    assert main(["demo", "-o", str(tmp_path / "demo")]) == 0
    assert (tmp_path / "demo" / "report.html").exists()
    assert "report:" in capsys.readouterr().out
