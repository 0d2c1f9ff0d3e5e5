"""Hostile input: every malformed .tflite is refused with a ``McumlError`` at every stage, never another exception.

A seeded mutator (``fuzz_stages.mutate``) damages real models from /work/shared/models (the small ones)
mostly inside the flatbuffer *structure* (tables, vtables, offsets, vector lengths, scales, zero points),
not inside big weight buffers where a flip only changes a weight. Every mutant goes through load, check
(with and without the interpreter), inspect, the write/read round trip, compile, invoke, predict_arena
(host and Cortex-M/CMSIS-NN), plan, fit, profile and codegen (``fuzz_stages.run_stages``); each stage must
succeed or raise a ``McumlError`` with a one-line message.

Budgets are operations and bytes, not seconds: invoke runs within a static operations budget, the load's
tracemalloc peak stays below 64 x the file size, and a traced sample of whole cases stays below 10 x (file +
predicted arena). A SIGALRM hang guard (60 s, far above any case) turns a hang into a failure instead of a
stuck CI job. ``MCUML_FUZZ_FULL=1`` runs the 10,000-case version (``fuzz_stages.main``: a forked child per
case with an address-space cap and a 10 s timeout) and writes benchmarks/results/fuzz.json.
"""

from __future__ import annotations

import os
import signal
import tracemalloc
from pathlib import Path

import pytest

from fuzz_stages import FUZZ_MODELS, case_seed, load_sources, make_case, run_stages
from mcuml.errors import McumlError, ModelFormatError
from mcuml.tflite import read_model
from mcuml.tflite import schema as _schema

CI_CASES = int(os.environ.get("MCUML_FUZZ_CASES", "2100"))
CHUNKS = 7
BASE_SEED = 2026
HANG_GUARD_S = 60
MEMORY_FACTOR = 64  # load: tracemalloc peak below 64 x file size + 4 MiB
TRACE_LOAD_EVERY = 4
TRACE_CASE_EVERY = 30  # whole-case tracemalloc (slow): below 10 x (file + arena) + 32 MiB


class _Hang(Exception):
    pass


def _alarm(signum, frame):  # noqa: ARG001
    raise _Hang()


@pytest.fixture(autouse=True)
def _alarm_handler():
    old = signal.signal(signal.SIGALRM, _alarm)
    yield
    signal.signal(signal.SIGALRM, old)


@pytest.fixture(scope="module")
def sources():
    src = load_sources()
    if not src:
        pytest.skip("shared models not present")
    return src


def _traced(fn):
    tracemalloc.start()
    try:
        return fn(), tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_fuzz_every_stage(chunk: int, sources) -> None:
    per = -(-CI_CASES // CHUNKS)
    failures: list[str] = []
    counts: dict[str, int] = {}
    for case in range(chunk * per, min((chunk + 1) * per, CI_CASES)):
        seed = case_seed(BASE_SEED, case)
        rel, what, mutant = make_case(seed, sources)
        tag = f"seed {seed} ({rel} {what})"
        signal.setitimer(signal.ITIMER_REAL, HANG_GUARD_S)
        try:
            if case % TRACE_LOAD_EVERY == 0:  # the loader alone: far below the file size x 64
                _, peak = _traced(lambda m=mutant: _load_or_none(m))
                if peak > MEMORY_FACTOR * len(mutant) + (4 << 20):
                    failures.append(f"{tag}: load tracemalloc peak {peak} for a {len(mutant)}-byte file")
            if case % TRACE_CASE_EVERY == 0:
                (outcome, info), peak = _traced(lambda m=mutant: run_stages(m))
                bound = 10 * (len(mutant) + info.get("arena_bytes", 0)) + (32 << 20)
                if peak > bound:
                    failures.append(f"{tag}: tracemalloc peak {peak} over {bound}")
            else:
                outcome, info = run_stages(mutant)
        except _Hang:
            failures.append(f"{tag}: still running after {HANG_GUARD_S} s")
            continue
        except AssertionError as e:
            failures.append(f"{tag}: {e}")
            continue
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        for stage, o in outcome.items():
            counts[f"{stage}:{o.split(':')[0]}"] = counts.get(f"{stage}:{o.split(':')[0]}", 0) + 1
            if o.startswith("FAIL"):
                failures.append(f"{tag}: {stage}: {o}")
    assert not failures, "\n".join(failures[:20])
    # the mutator reaches every stage: some mutants load, compile and run, others are refused
    assert counts.get("load:McumlError", 0) > per // 4, counts
    assert counts.get("compile:ok", 0) > 0 and counts.get("invoke:ok", 0) > 0, counts


def _load_or_none(mutant: bytes):
    try:
        return read_model(mutant)
    except ModelFormatError as e:
        assert e.message and "\n" not in e.message, f"bad message {e.message!r}"
        return None


def test_fuzz_case_count() -> None:
    assert CI_CASES >= 2000 or os.environ.get("MCUML_FUZZ_CASES")
    assert len(FUZZ_MODELS) >= 10


def test_same_seed_same_mutant(sources) -> None:
    a = make_case(case_seed(BASE_SEED, 5), sources)
    b = make_case(case_seed(BASE_SEED, 5), sources)
    assert a == b


@pytest.mark.skipif(not os.environ.get("MCUML_FUZZ_FULL"), reason="set MCUML_FUZZ_FULL=1 for the 10,000-case run")
def test_fuzz_full() -> None:
    from fuzz_stages import main

    n = os.environ.get("MCUML_FUZZ_FULL")
    cases = int(n) if n and n.isdigit() and int(n) > 1 else 10_000
    out = Path(__file__).resolve().parents[1] / "benchmarks" / "results" / "fuzz.json"
    assert main(["--cases", str(cases), "--out", str(out)]) == 0


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
    try:
        with pytest.raises(ModelFormatError) as info:
            read_model(data)
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    msg = info.value.message
    assert "\n" not in msg and expected in msg, msg
    assert peak < MEMORY_FACTOR * len(data) + (4 << 20), peak


def test_bad_path_is_a_user_error(tmp_path) -> None:
    from mcuml import load_model

    with pytest.raises(McumlError, match="cannot read"):
        load_model(tmp_path / "missing.tflite")
