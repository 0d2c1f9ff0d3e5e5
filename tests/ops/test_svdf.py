import numpy as np
import pytest

from mcuml import Interpreter
from mcuml.ir.build import ModelBuilder
from oracle import model_path
from seq_oracle import differential_sequence, float_inputs, int_inputs


def svdf_model(*, batch, input_size, units, rank, memory, dtype, state_dtype="int16", act=0, seed=0,
               state_zp=0, bias=True):
    rng = np.random.default_rng(seed)
    filters = units * rank
    b = ModelBuilder()
    if dtype == "int8":
        x = b.input("x", (batch, input_size), "int8", scale=0.05, zero_point=-7)
        wf = b.const("wf", rng.integers(-127, 128, (filters, input_size), dtype=np.int8), scale=0.009, zero_point=0)
        st_info = np.iinfo(state_dtype)
        wt_data = rng.integers(st_info.min + 1, st_info.max, (filters, memory)).astype(state_dtype)
        s_scale, wt_scale = (0.004, 0.0037) if state_dtype == "int16" else (0.4, 0.015)
        wt = b.const("wt", wt_data, scale=wt_scale, zero_point=0)
        bs = b.const("bias", rng.integers(-20000, 20000, (units,), dtype=np.int32),
                     scale=float(np.float32(s_scale) * np.float32(wt_scale)), zero_point=0) if bias else None
        state = b.tensor("state", (batch, memory * filters), state_dtype, scale=s_scale, zero_point=state_zp,
                         is_variable=True)
        y = b.tensor("y", (batch, units), "int8", scale=0.2 if state_dtype == "int16" else 2.0, zero_point=3)
    else:
        x = b.input("x", (batch, input_size), "float32")
        wf = b.const("wf", rng.standard_normal((filters, input_size)).astype(np.float32))
        wt = b.const("wt", rng.standard_normal((filters, memory)).astype(np.float32))
        bs = b.const("bias", rng.standard_normal(units).astype(np.float32)) if bias else None
        state = b.tensor("state", (batch, memory * filters), "float32", is_variable=True)
        y = b.tensor("y", (batch, units), "float32")
    b.op("SVDF", [x, wf, wt, bs, state], [y], "SVDFOptions", rank=rank, fused_activation_function=act,
         asymmetric_quantize_inputs=False)
    b.output(y)
    return b.build().to_bytes()


@pytest.mark.parametrize("rank", [1, 2])
@pytest.mark.parametrize("batch", [1, 2])
def test_svdf_int8_int16_state(rank, batch):
    m = svdf_model(batch=batch, input_size=12, units=5, rank=rank, memory=4, dtype="int8", act=1, seed=rank)
    rng = np.random.default_rng(10 + rank)
    differential_sequence(m, int_inputs((batch, 12), np.int8, rng, 7))


@pytest.mark.parametrize("rank", [1, 2])
@pytest.mark.parametrize("state_zp", [0, -50, 37])
def test_svdf_int8_int8_state(rank, state_zp):
    m = svdf_model(batch=1, input_size=10, units=4, rank=rank, memory=3, dtype="int8", state_dtype="int8",
                   state_zp=state_zp, seed=rank + 5)
    rng = np.random.default_rng(20 + rank)
    differential_sequence(m, int_inputs((1, 10), np.int8, rng, 6))


@pytest.mark.parametrize("rank", [1, 2])
@pytest.mark.parametrize("act", [0, 1, 3])
def test_svdf_float(rank, act):
    m = svdf_model(batch=2, input_size=9, units=6, rank=rank, memory=5, dtype="float32", act=act, seed=rank + act)
    rng = np.random.default_rng(30 + rank)
    differential_sequence(m, float_inputs((2, 9), rng, 7))


@pytest.mark.parametrize("act", [2, 5, 6])
def test_svdf_float_other_activations(act):
    """6 is not in the schema enum: TFLM's ConvertActivation reads it as NONE (the sigmoid is unreachable)."""
    m = svdf_model(batch=2, input_size=9, units=6, rank=2, memory=5, dtype="float32", act=act, seed=act)
    differential_sequence(m, float_inputs((2, 9), np.random.default_rng(act), 5))


def test_svdf_without_bias_is_refused():
    # TFLM segfaults on an SVDF with an omitted bias (svdf_common.cc TODO #1751): refuse at compile time
    from mcuml.errors import McumlError

    m = svdf_model(batch=1, input_size=8, units=3, rank=1, memory=4, dtype="float32", bias=False)
    with pytest.raises(McumlError, match="bias"):
        Interpreter(model_content=m)


def test_svdf_reset_matches_fresh_run():
    m = svdf_model(batch=1, input_size=12, units=5, rank=2, memory=4, dtype="int8", state_dtype="int8",
                   state_zp=-20)
    rng = np.random.default_rng(4)
    steps = int_inputs((1, 12), np.int8, rng, 6)
    got = differential_sequence(m, steps, reset_after=3)
    fresh = differential_sequence(m, steps[3:])
    for g, f in zip(got[3:], fresh):
        assert np.array_equal(g[0], f[0])
    # state really moves between invokes (otherwise the sequence tests prove nothing)
    assert not all(np.array_equal(got[0][0], g[0]) for g in got[1:3])


def test_svdf_batched_run_is_fresh_state_per_sample():
    m = svdf_model(batch=1, input_size=12, units=5, rank=1, memory=4, dtype="int8")
    rng = np.random.default_rng(5)
    xs = rng.integers(-128, 128, (9, 1, 12), dtype=np.int8)
    it = Interpreter(model_content=m)
    batched = it.run(xs)[0]
    for i in range(9):
        it.reset()
        it.set_tensor(it.get_input_details()[0]["index"], xs[i])
        it.invoke()
        assert np.array_equal(batched[i], it.get_tensor(it.get_output_details()[0]["index"]))


def test_svdf_rejects_non_variable_state():
    from mcuml.errors import McumlError

    b = ModelBuilder()
    x = b.input("x", (1, 4), "float32")
    wf = b.const("wf", np.ones((2, 4), np.float32))
    wt = b.const("wt", np.ones((2, 3), np.float32))
    state = b.tensor("state", (1, 6), "float32")
    y = b.tensor("y", (1, 2), "float32")
    b.op("SVDF", [x, wf, wt, None, state], [y], "SVDFOptions", rank=1, fused_activation_function=0)
    b.output(y)
    with pytest.raises(McumlError, match="variable"):
        Interpreter(model_content=b.build().to_bytes())


@pytest.mark.parametrize("name", ["keyword_scrambled.tflite", "keyword_scrambled_8bit.tflite"])
def test_keyword_models(name):
    data = model_path(f"tflite_micro/{name}").read_bytes()
    rng = np.random.default_rng(6)
    differential_sequence(data, int_inputs((1, 96), np.int16, rng, 12), reset_after=8)
