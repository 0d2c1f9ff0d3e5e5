"""Batched throughput of four engines on the MLPerf Tiny models, in one process.

* ``c_engine``: mcuml's generated C (``mcuml.cengine.CEngine.run``: the sample loop runs in C, -O3)
* ``numpy``: mcuml's interpreter, ``Interpreter.run`` (one worker thread, BLAS on one thread)
* ``tflm``: the TFLM wheel, one ``invoke()`` per sample
* ``litert``: ``tf.lite.Interpreter`` (XNNPACK delegate as TensorFlow applies it by default), one
  ``invoke()`` per sample

Writes ``benchmarks/results/engines.json``: samples/s (wall and this process' CPU time) per model and
engine, the median over ``--repeats`` runs taking turns, and whether each engine's outputs equal the
TFLM wheel's on the benchmark batch.

    python benchmarks/bench_engines.py [--samples 128] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
MODELS = Path(os.environ.get("MCUML_SHARED", ROOT.parent / "shared")) / "models"
DEFAULT = ["mlcommons_tiny/ad01_int8.tflite", "mlcommons_tiny/kws_ref_model.tflite",
           "mlcommons_tiny/pretrainedResnet_quant.tflite", "mlcommons_tiny/vww_96_int8.tflite"]


def _inputs(path: Path, n: int) -> list[np.ndarray]:
    from mcuml import load_model

    rng = np.random.default_rng(0)
    out = []
    for t in load_model(path).main.inputs:
        info = np.iinfo(t.dtype.numpy) if np.issubdtype(t.dtype.numpy, np.integer) else None
        if info is not None:
            out.append(rng.integers(info.min, info.max, size=(n, *t.shape), endpoint=True).astype(t.dtype.numpy))
        else:
            out.append(rng.standard_normal((n, *t.shape)).astype(t.dtype.numpy))
    return out


def _per_sample(interp, set_input, get_output, invoke, xs: list[np.ndarray], n_out: int) -> list[np.ndarray]:
    outs: list[list[np.ndarray]] = [[] for _ in range(n_out)]
    for i in range(xs[0].shape[0]):
        for k, x in enumerate(xs):
            set_input(k, x[i])
        invoke()
        for k in range(n_out):
            outs[k].append(np.array(get_output(k)))
    return [np.stack(o) for o in outs]


def engines(path: Path) -> dict:
    """name -> callable(xs) -> outputs (N, *shape)."""
    from tflite_micro.python.tflite_micro import runtime

    from mcuml import Interpreter
    from mcuml.cengine import CEngine

    data = path.read_bytes()
    ce = CEngine(path)
    npi = Interpreter(model_content=data)
    tflm = runtime.Interpreter.from_bytes(data, arena_size=32 << 20)
    n_out = len(ce.generated.outputs)
    fns = {
        "c_engine": lambda xs: ce.run(xs),
        "numpy": lambda xs: npi.run(xs, workers=1),
        "tflm": lambda xs: _per_sample(tflm, lambda k, x: tflm.set_input(x, k), tflm.get_output, tflm.invoke, xs,
                                       n_out),
    }
    try:
        import tensorflow as tf

        lite = tf.lite.Interpreter(model_content=data, num_threads=1)
        lite.allocate_tensors()
        ind, outd = lite.get_input_details(), lite.get_output_details()
        fns["litert"] = lambda xs: _per_sample(lite, lambda k, x: lite.set_tensor(ind[k]["index"], x),
                                               lambda k: lite.get_tensor(outd[k]["index"]), lite.invoke, xs, n_out)
    except ImportError:
        pass
    return fns


def bench(rel: str, n: int, repeats: int) -> dict:
    path = MODELS / rel
    xs = _inputs(path, n)
    fns = engines(path)
    ref = fns["tflm"](xs)
    same = {k: all(np.array_equal(np.asarray(a).reshape(b.shape), b) for a, b in zip(f(xs), ref))
            for k, f in fns.items()}
    times: dict[str, list[tuple[float, float]]] = {k: [] for k in fns}
    for _ in range(repeats):
        for k, f in fns.items():
            c0, t0 = time.process_time(), time.perf_counter()
            f(xs)
            times[k].append((time.perf_counter() - t0, time.process_time() - c0))
    res = {}
    for k, ts in times.items():
        wall = statistics.median(t[0] for t in ts)
        cpu = statistics.median(t[1] for t in ts)
        res[k] = {"samples_per_s": round(n / wall, 1), "samples_per_cpu_s": round(n / max(cpu, 1e-9), 1),
                  "equal_to_tflm": bool(same[k])}
    return {"model": rel, "samples": n, "engines": res,
            "c_engine_vs_tflm": round(res["c_engine"]["samples_per_cpu_s"] / res["tflm"]["samples_per_cpu_s"], 2)}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=128)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--models", nargs="*", default=DEFAULT)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "engines.json"))
    a = ap.parse_args(argv)
    rows = []
    for rel in a.models:
        print(f"{rel} ...", file=sys.stderr, flush=True)
        rows.append(bench(rel, a.samples, a.repeats))
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    out = {"benchmark": "bench_engines", "machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                                                     "python": platform.python_version()},
           "notes": "samples/s over a batch; numpy = mcuml.Interpreter.run(workers=1); tflm/litert: one invoke per "
                    "sample; litert = tf.lite.Interpreter(num_threads=1) with TensorFlow's default XNNPACK delegate; "
                    "shared 2-core machine: CPU-time rates are the steadier numbers",
           "results": rows}
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(out, indent=2) + "\n")
    print(a.out)


if __name__ == "__main__":
    main()
