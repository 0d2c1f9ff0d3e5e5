"""TFLM Signal library custom ops (micro_speech audio front end) against the TFLM wheel, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from oracle import assert_same, custom_op_model, model_path

from mcuml import Interpreter, load_model
from mcuml.kernels.signal import KissFftr, max_abs16, msb32, msb64, sqrt64

FRONTENDS = ["tflite_micro/audio_preprocessor_int8.tflite", "tflite_micro/audio_preprocessor_float.tflite"]


def _frame(rng: np.random.Generator, k: int, shape=(1, 480)) -> np.ndarray:
    """Loud, quiet, near-silent and full-scale frames in turn (exercise every scale_bits path)."""
    amp = (32767, 1000, 30, 3, 32767)[k % 5]
    return rng.integers(-amp, amp, size=shape, endpoint=True).astype(np.int16)


def _pair(data: bytes):
    from tflite_micro.python.tflite_micro import runtime

    tflm = runtime.Interpreter.from_bytes(data, arena_size=1 << 20)
    ours = Interpreter(model_content=data)
    ours.allocate_tensors()
    return tflm, ours


def _stream(data: bytes, frames: list[list[np.ndarray]], reset_at: tuple[int, ...] = (),
            compare=None) -> list[list[np.ndarray]]:
    """Invoke both interpreters on consecutive inputs (resetting both before the listed steps)."""
    tflm, ours = _pair(data)
    ins = [d["index"] for d in ours.get_input_details()]
    outs = [d["index"] for d in ours.get_output_details()]
    got_all = []
    for k, xs in enumerate(frames):
        if k in reset_at:
            tflm.reset()
            ours.reset()
        for i, (idx, x) in enumerate(zip(ins, xs)):
            tflm.set_input(x, i)
            ours.set_tensor(idx, x)
        tflm.invoke()
        ours.invoke()
        want = [np.array(tflm.get_output(i)) for i in range(len(outs))]
        got = [ours.get_tensor(i) for i in outs]
        if compare is not None:
            got, want = compare(got), compare(want)
        assert_same(got, want)
        got_all.append(got)
    return got_all


# -- the shared models ---------------------------------------------------------------------------------
@pytest.mark.parametrize("rel", FRONTENDS)
def test_audio_preprocessor_matches_tflm_over_a_stream_and_after_reset(rel):
    data = model_path(rel).read_bytes()
    rng = np.random.default_rng(7)
    frames = [[_frame(rng, k)] for k in range(12)]
    outs = _stream(data, frames, reset_at=(8,))
    assert len({o[0].tobytes() for o in outs}) > 6  # really different frames, not one constant output


@pytest.mark.parametrize("rel", FRONTENDS)
def test_audio_preprocessor_state_matters_and_reset_restores_it(rel):
    data = model_path(rel).read_bytes()
    it = Interpreter(model_content=data)
    it.allocate_tensors()
    i, o = it.get_input_details()[0]["index"], it.get_output_details()[0]["index"]
    x = _frame(np.random.default_rng(3), 0)

    def step() -> np.ndarray:
        it.set_tensor(i, x)  # the planner may reuse the input's memory: set it before every invoke
        it.invoke()
        return it.get_tensor(o)

    first = step()
    for _ in range(3):
        later = step()
    assert not np.array_equal(later, first)  # the noise estimate moved on
    it.reset()
    assert np.array_equal(step(), first)


@pytest.mark.parametrize("rel", FRONTENDS)
def test_audio_preprocessor_run_is_independent_samples_from_reset_state(rel):
    data = model_path(rel).read_bytes()
    rng = np.random.default_rng(11)
    xs = np.stack([_frame(rng, k) for k in range(5)])  # (5, 1, 480)
    it = Interpreter(model_content=data)
    it.allocate_tensors()
    i, o = it.get_input_details()[0]["index"], it.get_output_details()[0]["index"]
    it.set_tensor(i, xs[0])
    it.invoke()
    streaming = it.get_tensor(o)
    batched = it.run(xs, batch_size=4)[0]
    again = it.run(xs, batch_size=4)[0]
    assert np.array_equal(batched, again)
    for k in range(5):
        it.reset()
        it.set_tensor(i, xs[k])
        it.invoke()
        assert np.array_equal(batched[k], it.get_tensor(o))
    assert streaming.shape == batched[0].shape


# -- single ops ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("shift", [12, 0, 15])
def test_window_saturates_and_repeats_per_frame(shift):
    rng = np.random.default_rng(shift)
    window = rng.integers(-32768, 32767, size=16, endpoint=True).astype(np.int16)
    data = custom_op_model("SignalWindow", [("x", (3, 16), "int16"), ("w", window)], [("y", (3, 16), "int16")],
                  {"shift": shift})
    _stream(data, [[_frame(rng, k, (3, 16))] for k in range(3)])


def test_fft_auto_scale_incl_silence_and_int16_min():
    rng = np.random.default_rng(1)
    data = custom_op_model("SignalFftAutoScale", [("x", (64,), "int16")], [("y", (64,), "int16"), ("s", (), "int32")], None)
    frames = [_frame(rng, k, (64,)) for k in range(5)]
    frames.append(np.zeros(64, np.int16))
    odd = np.full(64, 3, np.int16)
    odd[[5, 40]] = -32768
    odd[41:] = np.arange(-23, 0)  # after the last int16 min, MaxAbs16's int16 max goes wrong; must match anyway
    frames.append(odd)
    frames.append(np.where(np.arange(64) == 63, -32768, 100).astype(np.int16))
    _stream(data, [[f] for f in frames])


@pytest.mark.parametrize("dtype,t_code", [("int16", 7), ("int32", 2), ("float32", 0)])
@pytest.mark.parametrize("fft_length,frame", [(512, 480), (480, 480), (60, 50), (8, 5), (64, 64)])
def test_rfft_matches_kissfft(dtype, t_code, fft_length, frame):
    rng = np.random.default_rng(fft_length)
    data = custom_op_model("SignalRfft", [("x", (2, frame), dtype)], [("y", (2, fft_length + 2), dtype)],
                  {"T": t_code, "fft_length": fft_length})
    if dtype == "float32":
        xs = [rng.standard_normal((2, frame)).astype(np.float32) * 100 for _ in range(2)]
    else:
        info = np.iinfo(dtype)
        xs = [rng.integers(info.min, info.max, size=(2, frame), endpoint=True, dtype=dtype),
              rng.integers(-(1 << 10), 1 << 10, size=(2, frame), dtype=dtype),
              np.full((2, frame), info.min, dtype), np.full((2, frame), info.max, dtype)]
    _stream(data, [[x] for x in xs])


def test_kissfft_float_plan_is_an_fft():
    rng = np.random.default_rng(0)
    for n in (512, 480, 60, 28, 14):
        x = rng.standard_normal((3, n)).astype(np.float32)
        re, im = KissFftr.make(n, False, None).forward(x)
        np.testing.assert_allclose(re + 1j * im, np.fft.rfft(x), atol=2e-4 * n ** 0.5)
        back = KissFftr.make(n, True, None).inverse(re, im)
        np.testing.assert_allclose(back / n, x, atol=1e-5)


def test_energy_over_its_bin_range():
    rng = np.random.default_rng(2)
    data = custom_op_model("SignalEnergy", [("x", (66,), "int16")], [("y", (33,), "uint32")],
                  {"end_index": 30, "start_index": 2})
    xs = [rng.integers(-32768, 32767, size=66, endpoint=True, dtype=np.int16) for _ in range(3)]
    xs.append(np.full(66, -32768, np.int16))  # 2 * 2**30 wraps int32 -> 2**31 as uint32
    got = _stream(data, [[x] for x in xs], compare=lambda outs: [o[2:30] for o in outs])
    assert got[-1][0][0] == 1 << 31


def _filter_bank_tables(model_rel: str):
    m = load_model(model_path(model_rel))
    node = next(op for op in m.main.operators if op.name == "CUSTOM:SignalFilterBank")
    return [t.data for t in node.inputs[1:]]


def test_filter_bank_with_the_micro_speech_tables():
    tables = _filter_bank_tables(FRONTENDS[0])
    rng = np.random.default_rng(4)
    ins = [("x", (257,), "uint32")] + [(f"t{i}", t) for i, t in enumerate(tables)]
    data = custom_op_model("SignalFilterBank", ins, [("y", (40,), "uint64")], {"num_channels": 40})
    xs = [rng.integers(0, 1 << 32, size=257, dtype=np.uint32), rng.integers(0, 1 << 16, size=257, dtype=np.uint32),
          np.full(257, 0xFFFFFFFF, np.uint32)]
    _stream(data, [[x] for x in xs])


def test_filter_bank_negative_weights_wrap_mod_2_64():
    weights = np.array([-3, 7, -32768, 100, 5, -1], np.int16)
    unweights = np.array([2, -9, 32767, -100, 0, 4], np.int16)
    ins = [("x", (8,), "uint32"), ("w", weights), ("u", unweights), ("fs", np.array([0, 2, 4], np.int16)),
           ("ws", np.array([0, 2, 4], np.int16)), ("wd", np.array([2, 2, 2], np.int16))]
    data = custom_op_model("SignalFilterBank", ins, [("y", (2,), "uint64")], {"num_channels": 2})
    rng = np.random.default_rng(5)
    _stream(data, [[rng.integers(0, 1 << 32, size=8, dtype=np.uint32)] for _ in range(3)])


def test_filter_bank_square_root_rounding_and_shift():
    data = custom_op_model("SignalFilterBankSquareRoot", [("x", (12,), "uint64"), ("s", (), "int32")],
                  [("y", (12,), "uint32")], None)
    special = np.array([0, 1, 2, 3, 6, 7, 0xFFFFFFFF, 0xFFFE0001 + 0xFFFF, 1 << 32, (1 << 64) - 1,
                        ((1 << 32) - 1) ** 2 + (1 << 32) - 1, 12345678901234], np.uint64)
    rng = np.random.default_rng(6)
    frames = [[special, np.array(0, np.int32)], [special, np.array(3, np.int32)],
              [rng.integers(0, 1 << 63, size=12, dtype=np.uint64) * np.uint64(2), np.array(7, np.int32)]]
    _stream(data, frames)


def test_sqrt64_is_the_rounded_square_root():
    rng = np.random.default_rng(9)
    xs = np.concatenate([rng.integers(0, 1 << 63, size=500, dtype=np.uint64) * np.uint64(2),
                         rng.integers(0, 1 << 32, size=500, dtype=np.uint64)])
    got = sqrt64(xs)
    for x, g in zip(xs.tolist(), got.tolist()):
        from math import isqrt

        r = isqrt(x)
        cap = 0xFFFF if x < 1 << 32 else 0xFFFFFFFF
        assert g == (r + 1 if x - r * r > r and r != cap else r)


@pytest.mark.parametrize("clamping", [False, True])
def test_spectral_subtraction_keeps_its_noise_estimate_across_invokes(clamping):
    opts = {"alternate_one_minus_smoothing": 15401, "alternate_smoothing": 983, "clamping": clamping,
            "min_signal_remaining": 819, "num_channels": 40, "one_minus_smoothing": 15975, "smoothing": 409,
            "smoothing_bits": 10, "spectral_subtraction_bits": 14}
    data = custom_op_model("SignalFilterBankSpectralSubtraction", [("x", (40,), "uint32")],
                  [("y", (40,), "uint32"), ("n", (40,), "uint32")], opts)
    rng = np.random.default_rng(10)
    xs = [rng.integers(0, 1 << int(rng.integers(4, 22)), size=40, dtype=np.uint32) for _ in range(10)]
    xs[4] = np.full(40, 0xFFFFFFFF, np.uint32)  # signal << smoothing_bits wraps in uint32
    _stream(data, [[x] for x in xs], reset_at=(7,))


def test_pcan_with_the_micro_speech_lut():
    m = load_model(model_path(FRONTENDS[0]))
    node = next(op for op in m.main.operators if op.name == "CUSTOM:SignalPCAN")
    lut = node.inputs[2].data
    data = custom_op_model("SignalPCAN", [("x", (40,), "uint32"), ("n", (40,), "uint32"), ("lut", lut)],
                  [("y", (40,), "uint32")], {"snr_shift": 6})
    rng = np.random.default_rng(12)
    frames = []
    for k in range(4):
        hi = 1 << (8 * k + 4)
        frames.append([rng.integers(0, hi, size=40, dtype=np.uint32),
                       rng.integers(0, hi, size=40, dtype=np.uint32)])
    small = np.arange(40, dtype=np.uint32)
    frames.append([small * 1000, small])  # noise estimates 0..2 hit the direct LUT entries
    frames.append([np.full(40, 0xFFFFFFFF, np.uint32), np.full(40, 0xFFFFFFFF, np.uint32)])
    _stream(data, frames)


@pytest.mark.parametrize("bits,scale", [(3, 64), (0, 1), (12, 1000)])
def test_filter_bank_log(bits, scale):
    data = custom_op_model("SignalFilterBankLog", [("x", (64,), "uint32")], [("y", (64,), "int16")],
                  {"input_correction_bits": bits, "output_scale": scale})
    rng = np.random.default_rng(bits)
    small = np.arange(64, dtype=np.uint32)
    powers = (np.uint64(1) << np.arange(64, dtype=np.uint64) % np.uint64(32)).astype(np.uint32)
    xs = [small, powers, powers - np.uint32(1), rng.integers(0, 1 << 32, size=64, dtype=np.uint32)]
    _stream(data, [[x] for x in xs])


def test_bit_helpers_follow_the_gcc_build():
    assert msb32(np.array([0, 1, 2, 3, 0xFFFFFFFF])).tolist() == [32, 1, 2, 2, 32]
    assert msb64(np.array([0, 1, 1 << 40, (1 << 64) - 1], np.uint64)).tolist() == [64, 1, 41, 64]
    assert max_abs16(np.array([[1, -5, 3], [-32768, 2, 1], [0, 0, 0]], np.int16)).tolist() == [5, 2, 0]


def test_rfft_refuses_lengths_tflm_cannot_run():
    from mcuml.errors import UnsupportedOpError

    data = custom_op_model("SignalRfft", [("x", (1, 28), "int16")], [("y", (1, 30), "int16")], {"T": 7, "fft_length": 28})
    with pytest.raises(UnsupportedOpError, match="prime factor 7"):  # the wheel segfaults on this one
        Interpreter(model_content=data)


def test_prepare_refuses_wrong_types_with_node_context():
    from mcuml.errors import UnsupportedOpError

    data = custom_op_model("SignalWindow", [("x", (1, 16), "int8"), ("w", np.ones(16, np.int16))],
                  [("y", (1, 16), "int8")], {"shift": 1})
    with pytest.raises(UnsupportedOpError, match=r"node 0 \(CUSTOM:SignalWindow\)"):
        Interpreter(model_content=data)
    data = custom_op_model("SignalRfft", [("x", (1, 16), "int16")], [("y", (1, 18), "int16")], {"fft_length": 16})
    with pytest.raises(UnsupportedOpError, match="lack T"):
        Interpreter(model_content=data)
