"""CALL_ONCE + VAR_HANDLE / READ_VARIABLE / ASSIGN_VARIABLE: a stateful accumulator vs the TFLM wheel."""

from __future__ import annotations

import numpy as np
import pytest

from mcuml import Interpreter, load_model
from mcuml.compile import compile as mcuml_compile
from mcuml.ir.build import ModelBuilder
from oracle import differential

Q = {"scale": 0.05, "zero_point": 3}


def accumulator(dtype: str = "int8", init: bool = True) -> bytes:
    """CALL_ONCE(init: acc = c0); every invoke: acc = acc + x; output acc."""
    q = Q if dtype == "int8" else {}
    np_dt = np.int8 if dtype == "int8" else np.float32
    b = ModelBuilder()
    x = b.input("x", (1, 4), dtype, **q)
    if init:
        b.op("CALL_ONCE", [], [], "CallOnceOptions", init_subgraph_index=1)
    h = b.tensor("h", (), "resource")
    b.op("VAR_HANDLE", [], [h], "VarHandleOptions", container="", shared_name="acc")
    v = b.tensor("v", (1, 4), dtype, **q)
    b.op("READ_VARIABLE", [h], [v])
    s = b.tensor("s", (1, 4), dtype, **q)
    b.op("ADD", [v, x], [s], "AddOptions")
    b.op("ASSIGN_VARIABLE", [h, s], [])
    b.output(s)
    if init:
        b.subgraph("init")
        h1 = b.tensor("h", (), "resource")
        b.op("VAR_HANDLE", [], [h1], "VarHandleOptions", container="", shared_name="acc")
        c0 = b.const("c0", np.array([[5, -7, 20, 1]], np_dt), **q)
        b.op("ASSIGN_VARIABLE", [h1, c0], [])
    b.select(0)
    return b.build().to_bytes()


def _inputs(dtype: str, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    if dtype == "int8":
        return [rng.integers(-40, 40, (1, 4)).astype(np.int8)]
    return [rng.standard_normal((1, 4)).astype(np.float32)]


@pytest.mark.parametrize("dtype", ["int8", "float32"])
@pytest.mark.parametrize("invokes", [1, 2, 4])
def test_accumulator_matches_tflm_across_invokes(dtype, invokes):
    differential(accumulator(dtype), _inputs(dtype, invokes), invokes=invokes)


@pytest.mark.parametrize("dtype", ["int8", "float32"])
def test_uninitialised_variable_starts_at_its_zero_point(dtype):
    differential(accumulator(dtype, init=False), _inputs(dtype, 7), invokes=3)


def _tflm_reset_sequence(data: bytes, xs: list[np.ndarray], reset_after: int) -> list[np.ndarray]:
    from tflite_micro.python.tflite_micro import runtime

    it = runtime.Interpreter.from_bytes(data, arena_size=1 << 16)
    out = []
    for k, x in enumerate(xs):
        if k == reset_after:
            it.reset()
        it.set_input(x, 0)
        it.invoke()
        out.append(np.array(it.get_output(0)))
    return out


@pytest.mark.parametrize("dtype", ["int8", "float32"])
def test_reset_zeroes_variables_and_call_once_stays_done(dtype):
    data = accumulator(dtype)
    xs = [_inputs(dtype, s)[0] for s in range(5)]
    want = _tflm_reset_sequence(data, xs, reset_after=2)
    it = Interpreter(model_content=data)
    it.allocate_tensors()
    d_in, d_out = it.get_input_details()[0]["index"], it.get_output_details()[0]["index"]
    got = []
    for k, x in enumerate(xs):
        if k == 2:
            it.reset()
        it.set_tensor(d_in, x)
        it.invoke()
        got.append(it.get_tensor(d_out))
    for g, w in zip(got, want):
        if dtype == "int8":
            assert np.array_equal(g, w)
        else:
            np.testing.assert_allclose(g, w, rtol=1e-6)
    # TFLM's reset refills with the fill value, and CALL_ONCE does not initialise again
    assert not np.array_equal(got[2], got[0]) or np.array_equal(xs[2], xs[0])


def test_run_gives_every_sample_a_fresh_interpreter():
    data = accumulator("int8")
    rng = np.random.default_rng(11)
    xs = rng.integers(-40, 40, (6, 1, 4)).astype(np.int8)
    (batched,) = Interpreter(model_content=data).run(xs, batch_size=4)
    for s in range(6):
        want = differential(data, [xs[s]])  # one invoke of a new interpreter
        assert np.array_equal(batched[s], want[0])


def test_resource_ids_and_buffers_follow_tflm_prepare_order():
    c = mcuml_compile(load_model(accumulator("int8")))
    assert len(c.resources) == 1  # both VAR_HANDLEs name the same variable
    r = c.resources[0]
    assert (r.shared_name, r.nbytes, r.default) == ("acc", 4, 3)  # int8 zero point fills the buffer
    assert c.needs_runtime
    # VAR_HANDLE outputs are never planned (TFLM points them at the kernel's id)
    assert all(rec.label not in ("h", "sg1:h") for rec in c.records)
