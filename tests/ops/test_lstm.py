import numpy as np
import pytest

from mcuml import Interpreter
from mcuml.ir.build import ModelBuilder
from oracle import model_path
from seq_oracle import differential_sequence, float_inputs, int_inputs, single_op_model


def lstm_model(*, batch, steps, n_in, n_state, dtype, time_major=False, cell_clip=0.0, seed=0,
               cell_scale=2.0 ** -11, hidden_zp=3, input_zp=-5):
    rng = np.random.default_rng(seed)
    b = ModelBuilder()
    shape = (steps, batch, n_in) if time_major else (batch, steps, n_in)
    out_shape = (steps, batch, n_state) if time_major else (batch, steps, n_state)
    ins = [None] * 24
    if dtype == "float32":
        ins[0] = b.input("x", shape, "float32")
        for i in range(1, 9):
            cols = n_in if i <= 4 else n_state
            ins[i] = b.const(f"w{i}", (rng.standard_normal((n_state, cols)) * 0.5).astype(np.float32))
        for i in range(12, 16):
            ins[i] = b.const(f"b{i}", (rng.standard_normal(n_state) * 0.3).astype(np.float32))
        ins[18] = b.tensor("h", (batch, n_state), "float32", is_variable=True)
        ins[19] = b.tensor("c", (batch, n_state), "float32", is_variable=True)
        y = b.tensor("y", out_shape, "float32")
    else:
        act = dtype
        bias_t = np.int32 if act == "int8" else np.int64
        x_scale, h_scale = (0.02, 0.008) if act == "int8" else (0.0005, 0.00004)
        ins[0] = b.input("x", shape, act, scale=x_scale, zero_point=input_zp if act == "int8" else 0)
        w_scales = rng.uniform(0.003, 0.02, 8)
        for i in range(1, 9):
            cols = n_in if i <= 4 else n_state
            ins[i] = b.const(f"w{i}", rng.integers(-127, 128, (n_state, cols), dtype=np.int8),
                             scale=float(w_scales[i - 1]), zero_point=0)
        for i in range(12, 16):
            ins[i] = b.const(f"b{i}", rng.integers(-3000, 3000, n_state).astype(bias_t),
                             scale=x_scale * float(w_scales[i - 12]), zero_point=0)
        ins[18] = b.tensor("h", (batch, n_state), act, scale=h_scale, zero_point=hidden_zp if act == "int8" else 0,
                           is_variable=True)
        ins[19] = b.tensor("c", (batch, n_state), "int16", scale=cell_scale, zero_point=0, is_variable=True)
        y = b.tensor("y", out_shape, act, scale=h_scale, zero_point=hidden_zp if act == "int8" else 0)
    b.op("UNIDIRECTIONAL_SEQUENCE_LSTM", ins, [y], "UnidirectionalSequenceLSTMOptions",
         fused_activation_function=4, cell_clip=cell_clip, proj_clip=0.0, time_major=time_major,
         asymmetric_quantize_inputs=False, diagonal_recurrent_tensors=False)
    b.output(y)
    return b.build().to_bytes(), shape


@pytest.mark.parametrize("time_major", [False, True])
@pytest.mark.parametrize("batch,cell_clip", [(1, 0.0), (2, 3.0)])
def test_lstm_float(time_major, batch, cell_clip):
    m, shape = lstm_model(batch=batch, steps=5, n_in=7, n_state=6, dtype="float32", time_major=time_major,
                          cell_clip=cell_clip, seed=batch)
    rng = np.random.default_rng(1)
    differential_sequence(m, float_inputs(shape, rng, 3, scale=2.0))


@pytest.mark.parametrize("time_major", [False, True])
@pytest.mark.parametrize("batch,cell_clip,cell_scale", [(1, 0.0, 2.0 ** -11), (2, 1.5, 2.0 ** -12),
                                                        (1, 8.0, 2.0 ** -14), (2, 0.0, 0.0003)])
def test_lstm_int8(time_major, batch, cell_clip, cell_scale):
    m, shape = lstm_model(batch=batch, steps=6, n_in=9, n_state=8, dtype="int8", time_major=time_major,
                          cell_clip=cell_clip, cell_scale=cell_scale, seed=batch + 2)
    rng = np.random.default_rng(2)
    differential_sequence(m, int_inputs(shape, np.int8, rng, 3))


@pytest.mark.parametrize("time_major", [False, True])
def test_lstm_int16x8(time_major):
    m, shape = lstm_model(batch=2, steps=4, n_in=5, n_state=6, dtype="int16", time_major=time_major,
                          cell_clip=2.0, seed=7)
    rng = np.random.default_rng(3)
    differential_sequence(m, int_inputs(shape, np.int16, rng, 3))


def test_lstm_reset_matches_fresh_run():
    m, shape = lstm_model(batch=1, steps=3, n_in=4, n_state=5, dtype="int8", seed=11)
    rng = np.random.default_rng(4)
    steps = int_inputs(shape, np.int8, rng, 5)
    got = differential_sequence(m, steps, reset_after=2)
    fresh = differential_sequence(m, steps[2:])
    for g, f in zip(got[2:], fresh):
        assert np.array_equal(g[0], f[0])


