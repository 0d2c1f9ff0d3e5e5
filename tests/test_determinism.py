"""Same input, same output, whatever the load: the plan `optimal` ships and run()'s results and code paths.

Each check runs twice, once on a quiet machine and once with every core busy (busy-loop processes),
and compares exactly. Nothing that chooses a code path or a plan may read a clock (grepped below)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from oracle import model_path

from mcuml import Interpreter

PLAN_MODEL = "wake_vision/wv_quality_micronets_vww3_128_128_INT8.tflite"  # optimal needs its random refinement
RUN_MODEL = "mlcommons_tiny/kws_ref_model.tflite"  # depthwise + conv + FC, two run() workers by default


@pytest.fixture
def busy():
    """Start one busy-loop process per core; yields a function that stops them (also done at teardown)."""
    procs: list[subprocess.Popen] = []

    def start() -> None:
        for _ in range(os.cpu_count() or 2):
            procs.append(subprocess.Popen([sys.executable, "-c", "while True: pass"]))

    yield start
    for p in procs:
        p.kill()
        p.wait()


def _plan_json(path) -> str:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    out = subprocess.run([sys.executable, "-m", "mcuml", "plan", str(path), "--planner", "optimal", "--json"],
                         capture_output=True, text=True, env=env, check=True)
    return out.stdout


def _run(it: Interpreter, xs: np.ndarray) -> tuple[int, list[tuple[str, str]], np.ndarray]:
    dw = [(bn.params.single, bn.params.batched) for bn in it.compiled.nodes if bn.op.name == "DEPTHWISE_CONV_2D"]
    return it.thread_workers(len(xs)), dw, it.run(xs, batch_size=64)[0]


def test_optimal_plan_and_batched_run_are_identical_under_load(busy) -> None:
    import json

    plan_path, run_path = model_path(PLAN_MODEL), model_path(RUN_MODEL)
    x_shape = Interpreter(model_path=run_path).get_input_details()[0]["shape"]
    xs = np.random.default_rng(0).integers(-128, 128, size=(160, *x_shape), dtype=np.int8)

    quiet_plan = _plan_json(plan_path)
    quiet_run = _run(Interpreter(model_path=run_path), xs)
    busy()
    loaded_plan = _plan_json(plan_path)
    loaded_run = _run(Interpreter(model_path=run_path), xs)

    assert loaded_plan == quiet_plan
    plan = json.loads(quiet_plan)
    assert plan["head_bytes"] < plan["greedy_head_bytes"]  # the refinement found something: a real test of it
    assert loaded_run[:2] == quiet_run[:2]  # same worker count, same depthwise strategies
    assert np.array_equal(loaded_run[2], quiet_run[2])
    one = Interpreter(model_path=run_path)
    assert np.array_equal(one.run(xs, workers=1)[0], quiet_run[2])


def test_optimal_planner_is_bounded_by_work_not_time() -> None:
    from mcuml import load_model
    from mcuml.plan import plan_optimal, usage_records

    recs = usage_records(load_model(model_path(PLAN_MODEL)))
    a, b = plan_optimal(recs), plan_optimal(recs)
    assert a.offsets == b.offsets and a.size == b.size
    assert plan_optimal(recs, iterations=0).size > a.size  # the orderings alone do not reach it
    assert plan_optimal(recs, seed=0).offsets == a.offsets


def test_no_clock_in_kernels_planners_or_the_interpreter() -> None:
    src = Path(__file__).resolve().parents[1] / "src" / "mcuml"
    clock = re.compile(r"perf_counter|thread_time|process_time|monotonic|time\.time\b")
    hits = [f"{p.relative_to(src)}:{i}" for d in ("ops", "kernels", "plan", "interp") for p in sorted((src / d).rglob("*.py"))
            for i, line in enumerate(p.read_text().splitlines(), 1) if clock.search(line)]
    assert hits == []
