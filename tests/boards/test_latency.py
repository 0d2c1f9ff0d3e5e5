"""Latency model: coefficients behave (depthwise dearer per MAC, CMSIS-NN faster), and match the calibration."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mcuml.profile.features import LayerFeatures
from mcuml.profile.latency import coefficients, core_classes, estimate_layer, family_terms, normalize_kernels
from oracle import SHARED, shared_path

ROOT = Path(__file__).resolve().parents[2]
CAL = SHARED / "calibration" / "cortexm4_tflm_dev.json"  # shared_path() fails in CI when it is absent


def _conv(macs_scale: int = 1, op: str = "CONV_2D", in_ch: int = 32, kh: int = 1) -> LayerFeatures:
    out_ch = 32 if op == "CONV_2D" else in_ch
    pixels = 24 * 24 * macs_scale
    macs = pixels * out_ch * kh * kh * (in_ch if op == "CONV_2D" else 1)
    return LayerFeatures(op=op, dtype="int8", out_dtype="int8", macs=macs, in_elems=pixels * in_ch,
                         out_elems=pixels * out_ch, param_bytes=0, in_ch=in_ch, out_ch=out_ch, kh=kh, kw=kh,
                         out_pixels=pixels)


@pytest.mark.parametrize("kernels", ["reference", "cmsis-nn"])
def test_depthwise_costs_more_per_mac_than_conv(kernels):
    conv = _conv(kh=3)
    dw = _conv(op="DEPTHWISE_CONV_2D", kh=3, in_ch=256)
    c = estimate_layer(conv, kernels).cycles_m4 / conv.macs
    d = estimate_layer(dw, kernels).cycles_m4 / dw.macs
    assert d > 1.5 * c


def test_cmsis_faster_than_reference_for_int8_conv_and_monotonic():
    for f in (_conv(), _conv(kh=3), _conv(op="DEPTHWISE_CONV_2D", kh=3)):
        assert estimate_layer(f, "cmsis-nn").cycles_m4 < estimate_layer(f, "reference").cycles_m4
    small, big = _conv(1), _conv(4)
    for k in ("reference", "cmsis-nn"):
        assert estimate_layer(big, k).cycles_m4 > 3 * estimate_layer(small, k).cycles_m4


def test_channels_not_multiple_of_4_cost_more_with_cmsis():
    even, odd = _conv(in_ch=32, kh=3), _conv(in_ch=31, kh=3)
    per_mac = [estimate_layer(f, "cmsis-nn").cycles_m4 / f.macs for f in (even, odd)]
    assert per_mac[1] > per_mac[0]


def test_unknown_op_uses_generic_fallback():
    f = LayerFeatures(op="SOMETHING_NEW", dtype="int8", out_dtype="int8", macs=0, in_elems=1000, out_elems=1000,
                      param_bytes=0)
    est = estimate_layer(f, "reference")
    assert est.group == "eltwise/int8" and est.cycles_m4 > 0


def test_coefficients_file_is_complete():
    c = coefficients()
    for k in ("reference", "cmsis-nn"):
        groups = c["kernels"][k]["groups"]
        for key in ("CONV_2D/int8", "DEPTHWISE_CONV_2D/int8", "FULLY_CONNECTED/int8", "eltwise/*", "conv/*"):
            g = groups[key]
            assert len(g["terms"]) == len(g["coef"]) and all(x >= 0 for x in g["coef"])
        assert c["meta"]["errors"][k]["whole_model_lomo_median_abs_error"] <= 0.15
    assert set(core_classes()) >= {"cortex-m0+", "cortex-m4", "cortex-m7", "cortex-m33", "xtensa-lx6", "xtensa-lx7"}
    assert family_terms("CONV_2D")[0] == "const"
    assert normalize_kernels("CMSIS_NN") == "cmsis-nn" and normalize_kernels("ref") == "reference"


def test_profile_totals_match_calibration_for_person_detect():
    shared_path("calibration/cortexm4_tflm_dev.json")
    from mcuml.profile import profile
    from oracle import model_path

    cal = {m["file"]: m for m in json.loads(CAL.read_text())["models"]}["tflite_micro/person_detect.tflite"]
    for kernels, key in (("reference", "ref"), ("cmsis-nn", "cmsis")):
        r = profile(model_path("tflite_micro/person_detect.tflite"), "nano33ble", kernels)
        meas = cal["totals"][key]["invoke_cycles_excl_harness"]
        assert abs(r.total_cycles / meas - 1) < 0.1
        per_layer = [abs(lp.cycles / p[f"cycles_{key}"] - 1) for lp, p in zip(r.layers, cal["per_op"])]
        assert statistics.median(per_layer) < 0.15


@pytest.mark.slow
def test_calibration_script_reproduces_coefficients_and_meets_lomo_target(tmp_path):
    shared_path("calibration/cortexm4_tflm_dev.json")
    out = subprocess.run([sys.executable, str(ROOT / "tools" / "calibrate_latency.py"), "--quiet"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "LOMO median" in out.stdout
    meds = [float(line.split("LOMO median |err| ")[1].split("%")[0]) for line in out.stdout.splitlines()
            if "LOMO median" in line]
    assert len(meds) == 2 and max(meds) <= 15.0
    rec = coefficients()["meta"]["errors"]
    assert np.isclose(max(meds), 100 * max(rec[k]["whole_model_lomo_median_abs_error"] for k in rec), atol=0.06)
