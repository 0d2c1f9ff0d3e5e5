"""Interpreter.run() on several worker threads: same results as one worker, errors surface, state falls back."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ops"))

from nn_models import rand_input, small_int8_conv
from oracle import model_path, spectral_subtraction_model

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
    both = [threading.Barrier(2, timeout=30)]  # each chunk waits for the other's: one thread cannot take both

    def spy(self, w, start, b, arrs, result):
        seen.add(threading.get_ident())
        if both:
            both[0].wait()
        orig(self, w, start, b, arrs, result)

    monkeypatch.setattr(Interpreter, "_run_chunk", spy)
    xs = rand_input(rng, (64, 1, 9, 8, 5), "int8")
    assert it.thread_workers(64, 256, 2) == 2
    it.run(xs, workers=2)  # two chunks of 32
    assert len(seen) == 2 and threading.get_ident() in seen
    seen.clear()
    both.clear()
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
    it = Interpreter(model_content=spectral_subtraction_model(40))
    assert it.compiled.nodes[0].op.stateful
    used = []
    real = workers.run_parallel

    def spy(task, nw):
        used.append(nw)
        real(task, nw)

    monkeypatch.setattr("mcuml.interp.interpreter.run_parallel", spy)
    xs = np.random.default_rng(5).integers(0, 1 << 20, size=(64, 40), dtype=np.uint32)
    got = it.run(xs, workers=4, batch_size=16)
    assert used == [1]
    for s in (0, 17, 63):  # every sample starts from the reset state, as a fresh interpreter's first invoke
        it.reset()
        it.set_tensor(it.get_input_details()[0]["index"], xs[s])
        it.invoke()
        assert np.array_equal(it.get_tensor(it.get_output_details()[0]["index"]), got[0][s])


def test_default_workers_is_capped() -> None:
    assert 1 <= workers.default_workers() <= workers.MAX_WORKERS


def test_run_default_workers_is_exact(monkeypatch) -> None:
    monkeypatch.setattr(workers, "default_workers", lambda: 2)
    monkeypatch.setattr("mcuml.interp.interpreter.default_workers", lambda: 2)
    rng = np.random.default_rng(9)
    it = Interpreter(model_content=small_int8_conv(rng))
    xs = rand_input(rng, (50, 1, 9, 8, 5), "int8")
    ref = it.run(xs, workers=1)[0]
    for _ in range(3):
        assert np.array_equal(it.run(xs)[0], ref)


def test_default_worker_count_is_a_fixed_rule(monkeypatch) -> None:
    from mcuml.interp import interpreter as I

    monkeypatch.setattr(I, "default_workers", lambda: 2)
    tiny = Interpreter(model_content=small_int8_conv(np.random.default_rng(9)))  # 432 output elements per node
    big = Interpreter(model_path=model_path("mlcommons_tiny/kws_ref_model.tflite"))
    assert [tiny.thread_workers(n) for n in (1, 64, 1000)] == [1, 1, 1]
    assert [big.thread_workers(n) for n in (1, 16, 64, 1000)] == [1, 1, 2, 2]  # at most one per chunk
    assert big.thread_workers(1000, workers=1) == 1 and tiny.thread_workers(1000, workers=3) == 3
