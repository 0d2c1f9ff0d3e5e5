"""Arena prediction for the TFLM Signal custom ops (``signal/micro/kernels/*.cc``) against the wheel.

Single-op models of every Signal op mcuml sizes, with the option values that change the persistent
data (FFT length and type, channel counts), are built here; one subprocess runs the wheel's
``print_allocations()`` on each and the predicted tail must equal the wheel's tail byte for byte.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from oracle import custom_op_model

from mcuml import load_model
from mcuml.ops._facts import struct_sizes
from mcuml.ops.signal_rfft import kiss_fftr_bytes as _kiss_fftr_bytes
from mcuml.plan.arena import predict_arena
from mcuml.ir.dtypes import DType
from mcuml.plan.records import scratch_requests

_PRINT = r"""
import sys
from tflite_micro.python.tflite_micro import runtime
for path in sys.argv[1:]:
    print('MODEL', path, file=sys.stderr, flush=True)
    runtime.Interpreter.from_bytes(open(path, 'rb').read(), arena_size=1 << 20).print_allocations()
"""




def _rfft(dtype: str, t_code: int, n: int, frame: int) -> bytes:
    return custom_op_model("SignalRfft", [("x", (2, frame), dtype)], [("y", (2, n + 2), dtype)], {"T": t_code, "fft_length": n})


def _filter_bank(channels: int) -> bytes:
    rng = np.random.default_rng(channels)
    w = rng.integers(0, 4096, size=3 * channels, dtype=np.int16)
    starts = np.arange(channels + 1, dtype=np.int16)
    widths = np.full(channels + 1, 2, np.int16)
    return custom_op_model("SignalFilterBank", [("x", (129,), "uint32"), ("w", w), ("u", 4096 - w), ("fs", starts),
                                       ("ws", starts * 2), ("cw", widths)], [("y", (channels,), "uint64")],
                  {"num_channels": channels})


def _spectral_subtraction(channels: int) -> bytes:
    opts = {"alternate_one_minus_smoothing": 15401, "alternate_smoothing": 983, "clamping": False,
            "min_signal_remaining": 819, "num_channels": channels, "one_minus_smoothing": 15975, "smoothing": 409,
            "smoothing_bits": 10, "spectral_subtraction_bits": 14}
    return custom_op_model("SignalFilterBankSpectralSubtraction", [("x", (channels,), "uint32")],
                  [("y", (channels,), "uint32"), ("n", (channels,), "uint32")], opts)


CASES = {
    "window": lambda: custom_op_model("SignalWindow", [("x", (3, 16), "int16"), ("w", np.arange(16, dtype=np.int16))],
                             [("y", (3, 16), "int16")], {"shift": 12}),
    "fft_auto_scale": lambda: custom_op_model("SignalFftAutoScale", [("x", (64,), "int16")],
                                     [("y", (64,), "int16"), ("s", (), "int32")], None),
    "rfft_int16_512": lambda: _rfft("int16", 7, 512, 480),
    "rfft_int16_60": lambda: _rfft("int16", 7, 60, 50),
    "rfft_int32_64": lambda: _rfft("int32", 2, 64, 64),
    "rfft_float_480": lambda: _rfft("float32", 0, 480, 480),
    "energy": lambda: custom_op_model("SignalEnergy", [("x", (514,), "int16")], [("y", (257,), "uint32")],
                             {"end_index": 241, "start_index": 5}),
    "filter_bank_40": lambda: _filter_bank(40),
    "filter_bank_7": lambda: _filter_bank(7),
    "square_root": lambda: custom_op_model("SignalFilterBankSquareRoot", [("x", (40,), "uint64"), ("s", np.int32(3))],
                                  [("y", (40,), "uint32")], None),
    "spectral_subtraction_40": lambda: _spectral_subtraction(40),
    "spectral_subtraction_13": lambda: _spectral_subtraction(13),
    "pcan": lambda: custom_op_model("SignalPCAN", [("x", (40,), "uint32"), ("n", (40,), "uint32"),
                                          ("lut", np.arange(125, dtype=np.int16))], [("y", (40,), "uint32")],
                           {"snr_shift": 6}),
    "filter_bank_log": lambda: custom_op_model("SignalFilterBankLog", [("x", (40,), "uint32")], [("y", (40,), "int16")],
                                      {"input_correction_bits": 3, "output_scale": 64}),
}


@pytest.fixture(scope="module")
def wheel_tails(tmp_path_factory) -> dict[str, int]:
    pytest.importorskip("tflite_micro")
    d = tmp_path_factory.mktemp("signal_arena")
    paths = []
    for name, make in CASES.items():
        p = d / f"{name}.tflite"
        p.write_bytes(make())
        paths.append(str(p))
    r = subprocess.run([sys.executable, "-c", _PRINT, *paths], capture_output=True, text=True, timeout=120, check=False)
    assert r.returncode == 0, r.stderr[-2000:]
    tails = {}
    for block in r.stderr.split("MODEL ")[1:]:
        m = re.search(r"Arena allocation tail (\d+)", block)
        assert m, block[-500:]
        tails[Path(block.split()[0]).stem] = int(m.group(1))
    return tails


@pytest.mark.parametrize("case", sorted(CASES))
def test_single_signal_op_tail_equals_the_wheel(case, wheel_tails):
    est = predict_arena(load_model(CASES[case]()), target="host")
    assert not est.approximate
    assert est.tail_bytes == wheel_tails[case], (case, est.tail_breakdown)


def test_kiss_fftr_state_sizes():
    host, m4 = (struct_sizes()["targets"][t]["signal"] for t in ("host", "cortex-m"))
    # 3 pointers + kiss_fft_state(256 bins) + 255 twiddles + 384 cpx of tmpbuf/super twiddles
    assert _kiss_fftr_bytes(512, DType.int16, host) == 24 + 268 + 4 * 255 + 4 * 384 == 2848
    assert _kiss_fftr_bytes(512, DType.int16, m4) == 2836
    assert _kiss_fftr_bytes(64, DType.float32, host) == 24 + 272 + 8 * 31 + 8 * 48
    assert _kiss_fftr_bytes(63, DType.int16, host) == 0


def test_rfft_requests_its_fft_length_as_scratch():
    m = load_model(_rfft("int32", 2, 64, 60))
    assert scratch_requests(m.subgraphs[0]) == [(0, 256)]
    assert scratch_requests(m.subgraphs[0], "cmsis-nn", "cortex-m") == [(0, 256)]


@pytest.mark.parametrize("rel", ["tflite_micro/audio_preprocessor_float.tflite",
                                 "tflite_micro/audio_preprocessor_int8.tflite"])
def test_audio_preprocessor_is_modelled_on_both_targets(rel):
    from oracle import model_path

    model = load_model(model_path(rel))
    host = predict_arena(model, target="host")
    m4 = predict_arena(model, target="cortex-m")
    assert not host.approximate and not m4.approximate
    # the 32-bit target saves pointer bytes in the Signal params and the kissfft state, never adds any
    assert m4.tail_bytes < host.tail_bytes
    assert host.tail_breakdown["scratch handles"] == 8  # the Rfft scratch buffer
