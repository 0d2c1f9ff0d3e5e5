"""Interpreter.run(mode="process"): worker processes give bit-identical results, errors surface, state stays home."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ops"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nn_models import rand_input, small_int8_conv
from oracle import model_path, spectral_subtraction_model

from mcuml import Interpreter
from mcuml.errors import InputError, McumlError
from mcuml.interp import procs


@pytest.fixture(scope="module")
def conv():
    it = Interpreter(model_content=small_int8_conv(np.random.default_rng(0)))
    yield it
    it.close()


@pytest.mark.parametrize(("n", "batch_size", "nw"), [(1, 256, 2), (33, 256, 2), (37, 7, 3), (100, 16, 2),
                                                     (64, 256, 3)])
def test_processes_match_in_process(conv, n: int, batch_size: int, nw: int) -> None:
    xs = rand_input(np.random.default_rng(n), (n, 1, 9, 8, 5), "int8")
    ref = conv.run(xs, batch_size=batch_size, workers=1)[0]
    got = conv.run(xs, batch_size=batch_size, workers=nw, mode="process")[0]
    assert got.shape == (n, 1, 9, 8, 6)
    assert np.array_equal(ref, got)
    if n >= 2 * procs.MIN_RANGE:
        assert conv._procs is not None and conv._procs.size >= 1  # the samples really went to a process


def test_growing_batches_and_stacked_inputs(conv) -> None:
    rng = np.random.default_rng(7)
    for n in (40, 301, 50):  # the shared blocks grow for 301 and are reused for 50
        xs = rand_input(rng, (n, 9, 8, 5), "int8")  # stacked on the batch axis
        ref = conv.run(xs, workers=1)[0]
        got = conv.run(xs, batch_size=64, workers=2, mode="process")[0]
        assert got.shape == (n, 9, 8, 6)
        assert np.array_equal(ref, got)


@pytest.mark.parametrize("rel", ["mlcommons_tiny/kws_ref_model.tflite", "mlcommons_tiny/ad01_int8.tflite"])
def test_shared_models(rel: str) -> None:
    it = Interpreter(model_path=model_path(rel))
    try:
        ins = it.model.main.inputs
        rng = np.random.default_rng(3)
        xs = [rng.integers(-128, 128, size=(45, *t.shape), dtype=np.int8) for t in ins]
        ref = it.run(xs, workers=1)
        got = it.run(xs, batch_size=16, workers=2, mode="process")
        assert all(np.array_equal(a, b) for a, b in zip(ref, got))
    finally:
        it.close()


def test_worker_error_is_a_mcuml_error(conv) -> None:
    xs = rand_input(np.random.default_rng(1), (40, 1, 9, 8, 5), "int8")
    ref = conv.run(xs, workers=2, mode="process")[0]
    pool = conv._procs
    pool.send(0, ("no-such-block", [], "no-such-block", [], 0, 1, 1))  # a request the worker cannot serve
    with pytest.raises(McumlError, match="worker process failed"):
        pool._reply(pool._procs[0][1])
    assert np.array_equal(conv.run(xs, workers=2, mode="process")[0], ref)  # the pool still works


def test_dead_worker_is_a_mcuml_error_and_the_pool_restarts() -> None:
    it = Interpreter(model_content=small_int8_conv(np.random.default_rng(2)))
    try:
        xs = rand_input(np.random.default_rng(2), (40, 1, 9, 8, 5), "int8")
        ref = it.run(xs, workers=1)[0]
        it.run(xs, workers=2, mode="process")
        proc = it._procs._procs[0][0]
        proc.kill()
        proc.wait()
        with pytest.raises(McumlError, match="died"):
            it.run(xs, workers=2, mode="process")
        assert it._procs.size == 0
        assert np.array_equal(it.run(xs, workers=2, mode="process")[0], ref)
    finally:
        it.close()


def test_close_stops_the_workers() -> None:
    it = Interpreter(model_content=small_int8_conv(np.random.default_rng(4)))
    xs = rand_input(np.random.default_rng(4), (40, 1, 9, 8, 5), "int8")
    it.run(xs, workers=2, mode="process")
    proc = it._procs._procs[0][0]
    it.close()
    assert proc.poll() is not None
    it.close()  # idempotent
    assert it._procs is None


def test_stateful_model_stays_in_process() -> None:
    it = Interpreter(model_content=spectral_subtraction_model(40))
    xs = np.random.default_rng(5).integers(0, 1 << 20, size=(64, 40), dtype=np.uint32)
    got = it.run(xs, workers=2, mode="process")
    assert it._procs is None
    assert np.array_equal(got[0], it.run(xs, workers=1)[0])


def test_bad_mode() -> None:
    it = Interpreter(model_content=small_int8_conv(np.random.default_rng(6)))
    with pytest.raises(InputError, match="mode"):
        it.run(rand_input(np.random.default_rng(6), (4, 1, 9, 8, 5), "int8"), mode="fork")
