"""Every stage of mcuml on one (possibly hostile) model: each must succeed or raise a ``McumlError``.

``run_stages(data)`` takes the file bytes through load, check, inspect, the write/read round trip,
compile, invoke, predict_arena, plan, fit, profile and codegen and returns one outcome per stage:
``"ok"``, ``"McumlError:<class>"``, ``"skipped:<why>"`` or ``"FAIL:<exception>"`` (a foreign exception:
the bug the fuzz test looks for). Invoke runs only within a static operations budget
(``INVOKE_OPS_BUDGET``: MACs + element-wise work from ``Op.cost``), so a mutant that legitimately asks for
minutes of arithmetic is recorded, not run.

``python tests/fuzz_stages.py --cases 10000 --out benchmarks/results/fuzz.json`` is the ``--full`` run:
each case in a forked child with an address-space cap (``RLIMIT_AS``) and a 10 s timeout, a seed per case,
a per-stage outcome table, and the peak RSS growth of each case against 10 x (file + reported arena).
"""

from __future__ import annotations

import argparse
import json
import os
import struct
import sys
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from oracle import MODELS  # noqa: E402

STAGES = ("load", "check", "check_interp", "inspect", "roundtrip", "compile", "invoke", "arena", "arena_cm",
          "plan", "fit", "profile", "codegen")
INVOKE_OPS_BUDGET = 20_000_000
BOARD = "nano33ble"
FUZZ_MODELS = [
    "tflite_micro/hello_world_int8.tflite", "tflite_micro/hello_world_float.tflite",
    "tflite_micro/simple_add_model.tflite", "tflite_micro/seanet_conv0.tflite",
    "tflite_micro/seanet_quantize0.tflite", "tflite_micro/seanet_strided_slice0.tflite",
    "tflite_micro/seanet_leaky_relu0.tflite", "tflite_micro/audio_preprocessor_int8.tflite",
    "tflite_micro/trained_lstm_int8.tflite", "tflite_micro/micro_speech_quantized.tflite",
    "wake_vision/wv_quality_k_2_c_3.tflite", "mlcommons_tiny/kws_ref_model.tflite",
]


def weight_regions(data: bytes, min_len: int = 64) -> list[tuple[int, int]]:
    """(start, end) of buffer payloads of at least ``min_len`` bytes: the regions not worth mutating."""
    from mcuml.tflite import schema as _schema

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


def structure_positions(data: bytes) -> np.ndarray:
    mask = np.ones(len(data), bool)
    for start, end in weight_regions(data):
        mask[start:end] = False
    return np.flatnonzero(mask)


INTERESTING32 = (0, 1, 2, 4, 8, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF, 0x80000000,
                 0xFFFFFFFF, 0xFFFFFFFE, 0x10000, 0x40000000)
FLOAT32 = (0.0, -1.0, float("nan"), float("inf"), float("-inf"), 1e-30, 1e30)


def mutate(data: bytes, structure: np.ndarray, rng: np.random.Generator) -> tuple[str, bytes]:
    """One random mutation; ``structure`` holds the byte positions outside big weight payloads."""
    b = bytearray(data)
    n = len(b)
    kind = int(rng.integers(0, 11))
    pos = int(structure[rng.integers(0, len(structure))])
    if kind == 0:  # truncation, anywhere
        cut = int(rng.integers(0, n))
        return f"truncate@{cut}", bytes(b[:cut])
    if kind == 1:  # flip 1-4 bits in the structure
        for _ in range(int(rng.integers(1, 5))):
            p = int(structure[rng.integers(0, len(structure))])
            b[p] ^= 1 << int(rng.integers(0, 8))
        return "bitflip", bytes(b)
    if kind in (2, 3):  # an aligned 32-bit word (offset, length, index, dim, option) set to an interesting value
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
    if kind == 8:  # an aligned word set to a hostile float (scales, betas, alphas)
        p = min(pos & ~3, n - 4)
        v = FLOAT32[int(rng.integers(0, len(FLOAT32)))]
        struct.pack_into("<f", b, p, v)
        return f"float@{p}={v}", bytes(b)
    if kind == 9:  # an aligned 64-bit word (zero points are int64) set to an extreme
        p = min(pos & ~7, n - 8)
        v = int(rng.choice([1 << 31, -(1 << 31) - 1, 1 << 40, -1, 128, -129, 1 << 15]))
        struct.pack_into("<q", b, p, v)
        return f"int64@{p}={v}", bytes(b)
    # root offset or file identifier
    p = int(rng.integers(0, 8))
    b[p] = int(rng.integers(0, 256))
    return f"header@{p}", bytes(b)


