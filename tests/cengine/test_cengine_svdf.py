"""SVDF through the C engine vs the TFLM wheel, over several invokes (the state carries over) and a reset.

Single-op models from the IR builder (int8 with int16 / int8 state, float32) and the shared keyword
models (tflite_micro/keyword_scrambled*.tflite: whole graph, and each SVDF node cut out of it).
"""

import shutil

import numpy as np
import pytest
from oracle import assert_same, model_path, random_input, tflm_run
from seq_oracle import float_inputs, int_inputs, single_op_model, tflm_sequence
from test_svdf import svdf_model

from mcuml import load_model
from mcuml.cengine import CEngine, generate

KEYWORD = ["tflite_micro/keyword_scrambled.tflite", "tflite_micro/keyword_scrambled_8bit.tflite"]


def c_sequence(e: CEngine, steps, reset_after: int | None = None):
    results = []
    for k, xs in enumerate(steps):
        for d, x in zip(e.get_input_details(), xs):
            e.set_tensor(d["index"], x)
        e.invoke()
        results.append([e.get_tensor(d["index"]) for d in e.get_output_details()])
        if reset_after is not None and k + 1 == reset_after:
            e.reset()
    return results


def check_sequence(model: bytes, steps, reset_after: int | None = 3) -> CEngine:
    e = CEngine(model_content=model)
    want = tflm_sequence(model, steps, reset_after)
    got = c_sequence(e, steps, reset_after)
    for k, (g, w) in enumerate(zip(got, want)):
        try:
            assert_same(g, w)
        except AssertionError as err:
            raise AssertionError(f"invoke {k}: {err}") from None
    return e


@pytest.mark.parametrize("batch,rank,act", [(1, 1, 0), (2, 2, 1)])
def test_svdf_int8_int16_state(batch, rank, act):
    m = svdf_model(batch=batch, input_size=12, units=5, rank=rank, memory=4, dtype="int8", act=act, seed=rank)
    e = check_sequence(m, int_inputs((batch, 12), np.int8, np.random.default_rng(10 + rank), 6))
    assert e.generated.state_bytes == 2 * batch * 4 * 5 * rank


@pytest.mark.parametrize("rank,state_zp", [(1, 0), (2, -50), (1, 37)])
def test_svdf_int8_int8_state(rank, state_zp):
    """Non-zero state zero points: the buffer starts (and resets) at the zero point, like TFLM."""
    m = svdf_model(batch=1, input_size=10, units=4, rank=rank, memory=3, dtype="int8", state_dtype="int8",
                   state_zp=state_zp, seed=rank + 5)
    check_sequence(m, int_inputs((1, 10), np.int8, np.random.default_rng(20 + rank), 6))


@pytest.mark.parametrize("rank,act", [(1, 0), (2, 1), (2, 3), (1, 4), (2, 5), (1, 6)])
def test_svdf_float(rank, act):
    """All schema activations; 6 is outside the schema enum: TFLM reads it as NONE (not its sigmoid)."""
    m = svdf_model(batch=2, input_size=9, units=6, rank=rank, memory=5, dtype="float32", act=act, seed=rank + act)
    check_sequence(m, float_inputs((2, 9), np.random.default_rng(30 + rank), 6))


def test_svdf_run_starts_every_sample_from_the_reset_state():
    m = svdf_model(batch=1, input_size=10, units=4, rank=2, memory=3, dtype="int8", state_dtype="int8", state_zp=-20)
    e = CEngine(model_content=m)
    xs = [s[0] for s in int_inputs((1, 10), np.int8, np.random.default_rng(3), 3)]
    c_sequence(e, [[x] for x in xs])  # dirty the state first
    outs = e.run(np.stack(xs))
    for k, x in enumerate(xs):
        assert_same([outs[0][k]], tflm_run(m, [x]))


@pytest.mark.parametrize("rel", KEYWORD)
def test_keyword_model_sequence_and_reset(rel):
    data = model_path(rel).read_bytes()
    rng = np.random.default_rng(1)
    sg = load_model(data).main
    steps = [[random_input(t.shape, t.dtype.numpy, rng) for t in sg.inputs] for _ in range(5)]
    e = check_sequence(data, steps)
    assert e.generated.state_bytes == sum(t.nbytes for t in sg.tensors if t.is_variable)


@pytest.mark.parametrize("rel", KEYWORD)
def test_keyword_svdf_nodes_cut_out(rel):
    """Each SVDF of the real models alone (the whole graph's output saturates): 5 invokes, reset after 3."""
    data = model_path(rel).read_bytes()
    nodes = [k for k, op in enumerate(load_model(data).main.operators) if op.name == "SVDF"]
    assert len(nodes) == 7
    rng = np.random.default_rng(2)
    for k in nodes:
        cut = single_op_model(data, k)
        x = load_model(cut).main.inputs[0]
        check_sequence(cut, int_inputs(tuple(x.shape), np.int8, rng, 5))


def test_generated_header_declares_reset():
    g = generate(model_path(KEYWORD[1]), name="kws")
    h = dict(g.sources)["kws.h"]
    assert "void kws_reset(void);" in h and f"#define KWS_STATE_BYTES {g.state_bytes}" in h
    c = dict(g.sources)["kws.c"]
    assert "static int8_t MCUML_ALIGNED(4) kws_state0[512];" in c  # .bss: zero points written on the first run
    assert "if (!kws_started) kws_reset();" in c


@pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None, reason="arm-none-eabi-gcc not installed")
@pytest.mark.parametrize("rel", KEYWORD)
def test_keyword_cortex_m4_build(rel):
    from mcuml.cengine.cross import build_arm

    g = generate(model_path(rel), name="net")
    b = build_arm(g, "-Os")  # -Wall -Wextra -Werror
    assert b.warnings == ""
    assert b.sram_bytes >= g.arena_bytes + g.state_bytes


def test_measure_harness_resets_before_the_window(tmp_path):
    from mcuml.emu import engine_c
    from mcuml.emu.measure import harness_source

    eng = engine_c.write_sources(model_path(KEYWORD[1]), "model", tmp_path)
    assert eng.reset and eng.zero_copy
    src = harness_source("model", [np.zeros((1, 96), np.int16)], [np.dtype(np.int32)], [8], eng.zero_copy, eng.reset)
    assert src.index("model_reset();") < src.index("MCUML_MARK(MCUML_MARK_BEGIN);")
