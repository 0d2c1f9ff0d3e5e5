"""Interpreter.run() on several worker threads: same results as one worker, errors surface, state falls back."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ops"))

from nn_models import rand_input, small_int8_conv

from mcuml import Interpreter
from mcuml.kernels import workers


@pytest.mark.parametrize(("n", "batch_size"), [(1, 256), (37, 256), (100, 16), (64, 7)])
@pytest.mark.parametrize("nw", [2, 3])
def test_workers_match_one_worker(n: int, batch_size: int, nw: int) -> None:
    rng = np.random.default_rng(n * 10 + nw)
    it = Interpreter(model_content=small_int8_conv(rng))
    xs = rand_input(rng, (n, 1, 9, 8, 5), "int8")
    ref = it.run(xs, batch_size=batch_size, workers=1)[0]
    got = it.run(xs, batch_size=batch_size, workers=nw)[0]
    assert got.shape == (n, 1, 9, 8, 6)
    assert np.array_equal(ref, got)
    it.set_tensor(it.get_input_details()[0]["index"], xs[-1])
    it.invoke()
    assert np.array_equal(it.get_tensor(it.get_output_details()[0]["index"]), got[-1])


def test_chunks_run_on_several_threads(monkeypatch) -> None:
    rng = np.random.default_rng(3)
    it = Interpreter(model_content=small_int8_conv(rng))
    seen: set[int] = set()
    orig = Interpreter._run_chunk

    def spy(self, w, start, b, arrs, result):
        seen.add(threading.get_ident())
        orig(self, w, start, b, arrs, result)

    monkeypatch.setattr(Interpreter, "_run_chunk", spy)
    xs = rand_input(rng, (64, 1, 9, 8, 5), "int8")
    it.run(xs, workers=2)
    # the calling thread and the pool both take chunks (one may, rarely, take all of them)
    assert 1 <= len(seen) <= 2
    seen.clear()
    it.run(xs, workers=1)
    assert seen == {threading.get_ident()}


def test_worker_error_propagates() -> None:
    calls = []

    def task(w: int) -> None:
        calls.append(w)
        if w == 1:
            raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        workers.run_parallel(task, 3)
    assert sorted(calls) == [0, 1, 2]


def test_stateful_model_runs_on_one_worker(monkeypatch) -> None:
    rng = np.random.default_rng(5)
    it = Interpreter(model_content=small_int8_conv(rng))
    node = it.compiled.nodes[0]
    monkeypatch.setattr(type(node.op), "reset", lambda self, p, batch=None: None, raising=False)
    used = []
    real = workers.run_parallel

    def spy(task, nw):
        used.append(nw)
        real(task, nw)

    monkeypatch.setattr("mcuml.interp.interpreter.run_parallel", spy)
    it.run(rand_input(rng, (64, 1, 9, 8, 5), "int8"), workers=4)
    assert used == [1]


def test_default_workers_is_capped() -> None:
    assert 1 <= workers.default_workers() <= workers.MAX_WORKERS


def test_auto_workers_keeps_the_faster_count_and_rechecks() -> None:
    auto = workers.AutoWorkers()
    seen = []
    for _ in range(2 * auto.TRIALS):  # each count gets its timed turns
        k = auto.pick(2)
        seen.append(k)
        auto.record(k, 2, 1.0 if k == 1 else 0.5)
    assert sorted(seen) == [1] * auto.TRIALS + [2] * auto.TRIALS
    assert all(auto.pick(2) == 2 for _ in range(auto.RECHECK - 2 * auto.TRIALS - 1))
    # the recheck times both again; now one worker is faster (a loaded machine)
    for _ in range(2 * auto.TRIALS):
        k = auto.pick(2)
        auto.record(k, 2, 0.5 if k == 1 else 2.0)
    assert auto.pick(2) == 1
    assert auto.pick(1) == 1


def test_run_default_workers_is_exact(monkeypatch) -> None:
    monkeypatch.setattr(workers, "default_workers", lambda: 2)
    monkeypatch.setattr("mcuml.interp.interpreter.default_workers", lambda: 2)
    rng = np.random.default_rng(9)
    it = Interpreter(model_content=small_int8_conv(rng))
    xs = rand_input(rng, (50, 1, 9, 8, 5), "int8")
    ref = it.run(xs, workers=1)[0]
    for _ in range(6):  # trials of both counts, then the choice
        assert np.array_equal(it.run(xs)[0], ref)


def test_auto_workers_retimes_when_the_kept_count_slows_down() -> None:
    auto = workers.AutoWorkers()
    for _ in range(2 * auto.TRIALS):
        k = auto.pick(2)
        auto.record(k, 2, 1.0 if k == 1 else 0.5)
    assert auto.choice == 2
    auto.record(2, 2, 1.1)  # slower, but within SLOWER x one worker's time: kept
    assert auto.choice == 2
    auto.record(2, 2, 1.0 * auto.SLOWER + 0.1)  # the machine got busy: time both again
    assert auto.choice is None
    assert {auto.pick(2) for _ in range(2)} == {1}
