"""Hostile input: every malformed .tflite raises ModelFormatError, fast, without memory blow-ups.

A seeded mutator damages real models from /work/shared/models (the small ones) mostly inside the
flatbuffer *structure* (tables, vtables, offsets, vector lengths), not inside big weight buffers
where a flip only changes a weight. A mutant that still loads is fine; it must then also survive
``check`` and ``inspect`` with nothing worse than a ``McumlError`` and write back to bytes that
load to an equal model. Failures are: any other exception type, a multi-line message, a case
running past its time limit (a SIGALRM turns a hang into a failure instead of a stuck CI job)
and a load whose tracemalloc peak is far beyond the file size.
"""

from __future__ import annotations

import signal
import struct
import time
import tracemalloc

import numpy as np
import pytest

from mcuml.errors import McumlError, ModelFormatError
from mcuml.tflite import read_model
from mcuml.tflite import schema as _schema
from oracle import MODELS

# small models keep 2,000+ cases under a few seconds each of CPU; they cover every table kind
# the corpus has (conv/pool options, LSTM intermediates, custom options, signature defs, metadata)
FUZZ_MODELS = [
    "tflite_micro/hello_world_int8.tflite", "tflite_micro/hello_world_float.tflite",
    "tflite_micro/simple_add_model.tflite", "tflite_micro/seanet_conv0.tflite",
    "tflite_micro/seanet_quantize0.tflite", "tflite_micro/seanet_strided_slice0.tflite",
    "tflite_micro/seanet_leaky_relu0.tflite", "tflite_micro/audio_preprocessor_int8.tflite",
    "tflite_micro/trained_lstm_int8.tflite", "tflite_micro/micro_speech_quantized.tflite",
    "wake_vision/wv_quality_k_2_c_3.tflite", "mlcommons_tiny/kws_ref_model.tflite",
]
CASES_PER_MODEL = 180  # x 12 models = 2,160 cases
CASE_TIME_LIMIT_S = 2.0
MEMORY_FACTOR = 64  # tracemalloc peak must stay below 64 x file size + 4 MiB
TRACE_EVERY = 4  # tracemalloc slows a load ~4x: measure memory on every 4th case


class _Hang(Exception):
    pass


def _alarm(signum, frame):  # noqa: ARG001
    raise _Hang()


def weight_regions(data: bytes, min_len: int = 64) -> list[tuple[int, int]]:
    """(start, end) of buffer payloads of at least ``min_len`` bytes: the regions not worth mutating."""
    s = _schema.schema()
    _schema.set_budget(16 * len(data) + 4096)
    root = s.Model.GetRootAs(data, 0)
    out = []
    for i in range(root.BuffersLength()):
        tab = root.Buffers(i)._tab
        o = tab.Offset(4)
        if o:
            start, n = tab.Vector(o), tab.VectorLen(o)
            if n >= min_len:
                out.append((start, start + n))
    return out


INTERESTING32 = (0, 1, 2, 4, 8, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF, 0x80000000,
                 0xFFFFFFFF, 0xFFFFFFFE, 0x10000, 0x40000000)


def mutate(data: bytes, structure: np.ndarray, rng: np.random.Generator) -> tuple[str, bytes]:
    """One random mutation; ``structure`` holds the byte positions outside big weight payloads."""
    b = bytearray(data)
    n = len(b)
    kind = int(rng.integers(0, 9))
    pos = int(structure[rng.integers(0, len(structure))])
    if kind == 0:  # truncation, anywhere
        cut = int(rng.integers(0, n))
        return f"truncate@{cut}", bytes(b[:cut])
    if kind == 1:  # flip 1-4 bits in the structure
        for _ in range(int(rng.integers(1, 5))):
            p = int(structure[rng.integers(0, len(structure))])
            b[p] ^= 1 << int(rng.integers(0, 8))
        return "bitflip", bytes(b)
    if kind in (2, 3):  # an aligned 32-bit word (offset, length, index) set to an interesting value
        p = min(pos & ~3, n - 4)
        v = INTERESTING32[int(rng.integers(0, len(INTERESTING32)))] if kind == 2 else \
            (struct.unpack_from("<I", b, p)[0] + int(rng.integers(-64, 65))) & 0xFFFFFFFF
        struct.pack_into("<I", b, p, v)
        return f"word@{p}={v:#x}", bytes(b)
    if kind == 4:  # a 16-bit vtable entry
        p = min(pos & ~1, n - 2)
        struct.pack_into("<H", b, p, int(rng.choice([0, 2, 4, 0xFFFF, 0x8000, int(rng.integers(0, 1 << 16))])))
        return f"half@{p}", bytes(b)
    if kind == 5:  # random bytes over a short span
        k = int(rng.integers(1, 16))
        b[pos:pos + k] = rng.integers(0, 256, size=len(b[pos:pos + k]), dtype=np.uint8).tobytes()
        return f"junk@{pos}+{k}", bytes(b)
    if kind == 6:  # delete a span (shifts every later offset)
        k = int(rng.integers(1, 64))
        return f"delete@{pos}+{k}", bytes(b[:pos] + b[pos + k:])
    if kind == 7:  # duplicate a span
        k = int(rng.integers(1, 64))
        return f"insert@{pos}+{k}", bytes(b[:pos] + b[pos:pos + k] + b[pos:])
    # root offset or file identifier
    p = int(rng.integers(0, 8))
    b[p] = int(rng.integers(0, 256))
    return f"header@{p}", bytes(b)