def case_seed(base: int, case: int) -> int:
    return (base * 1_000_003 + case) & 0xFFFFFFFF


def make_case(seed: int, sources: list[tuple[str, bytes, np.ndarray]]) -> tuple[str, str, bytes]:
    """(source model, mutation, mutant) for ``seed``: the same seed gives the same mutant everywhere."""
    rng = np.random.default_rng(seed)
    rel, data, structure = sources[int(rng.integers(0, len(sources)))]
    what, mutant = mutate(data, structure, rng)
    return rel, what, mutant


def load_sources(models: list[str] = FUZZ_MODELS) -> list[tuple[str, bytes, np.ndarray]]:
    out = []
    for rel in models:
        p = MODELS / rel
        if p.exists():
            data = p.read_bytes()
            out.append((rel, data, structure_positions(data)))
    return out


def _ops(model) -> int:
    from mcuml.ops import lookup

    total = 0
    for sg in model.subgraphs:
        for node in sg.operators:
            op = lookup(node.name)
            if op is not None:
                c = op.cost(node)
                total += c.macs + c.elementwise
    return total


def _inputs(it) -> None:
    rng = np.random.default_rng(0)
    for d in it.get_input_details():
        dt = np.dtype(d["dtype"])
        shape = tuple(int(s) for s in d["shape"])
        if dt == np.bool_:
            x = rng.integers(0, 2, size=shape).astype(bool)
        elif np.issubdtype(dt, np.integer):
            info = np.iinfo(dt)
            x = rng.integers(max(info.min, -128), min(info.max, 127), size=shape, endpoint=True).astype(dt)
        else:
            x = rng.standard_normal(size=shape).astype(dt)
        it.set_tensor(d["index"], x)


def run_stages(data: bytes, workdir: str | None = None) -> tuple[dict[str, str], dict[str, int]]:
    """(stage -> outcome, numbers: arena bytes, ops) for one file's bytes."""
    from mcuml.errors import McumlError

    out: dict[str, str] = {}
    info: dict[str, int] = {"file_bytes": len(data)}

    def stage(name: str, fn) -> object:
        try:
            r = fn()
            out[name] = "ok"
            return r
        except McumlError as e:
            assert e.message and "\n" not in e.message, f"{name}: bad message {e.message!r}"
            out[name] = f"McumlError:{type(e).__name__}"
        except Exception as e:  # noqa: BLE001 - the point of the fuzz test
            out[name] = f"FAIL:{type(e).__name__}: {str(e)[:200]}"
        return None

    from mcuml.tflite import read_model

    model = stage("load", lambda: read_model(data))
    if model is None:
        return out, info
    from mcuml.plan.arena import predict_arena
    from mcuml.check import check
    from mcuml.compile import compile as compile_model
    from mcuml.fit import fit
    from mcuml.inspect import inspect
    from mcuml.interp.interpreter import Interpreter
    from mcuml.plan import plan_model
    from mcuml.profile import profile

    stage("check", lambda: check(model, size=len(data)))
    stage("check_interp", lambda: check(model, interpreter=True, size=len(data)))
    stage("inspect", lambda: inspect(model, size=len(data)))

    def roundtrip():
        again = read_model(model.to_bytes())
        if again != model:
            raise AssertionError("a loadable model does not survive to_bytes() -> read_model()")
    stage("roundtrip", roundtrip)
    compiled = stage("compile", lambda: compile_model(model))
    if compiled is None:
        out["invoke"] = "skipped:compile"
    else:
        info["ops"] = ops = _ops(model)
        if ops > INVOKE_OPS_BUDGET:
            out["invoke"] = "skipped:ops-budget"
        else:
            def invoke():
                it = Interpreter(model=model)
                it.allocate_tensors()
                _inputs(it)
                it.invoke()
                for d in it.get_output_details():
                    it.get_tensor(d["index"])
            stage("invoke", invoke)
    est = stage("arena", lambda: predict_arena(model))
    if est is not None:
        info["arena_bytes"] = est.arena_bytes
    stage("arena_cm", lambda: predict_arena(model, target="cortex-m", kernels="cmsis-nn"))
    stage("plan", lambda: plan_model(model))
    stage("fit", lambda: fit(data, BOARD))
    stage("profile", lambda: profile(data, BOARD))

    def codegen():
        from mcuml.codegen import generate

        with tempfile.TemporaryDirectory(dir=workdir) as d:
            p = Path(d) / "m.tflite"
            p.write_bytes(data)
            generate(p, "tflm-app", Path(d) / "out")
    stage("codegen", codegen)
    return out, info


