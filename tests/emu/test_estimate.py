"""The C-engine instruction estimate (fitted on measure results) is sane and close to a measurement."""

from __future__ import annotations

import pytest
from oracle import model_path

from mcuml.emu.estimate import coefficients, estimate_c


def test_estimate_sums_and_aliases():
    e = estimate_c(model_path("mlcommons_tiny/kws_ref_model.tflite"), "nano33ble")
    assert e.instructions == sum(n.instructions for n in e.nodes) > 0
    assert e.cycles == sum(n.cycles for n in e.nodes) >= e.instructions
    assert all(n.instructions == 0 for n in e.nodes if n.op == "RESHAPE")
    assert e.ms == pytest.approx(e.cycles / 64e3)
    assert 0 <= e.heldout_median_error <= e.heldout_max_error
    assert "mlcommons_tiny/kws_ref_model.tflite" in coefficients()["models"]


def test_estimate_is_near_the_calibration_measurement():
    import json
    from pathlib import Path

    rows = json.loads((Path(__file__).resolve().parents[2] / "benchmarks" / "results" /
                       "cengine_calibration.json").read_text())
    meas = sum(r["instructions"] for r in rows if r["model"] == "mlcommons_tiny/ad01_int8.tflite")
    est = estimate_c(model_path("mlcommons_tiny/ad01_int8.tflite")).instructions
    assert abs(est - meas) / meas < 0.25