def _load(mutant: bytes, trace: bool) -> tuple[object, int]:
    """(model or None, tracemalloc peak of the load, 0 when not traced)."""
    if trace:
        tracemalloc.start()
    try:
        model = read_model(mutant)
    except ModelFormatError as e:
        assert "\n" not in e.message, f"multi-line message: {e.message!r}"
        assert e.message, "empty message"
        model = None
    finally:
        peak = tracemalloc.get_traced_memory()[1] if trace else 0
        if trace:
            tracemalloc.stop()
    return model, peak


def _exercise(model) -> None:
    """A mutant that loads must survive check, inspect and a write/read round trip."""
    from mcuml.check import check
    from mcuml.inspect import inspect

    for fn in (lambda: check(model, interpreter=True), lambda: inspect(model)):
        try:
            fn()
        except McumlError:
            pass
    again = read_model(model.to_bytes())
    assert again == model, "a loadable model does not survive to_bytes() -> read_model()"


def _run_case(mutant: bytes, trace: bool = True) -> tuple[str, float, int]:
    """(outcome, seconds, load memory peak); outcome is 'loads', 'rejected' or 'hang'."""
    signal.setitimer(signal.ITIMER_REAL, CASE_TIME_LIMIT_S * 3)
    t0 = time.perf_counter()
    peak = 0
    try:
        model, peak = _load(mutant, trace)
        if model is not None:
            _exercise(model)
        outcome = "rejected" if model is None else "loads"
    except _Hang:
        outcome = "hang"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return outcome, time.perf_counter() - t0, peak


@pytest.fixture(autouse=True)
def _alarm_handler():
    old = signal.signal(signal.SIGALRM, _alarm)
    yield
    signal.signal(signal.SIGALRM, old)


@pytest.mark.parametrize("rel", FUZZ_MODELS)
def test_fuzz_model(rel: str) -> None:
    path = MODELS / rel
    if not path.exists():
        pytest.skip(f"shared model {rel} not present")
    data = path.read_bytes()
    mask = np.ones(len(data), bool)
    for start, end in weight_regions(data):
        mask[start:end] = False
    structure = np.flatnonzero(mask)
    rng = np.random.default_rng(sum(rel.encode()) * 7919)  # per-model seed, stable across runs
    stats = {"loads": 0, "rejected": 0}
    failures = []
    for case in range(CASES_PER_MODEL):
        what, mutant = mutate(data, structure, rng)
        try:
            outcome, dt, peak = _run_case(mutant, trace=case % TRACE_EVERY == 0)
        except Exception as e:  # noqa: BLE001 - the point of the test
            failures.append(f"case {case} {what}: {type(e).__name__}: {e}")
            continue
        if outcome == "hang" or dt > CASE_TIME_LIMIT_S:
            failures.append(f"case {case} {what}: took {dt:.2f}s ({outcome})")
        elif peak > MEMORY_FACTOR * len(mutant) + (4 << 20):
            failures.append(f"case {case} {what}: tracemalloc peak {peak} bytes for a {len(mutant)}-byte file")
        else:
            stats[outcome] += 1
    assert not failures, "\n".join(failures[:20])
    assert stats["rejected"] > CASES_PER_MODEL // 4, stats  # the mutator does hit the structure
