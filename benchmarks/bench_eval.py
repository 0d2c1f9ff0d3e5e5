"""``mcuml eval --ray`` benchmark: wall time of the same evaluation locally and on a local Ray instance with 1 and
2 workers (actors), and the speed-up from 1 to 2 workers. Writes benchmarks/results/eval_ray.json. Usage:
python benchmarks/bench_eval.py [--model PATH] [--samples N] [--repeat R]

Each Ray timing is one whole ``run_ray`` call (actors started, model compiled in each, samples shipped, outputs
gathered), the minimum over ``--repeat`` calls. Outputs are checked equal to the local run's.
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
from mcuml.evaluate_ray import run_ray
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
        times = {}
        for w in (1, 2):
            times[w], ((got,), _) = _best(lambda w=w: run_ray(m, [x], address="auto", workers=w), args.repeat)
            assert np.array_equal(got, ref), "ray outputs differ from the local run"
    finally:
        ray.shutdown()
    result = {
        "model": os.path.relpath(args.model, ROOT.parent), "samples": args.samples, "repeat": args.repeat,
        "cpus": os.cpu_count(), "load_average_1min": round(os.getloadavg()[0], 2), "machine": platform.machine(), "ray": ray.__version__,
        "local_s": round(t_local, 3), "ray_1_worker_s": round(times[1], 3), "ray_2_workers_s": round(times[2], 3),
        "speedup_1_to_2_workers": round(times[1] / times[2], 3),
        "note": "wall time incl. actor start and model compile per call; the host's 2 cores are shared",
    }
    out = ROOT / "benchmarks" / "results" / "eval_ray.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
