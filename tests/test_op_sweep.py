"""The generated op sweep against the TFLM wheel (``tests/op_sweep.py``): arena, verdict, outputs.

The normal suite runs a deterministic CI sample; ``MCUML_SWEEP=full`` runs every case and writes
``benchmarks/results/op_sweep.json`` (counts: cases, ops, dtypes, under/over-predictions, verdicts).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import op_sweep

FULL = os.environ.get("MCUML_SWEEP", "") == "full"
RESULTS = Path(__file__).resolve().parents[1] / "benchmarks" / "results" / "op_sweep.json"


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    cases = op_sweep.all_cases()
    if not FULL:
        cases = op_sweep.ci_sample(cases)
    return op_sweep.run_cases(cases, tmp_path_factory.mktemp("sweep"))


def test_sweep_arena_verdict_outputs(outcomes):
    s = op_sweep.summary(outcomes)
    if FULL:
        RESULTS.write_text(json.dumps({k: v for k, v in s.items()}, indent=1) + "\n")
    assert s["cases"] > 0 and s["wheel_runs"] > 0 and s["wheel_rejects"] > 0
    assert not s["problems"], f"{len(s['problems'])} problems:\n" + "\n".join(s["problems"][:60])