# ---- the --full run: forked children with a memory cap and a timeout ---------------------------------

def _rss_kib() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _child(seed: int, sources, as_limit: int, w: int) -> None:
    import resource

    try:
        resource.setrlimit(resource.RLIMIT_AS, (as_limit, as_limit))
        base = _rss_kib()
        rel, what, mutant = make_case(seed, sources)
        outcome, info = run_stages(mutant)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        msg = {"seed": seed, "model": rel, "mutation": what, "stages": outcome, "info": info,
               "rss_growth": max(0, peak - base) * 1024}
    except BaseException as e:  # noqa: BLE001 - report whatever escaped (MemoryError, assertion)
        msg = {"seed": seed, "crash": f"{type(e).__name__}: {str(e)[:200]}"}
    os.write(w, json.dumps(msg).encode())
    os._exit(0)


def run_forked(seed: int, sources, timeout: float = 10.0, as_limit: int = 4 << 30) -> dict:
    import select
    import signal
    import time

    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        _child(seed, sources, as_limit, w)
    os.close(w)
    chunks, t0, timed_out = [], time.monotonic(), False
    while True:
        left = timeout - (time.monotonic() - t0)
        if left <= 0:
            timed_out = True
            os.kill(pid, signal.SIGKILL)
            break
        ready, _, _ = select.select([r], [], [], left)
        if ready:
            c = os.read(r, 1 << 16)
            if not c:
                break
            chunks.append(c)
    os.close(r)
    _, status = os.waitpid(pid, 0)
    if timed_out:
        return {"seed": seed, "crash": f"timeout after {timeout:g} s"}
    if not chunks:
        return {"seed": seed, "crash": f"child died (status {status})"}
    return json.loads(b"".join(chunks))