def test_lstm_batched_run_equals_invokes_from_reset():
    m, shape = lstm_model(batch=1, steps=4, n_in=6, n_state=5, dtype="int8", seed=12)
    rng = np.random.default_rng(5)
    xs = rng.integers(-128, 128, (6, *shape), dtype=np.int8)
    it = Interpreter(model_content=m)
    batched = it.run(xs)[0]
    for i in range(6):
        it.reset()
        it.set_tensor(it.get_input_details()[0]["index"], xs[i])
        it.invoke()
        assert np.array_equal(batched[i], it.get_tensor(it.get_output_details()[0]["index"]))


def test_lstm_rejects_layer_norm_variant():
    from mcuml.errors import McumlError
    from mcuml import load_model

    m, _ = lstm_model(batch=1, steps=2, n_in=3, n_state=4, dtype="float32")
    model = load_model(m)
    node = model.main.operators[0]
    node.inputs[20] = node.inputs[12]
    with pytest.raises(McumlError, match="layer norm"):
        Interpreter(model=model)


@pytest.mark.parametrize("name,node", [("trained_lstm.tflite", 0), ("trained_lstm_int8.tflite", 0),
                                       ("micro_speech_lstm.tflite", 0), ("dtln_noise_suppression.tflite", 0),
                                       ("dtln_noise_suppression.tflite", 1)])
def test_lstm_nodes_of_real_models(name, node):
    data = single_op_model(model_path(f"tflite_micro/{name}").read_bytes(), node)
    it = Interpreter(model_content=data)
    d = it.get_input_details()[0]
    rng = np.random.default_rng(8)
    if np.issubdtype(d["dtype"], np.integer):
        steps = int_inputs(tuple(d["shape"]), d["dtype"], rng, 3)
    else:
        steps = float_inputs(tuple(d["shape"]), rng, 3)
    differential_sequence(data, steps, reset_after=2)


def test_float_transcendentals_match_host_libm():
    """expf/tanhf/expm1f must equal the libm the TFLM wheel calls, bit for bit (float LSTM/SVDF rely on it)."""
    import ctypes

    from mcuml.kernels.lstm import expf, expm1f, tanhf

    try:
        libm = ctypes.CDLL("libm.so.6")
    except OSError:
        pytest.skip("no glibc libm")
    rng = np.random.default_rng(9)
    x = np.concatenate([(rng.standard_normal(3000) * 6).astype(np.float32),
                        rng.uniform(-110, 90, 2000).astype(np.float32),
                        (rng.standard_normal(1000) * 1e-4).astype(np.float32),
                        np.array([0, -0.0, 1, -1, 22, -22, 9, -9, 88.7, -103.9, -104, np.inf, -np.inf], np.float32)])
    for name, ours, ok in (("expf", expf, np.isfinite(x)), ("tanhf", tanhf, np.ones_like(x, bool)),
                           ("expm1f", expm1f, np.abs(x) < 80)):
        fn = getattr(libm, name)
        fn.restype, fn.argtypes = ctypes.c_float, [ctypes.c_float]
        want = np.array([fn(float(v)) for v in x[ok]], np.float32)
        got = ours(x[ok])
        assert np.array_equal(got.view(np.uint32), want.view(np.uint32)), \
            f"{name}: {np.count_nonzero(got != want)} of {want.size} differ from libm"


@pytest.mark.parametrize("name", ["trained_lstm.tflite", "trained_lstm_int8.tflite", "micro_speech_lstm.tflite",
                                  "dtln_noise_suppression.tflite"])
def test_lstm_full_models(name):
    data = model_path(f"tflite_micro/{name}").read_bytes()
    it = Interpreter(model_content=data)
    d = it.get_input_details()[0]
    rng = np.random.default_rng(10)
    if np.issubdtype(d["dtype"], np.integer):
        steps = int_inputs(tuple(d["shape"]), d["dtype"], rng, 4)
    else:
        steps = float_inputs(tuple(d["shape"]), rng, 4)
    differential_sequence(data, steps, reset_after=2)


def test_requantize_equals_mbqm():
    from mcuml.kernels.quant import mbqm_positive as requantize
    from mcuml.kernels.quant import mbqm, quantize_multiplier

    rng = np.random.default_rng(13)
    for _ in range(40):
        scale = float(np.exp(rng.uniform(np.log(1e-6), np.log(60.0))))
        m, shift = quantize_multiplier(scale)
        acc = np.concatenate([rng.integers(-(1 << 31), 1 << 31, 4000), rng.integers(-5000, 5000, 4000),
                              [-(1 << 31), (1 << 31) - 1, 0, -1, 1]]).astype(np.int64)
        lanes = np.full(acc.shape, m, np.int64)
        sh = np.full(acc.shape, shift, np.int64)
        got = requantize(acc, lanes, np.maximum(sh, 0), np.maximum(-sh, 0), shift > 0)
        assert np.array_equal(got, mbqm(acc, m, shift)), (scale, m, shift)
