"""``mcuml eval --ray`` benchmark: wall time of the same evaluation locally and on a local Ray instance with 1 and
2 workers (actors), and the speed-up from 1 to 2 workers. Writes benchmarks/results/eval_ray.json. Usage:
python benchmarks/bench_eval.py [--model PATH] [--samples N] [--repeat R]

Two Ray timings per worker count, each the minimum over ``--repeat`` runs: a whole ``run_ray`` call (actors started,
model compiled in each, samples shipped, outputs gathered: what ``mcuml eval --ray`` costs), and the compute phase
alone (the same actors, already started and warmed up on one sample). Outputs are checked equal to the local run's.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

from mcuml import load_model
from mcuml.evaluate_ray import _actor_class, chunks, run_ray
from mcuml.evaluation import run_local
from mcuml.interp.interpreter import quantize_input

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MODEL = ROOT.parent / "shared" / "models" / "mlcommons_tiny" / "vww_96_int8.tflite"


def _best(fn, repeat: int) -> tuple[float, list]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def compute_phase(ray, blob, x: np.ndarray, workers: int, repeat: int) -> tuple[float, float]:
    """(seconds to start and warm the actors, best wall seconds of the sharded computation once they run)."""
    t0 = time.perf_counter()
    actors = [_actor_class().remote(blob, 256) for _ in range(workers)]
    ray.get([a.run.remote([x[:1]]) for a in actors])
    startup = time.perf_counter() - t0
    best = float("inf")
    for _ in range(repeat):
        t1 = time.perf_counter()
        ray.get([actors[i % workers].run.remote([x[lo:hi]]) for i, (lo, hi) in enumerate(chunks(len(x), workers))])
        best = min(best, time.perf_counter() - t1)
    for a in actors:
        ray.kill(a)
    return startup, best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=str(DEFAULT_MODEL))
    ap.add_argument("--samples", type=int, default=1024)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    import ray

    m = load_model(args.model)
    t = m.main.inputs[0]
    x = quantize_input(np.random.default_rng(0).uniform(0, 1, (args.samples, *t.shape[1:])).astype(np.float32), t)
    t_local, (ref,) = _best(lambda: run_local(m, [x]), args.repeat)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="error")
    try:
        times, bound = {}, {}
        for w in (1, 2):
            cpu: list[tuple[int, float]] = []
            times[w], ((got,), _) = _best(lambda w=w, cpu=cpu: run_ray(m, [x], address="auto", workers=w,
                                                                        cpu_seconds=cpu), args.repeat)
            assert np.array_equal(got, ref), "ray outputs differ from the local run"
            per_actor = [sum(c for a, c in cpu if a == k) / args.repeat for k in range(w)]
            bound[w] = sum(per_actor) / max(per_actor)  # CPU-time balance: the speed-up idle cores would give
        blob = ray.put(m.to_bytes())
        phase = {w: compute_phase(ray, blob, x, w, args.repeat) for w in (1, 2)}
    finally:
        ray.shutdown()
    result = {
        "model": os.path.relpath(args.model, ROOT.parent), "samples": args.samples, "repeat": args.repeat,
        "cpus": os.cpu_count(), "load_average_1min": round(os.getloadavg()[0], 2),
        "machine": platform.machine(), "ray": ray.__version__,
        "local_s": round(t_local, 3), "ray_1_worker_s": round(times[1], 3), "ray_2_workers_s": round(times[2], 3),
        "speedup_1_to_2_workers": round(times[1] / times[2], 3),
        "actor_start_s": {str(w): round(phase[w][0], 3) for w in (1, 2)},
        "compute_1_worker_s": round(phase[1][1], 3), "compute_2_workers_s": round(phase[2][1], 3),
        "compute_speedup_1_to_2_workers": round(phase[1][1] / phase[2][1], 3),
        "cpu_balance_speedup_2_workers": round(bound[2], 3),
        "note": "ray_*_s: whole run_ray calls, incl. actor start and model compile; compute_*: warm actors only; "
                "all wall times depend on how busy the cores are (load_average_1min); "
                "cpu_balance_speedup is the sum of the actors' CPU seconds over the busiest actor's (the wall-time "
                "speed-up on idle cores, less Ray's overhead)",
    }
    out = ROOT / "benchmarks" / "results" / "eval_ray.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
