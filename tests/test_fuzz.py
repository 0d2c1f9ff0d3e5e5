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


# ---- hand-made hostile files: each must fail with a one-line message that names the problem ----

def _two_op_model():
    from mcuml.ir.build import ModelBuilder

    b = ModelBuilder()
    x = b.input("x", (1, 4), "int8", scale=0.5, zero_point=0)
    y = b.tensor("y", (1, 4), "int8", scale=0.5, zero_point=0)
    z = b.tensor("z", (1, 4), "int8", scale=0.5, zero_point=0)
    b.op("RESHAPE", [x], [y])
    b.op("RESHAPE", [y], [z])
    b.output(z)
    return b.build()


def _packed(edit) -> bytes:
    """Our two-op model through the schema's object API, edited by ``edit(ModelT)``."""
    import flatbuffers

    s = _schema.schema()
    mt = s.ModelT.InitFromPackedBuf(_two_op_model().to_bytes(), 0)
    edit(mt)
    builder = flatbuffers.Builder(1024)
    builder.Finish(mt.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def _shared_tensor_file(n: int) -> bytes:
    """A subgraph whose tensor vector points ``n`` times at one table (a decompression bomb)."""
    import flatbuffers

    s = _schema.schema()
    b = flatbuffers.Builder(1024)
    name = b.CreateString("t")
    s.TensorStartShapeVector(b, 2)
    b.PrependInt32(4)
    b.PrependInt32(1)
    shape = b.EndVector()
    s.TensorStart(b)
    s.TensorAddShape(b, shape)
    s.TensorAddName(b, name)
    t = s.TensorEnd(b)
    s.SubGraphStartTensorsVector(b, n)
    for _ in range(n):
        b.PrependUOffsetTRelative(t)
    tensors = b.EndVector()
    s.SubGraphStart(b)
    s.SubGraphAddTensors(b, tensors)
    sg = s.SubGraphEnd(b)
    s.ModelStartSubgraphsVector(b, 1)
    b.PrependUOffsetTRelative(sg)
    sgs = b.EndVector()
    s.ModelStart(b)
    s.ModelAddVersion(b, 3)
    s.ModelAddSubgraphs(b, sgs)
    b.Finish(s.ModelEnd(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def _set(path: str, value):
    def edit(mt):
        obj = mt
        *parts, last = path.split(".")
        for p in parts:
            obj = obj[int(p)] if p.isdigit() else getattr(obj, p)
        setattr(obj, last, value)
    return edit


def _reorder(mt):
    ops = mt.subgraphs[0].operators
    ops[0], ops[1] = ops[1], ops[0]


def _same_output(mt):
    mt.subgraphs[0].operators[1].outputs = [1]


HOSTILE = {
    "input index out of range": (lambda: _packed(_set("subgraphs.0.operators.0.inputs", [99])), "index 99 out of range"),
    "negative output index": (lambda: _packed(_set("subgraphs.0.operators.1.outputs", [-5])), "out of range"),
    "opcode index out of range": (lambda: _packed(_set("subgraphs.0.operators.0.opcodeIndex", 7)), "opcode index 7"),
    "buffer index out of range": (lambda: _packed(_set("subgraphs.0.tensors.0.buffer", 1000)), "buffer index 1000"),
    "subgraph input out of range": (lambda: _packed(_set("subgraphs.0.inputs", [3])), "input tensor index 3"),
    "cyclic / mis-ordered graph": (lambda: _packed(_reorder), "before operator"),
    "two producers": (lambda: _packed(_same_output), "written by operators"),
    "negative dimension": (lambda: _packed(_set("subgraphs.0.tensors.1.shape", [1, -4])), "invalid shape"),
    "absurd rank": (lambda: _packed(_set("subgraphs.0.tensors.1.shape", [1] * 100)), "rank 100"),
    "constant shorter than its shape": (lambda: _packed(lambda mt: (_set("subgraphs.0.tensors.0.buffer", 1)(mt),
                                                                    mt.buffers.append(_buffer(b"ab")))),
                                        "needs 4"),
    "wrong file identifier": (lambda: b"\x1c\x00\x00\x00TFL2" + bytes(40), "file identifier"),
    "not a flatbuffer at all": (lambda: b"# just some text, not a model\n" * 3, "not a .tflite file"),
    "empty file": (lambda: b"", "only 0 bytes"),
    "root offset past the end": (lambda: b"\xff\xff\xff\x7fTFL3" + bytes(32), "outside the"),
    "shared-table bomb": (lambda: _shared_tensor_file(50_000), "far beyond the file size"),
}


def _buffer(data: bytes):
    s = _schema.schema()
    bt = s.BufferT()
    bt.data = list(data)
    return bt


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_file(case: str) -> None:
    make, expected = HOSTILE[case]
    data = make()
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        with pytest.raises(ModelFormatError) as info:
            read_model(data)
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    msg = info.value.message
    assert "\n" not in msg and expected in msg, msg
    assert time.perf_counter() - t0 < 5
    assert peak < MEMORY_FACTOR * len(data) + (4 << 20), peak


def test_bad_path_is_a_user_error(tmp_path) -> None:
    from mcuml import load_model

    with pytest.raises(McumlError, match="cannot read"):
        load_model(tmp_path / "missing.tflite")


def test_fuzz_case_count() -> None:
    assert len(FUZZ_MODELS) * CASES_PER_MODEL >= 2000