def summarize(results: list[dict], base_seed: int, wall_s: float) -> dict:
    table = {s: Counter() for s in STAGES}
    failures, crashes, over_mem = [], [], []
    worst = 0.0
    for r in results:
        if "crash" in r:
            crashes.append(r)
            continue
        for s, o in r["stages"].items():
            key = o.split(":")[0] if o.startswith("FAIL") else o
            table[s][key] += 1
            if o.startswith("FAIL"):
                failures.append({"seed": r["seed"], "model": r["model"], "mutation": r["mutation"], "stage": s,
                                 "error": o})
        allowed = 10 * (r["info"]["file_bytes"] + r["info"].get("arena_bytes", 0)) + (64 << 20)
        worst = max(worst, r["rss_growth"] / allowed)
        if r["rss_growth"] > allowed:
            over_mem.append({"seed": r["seed"], "rss_growth": r["rss_growth"], "allowed": allowed})
    return {"cases": len(results), "base_seed": base_seed, "wall_s": round(wall_s, 1),
            "stages": {s: dict(sorted(c.items())) for s, c in table.items()},
            "foreign_exceptions": len(failures), "crashes_or_timeouts": len(crashes),
            "over_memory_bound": len(over_mem), "worst_rss_fraction_of_bound": round(worst, 4),
            "memory_bound": "peak RSS growth <= 10 x (file + predicted arena) + 64 MiB interpreter slack",
            "failures": failures[:200], "crashes": crashes[:200], "over_memory": over_mem[:50]}


_BULKY = ("failures", "crashes", "over_memory", "results", "per_case")
_CODE = {"ok": "o", "McumlError": "e", "skipped": "s", "FAIL": "F"}


def compact(results: list[dict]) -> dict:
    """Every case as ``"seed": outcome letters`` (one per stage of ``STAGES``: o ok, e McumlError, s skipped,
    F foreign exception, - not reached; X: the child crashed or timed out)."""
    out = {}
    for r in results:
        if "crash" in r:
            out[str(r["seed"])] = "X"
            continue
        st = r["stages"]
        out[str(r["seed"])] = "".join(_CODE.get(st[s].split(":")[0], "?") if s in st else "-" for s in STAGES)
    return {"stages": "".join(s[0] for s in STAGES) and list(STAGES), "cases": out}


def main(argv: list[str] | None = None) -> int:
    import time

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--timeout", type=float, default=10.0)
    ap.add_argument("--out", default="benchmarks/results/fuzz.json")
    ap.add_argument("--shards", type=int, default=1, help="run every N-th case (parallel runs)")
    ap.add_argument("--shard", type=int, default=0)
    ap.add_argument("--merge", nargs="+", help="merge the --out files of sharded runs into --out")
    a = ap.parse_args(argv)
    if a.merge:
        parts = [json.loads(Path(p).read_text()) for p in a.merge]
        results = sorted((r for p in parts for r in p["results"]), key=lambda r: r["seed"])
        summary = summarize(results, a.seed, max(p["wall_s"] for p in parts))
        summary["shards"] = len(parts)
        summary["per_case"] = compact(results)
        Path(a.out).write_text(json.dumps(summary, indent=1) + "\n")
        print(json.dumps({k: v for k, v in summary.items() if k not in _BULKY}, indent=1))
        return 0 if not (summary["foreign_exceptions"] or summary["crashes_or_timeouts"]) else 1
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    sources = load_sources()
    run_stages(sources[0][1])  # warm up in the parent (lazy imports, tables) so that every child forks warm
    t0 = time.monotonic()
    results = []
    for case in range(a.shard, a.cases, a.shards):
        r = run_forked(case_seed(a.seed, case), sources, a.timeout)
        results.append(r)
        bad = r.get("crash") or [f"{s}: {o}" for s, o in r.get("stages", {}).items() if o.startswith("FAIL")]
        if bad:
            print(f"seed {r['seed']}: {bad}", file=sys.stderr, flush=True)
        if len(results) % 500 == 0:
            print(f"{len(results)} cases, {time.monotonic() - t0:.0f} s", file=sys.stderr, flush=True)
    summary = summarize(results, a.seed, time.monotonic() - t0)
    if a.shards > 1:
        summary["results"] = results  # for --merge
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(summary, indent=1) + "\n")
    if a.shards == 1:
        summary["per_case"] = compact(results)
    print(json.dumps({k: v for k, v in summary.items() if k not in _BULKY}, indent=1))
    return 0 if not (summary["foreign_exceptions"] or summary["crashes_or_timeouts"]) else 1


if __name__ == "__main__":
    sys.exit(main())
