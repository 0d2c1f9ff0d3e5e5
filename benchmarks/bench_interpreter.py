"""Interpreter speed: mcuml vs the TFLM wheel (and ai-edge-litert if installed), same process.

Writes ``benchmarks/results/interpreter.json``: per model, the median single-sample ``invoke()``
time and the batched per-sample time (``Interpreter.run`` on 256 samples; both the thread and the
process mode are timed and the faster is reported, ``batched_mode``), with the machine noted.
Every number comes as wall time (``*_ms``) and as this process' CPU time (``*_cpu_ms``): on a
shared machine wall time swings with the load, CPU time much less (the batched CPU time is the thread
mode's: process mode's workers are other processes). mcuml and TFLM calls are interleaved (one of
each per repeat) so that both see the same load.

    python benchmarks/bench_interpreter.py [--repeats 15] [--batch 256]
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
DEFAULT = ["mlcommons_tiny/pretrainedResnet_quant.tflite", "mlcommons_tiny/kws_ref_model.tflite",
           "mlcommons_tiny/vww_96_int8.tflite", "mlcommons_tiny/ad01_int8.tflite"]


def _timed(fn) -> tuple[float, float]:
    c0, t0 = time.process_time(), time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1e3, (time.process_time() - c0) * 1e3


def _interleaved(fns: dict, repeats: int) -> dict[str, tuple[float, float]]:
    """Median (wall ms, CPU ms) per function, the functions taking turns within each repeat."""
    for fn in fns.values():
        fn()  # warm-up
    walls: dict = {k: [] for k in fns}
    cpus: dict = {k: [] for k in fns}
    for _ in range(repeats):
        for k, fn in fns.items():
            w, c = _timed(fn)
            walls[k].append(w)
            cpus[k].append(c)
    return {k: (statistics.median(walls[k]), statistics.median(cpus[k])) for k in fns}


def bench_model(rel: str, repeats: int, batch: int, workers: int | None = None) -> dict:
    from tflite_micro.python.tflite_micro import runtime

    from mcuml import Interpreter, load_model
    from mcuml.kernels.workers import default_workers
    from mcuml.runner import random_inputs

    data = (MODELS / rel).read_bytes()
    model = load_model(data)
    xs = random_inputs(model, seed=0)
    row: dict = {"model": rel}

    ours = Interpreter(model=model)
    ours.allocate_tensors()
    idx = [d["index"] for d in ours.get_input_details()]

    def mcuml_invoke() -> None:
        for i, x in zip(idx, xs):
            ours.set_tensor(i, x)
        ours.invoke()

    tflm = runtime.Interpreter.from_bytes(data, arena_size=max(16 << 20, 20 * len(data)))

    def tflm_invoke() -> None:
        for i, x in enumerate(xs):
            tflm.set_input(x, i)
        tflm.invoke()

    t = _interleaved({"mcuml": mcuml_invoke, "tflm": tflm_invoke}, repeats)
    row["mcuml_invoke_ms"], row["mcuml_invoke_cpu_ms"] = t["mcuml"]
    row["tflm_invoke_ms"], row["tflm_invoke_cpu_ms"] = t["tflm"]
    row["invoke_ratio_mcuml_over_tflm"] = row["mcuml_invoke_ms"] / row["tflm_invoke_ms"]
    row["invoke_cpu_ratio_mcuml_over_tflm"] = row["mcuml_invoke_cpu_ms"] / row["tflm_invoke_cpu_ms"]

    rng = np.random.default_rng(1)
    batch_x = []
    for t in model.main.inputs:
        info = np.iinfo(t.dtype.numpy) if np.issubdtype(t.dtype.numpy, np.integer) else None
        shape = (batch, *t.shape)
        batch_x.append(rng.integers(info.min, info.max, size=shape, endpoint=True, dtype=t.dtype.numpy)
                       if info else rng.standard_normal(shape).astype(t.dtype.numpy))
    for _ in range(2):  # warm-up: run()'s tensors and scratch, and the process mode starts its workers
        ours.run(batch_x, batch_size=batch, workers=workers)
        ours.run(batch_x, batch_size=batch, workers=workers, mode="process")
    # TFLM's single invoke is timed again next to each batch, for a same-load comparison; the two run() modes
    # take turns with it, and the faster mode is reported
    t = _interleaved({"thread": lambda: ours.run(batch_x, batch_size=batch, workers=workers),
                      "process": lambda: ours.run(batch_x, batch_size=batch, workers=workers, mode="process"),
                      "tflm": tflm_invoke}, max(3, repeats // 3))
    ours.close()
    row["mcuml_batched_thread_ms_per_sample"] = t["thread"][0] / batch
    row["mcuml_batched_process_ms_per_sample"] = t["process"][0] / batch
    mode = "process" if t["process"][0] < t["thread"][0] else "thread"
    row["batched_mode"] = mode
    # CPU time of this process only: in process mode the workers' CPU is not in it, so it is not comparable
    row["mcuml_batched_ms_per_sample"] = t[mode][0] / batch
    row["mcuml_batched_cpu_ms_per_sample"] = t["thread"][1] / batch
    row["tflm_invoke_ms_next_to_batch"], row["tflm_invoke_cpu_ms_next_to_batch"] = t["tflm"]
    # against the faster of the two TFLM timings: a load spike during either cannot inflate the speed-up
    row["batched_speedup_vs_tflm"] = min(t["tflm"][0], row["tflm_invoke_ms"]) / row["mcuml_batched_ms_per_sample"]
    row["batched_thread_speedup_vs_tflm"] = min(t["tflm"][0], row["tflm_invoke_ms"]) / \
        row["mcuml_batched_thread_ms_per_sample"]
    row["batched_cpu_speedup_vs_tflm"] = min(t["tflm"][1], row["tflm_invoke_cpu_ms"]) / \
        row["mcuml_batched_cpu_ms_per_sample"]
    row["batched_workers"] = workers if workers is not None else (
        ours.thread_workers(batch, batch) if mode == "thread" else default_workers())

    try:
        from ai_edge_litert.interpreter import Interpreter as LiteRT

        lr = LiteRT(model_content=data, num_threads=1)
        lr.allocate_tensors()
        ins = lr.get_input_details()

        def litert_invoke() -> None:
            for d, x in zip(ins, xs):
                lr.set_tensor(d["index"], x)
            lr.invoke()

        row["litert_invoke_ms"] = _interleaved({"litert": litert_invoke}, repeats)["litert"][0]
    except Exception:  # noqa: BLE001 - optional comparison
        row["litert_invoke_ms"] = None
    return row


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--workers", type=int, default=None, help="run()'s worker threads (default: run()'s fixed rule)")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "interpreter.json"))
    ap.add_argument("models", nargs="*", default=DEFAULT)
    args = ap.parse_args()
    rows = []
    for rel in args.models:
        print(f"benchmarking {rel} ...", file=sys.stderr)
        rows.append(bench_model(rel, args.repeats, args.batch, args.workers))
        r = rows[-1]
        print(f"  invoke mcuml {r['mcuml_invoke_ms']:.3f} ms, TFLM {r['tflm_invoke_ms']:.3f} ms "
              f"(ratio {r['invoke_ratio_mcuml_over_tflm']:.2f}; CPU {r['mcuml_invoke_cpu_ms']:.3f} / "
              f"{r['tflm_invoke_cpu_ms']:.3f} ms, ratio {r['invoke_cpu_ratio_mcuml_over_tflm']:.2f}); "
              f"batched {r['mcuml_batched_ms_per_sample']:.4f} ms/sample ({r['batched_speedup_vs_tflm']:.1f}x "
              f"TFLM; CPU {r['mcuml_batched_cpu_ms_per_sample']:.4f} ms, {r['batched_cpu_speedup_vs_tflm']:.1f}x; "
              f"{r['batched_mode']} mode, {r['batched_workers']} worker(s); thread mode "
              f"{r['batched_thread_speedup_vs_tflm']:.1f}x)",
              file=sys.stderr)
    result = {
        "machine": {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
                    "cpus": os.cpu_count(), "python": platform.python_version(), "numpy": np.__version__,
                    "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None},
        "batch": args.batch, "workers": args.workers, "repeats": args.repeats, "statistic": "median", "models": rows,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
