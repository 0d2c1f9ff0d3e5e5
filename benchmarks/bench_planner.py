"""Planner benchmark over the shared models: lower bound, greedy, optimal, optimal+reorder (head and arena).

Writes benchmarks/results/planner.json and benchmarks/results/arena_cortexm.json (predicted vs measured
Cortex-M4 arenas, reference and CMSIS-NN kernel sets). Usage:
python benchmarks/bench_planner.py [--target host|cortex-m] [--cortex-m-only]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from mcuml import load_model
from mcuml.plan.arena import predict_arena
from mcuml.plan import get_planner, lower_bound, optimize_model, plan_greedy, usage_records

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT.parent / "shared" / "models"
BRANCHY = ("pretrainedResnet", "mcunet", "mobilenet", "wv_quality")


def cortex_m_comparison() -> dict:
    """Predicted 32-bit arenas vs the measured Cortex-M4 numbers in shared/calibration (both kernel sets)."""
    cal = json.loads((MODELS.parent / "calibration" / "cortexm4_tflm_dev.json").read_text())
    rows = []
    for m in cal["models"]:
        model = load_model(MODELS / m["file"])
        row = {"model": m["file"]}
        for kset, key in (("reference", "ref"), ("cmsis-nn", "cmsis")):
            if f"arena_min_32bit_{key}" not in m:
                continue
            est = predict_arena(model, target="cortex-m", kernels=kset)
            row[key] = {"measured_min": m[f"arena_min_32bit_{key}"], "measured_used": m[f"arena_used_32bit_{key}"],
                        "predicted": est.arena_bytes, "predicted_used": est.used_bytes,
                        "diff": est.arena_bytes - m[f"arena_min_32bit_{key}"]}
        rows.append(row)
    def stats(key):
        d = [r[key]["diff"] for r in rows if key in r]
        du = [r[key]["predicted_used"] - r[key]["measured_used"] for r in rows if key in r]
        hist: dict[str, int] = {}
        for x in sorted(d):
            hist[str(x)] = hist.get(str(x), 0) + 1
        return {"n": len(d), "exact": sum(x == 0 for x in d), "within_16": sum(abs(x) <= 16 for x in d),
                "under_predicted": sum(x < 0 for x in d), "min_diff": min(d), "max_diff": max(d),
                "max_abs": max(map(abs, d)), "median_abs": sorted(map(abs, d))[len(d) // 2],
                "diff_histogram": hist, "used_max_abs": max(map(abs, du))}
    return {"models": rows, "reference": stats("ref"), "cmsis-nn": stats("cmsis")}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", default="host")
    ap.add_argument("--cortex-m-only", action="store_true", help="only the calibration comparison")
    a = ap.parse_args()
    if a.cortex_m_only:
        cm = cortex_m_comparison()
        (ROOT / "benchmarks" / "results" / "arena_cortexm.json").write_text(json.dumps(cm, indent=1) + "\n")
        print(json.dumps({k: cm[k] for k in ("reference", "cmsis-nn")}, indent=1))
        return
    rows = []
    for entry in json.loads((MODELS / "manifest.json").read_text()):
        model = load_model(MODELS / entry["file"])
        recs = usage_records(model, target=a.target)
        t0 = time.perf_counter()
        greedy = plan_greedy(recs).size
        optimal = get_planner("optimal")(recs).size
        t1 = time.perf_counter()
        opt = optimize_model(model, planner="optimal", reorder=True, target=a.target)
        t2 = time.perf_counter()
        rows.append({"model": entry["file"], "buffers": len(recs), "lower_bound": lower_bound(recs),
                     "greedy": greedy, "optimal": optimal, "optimal_reorder": opt.arena.head_bytes,
                     "arena_greedy": opt.baseline.arena_bytes, "arena_optimized": opt.arena.arena_bytes,
                     "aliased": opt.aliased, "optimal_s": round(t1 - t0, 3), "optimize_s": round(t2 - t1, 3),
                     "branchy": any(b in entry["file"] for b in BRANCHY)})
        print(f"{entry['file']:62s} lb {rows[-1]['lower_bound']:8d} greedy {greedy:8d} opt {optimal:8d} "
              f"opt+reorder {opt.arena.head_bytes:8d}")
    def agg(sel):
        g = sum(r["greedy"] for r in sel)
        o = sum(r["optimal_reorder"] for r in sel)
        return {"models": len(sel), "greedy_head_sum": g, "optimized_head_sum": o,
                "reduction": round(1 - o / g, 4) if g else 0.0,
                "optimal_never_worse": all(r["optimal"] <= r["greedy"] for r in sel),
                "greedy_at_lower_bound": sum(r["greedy"] == r["lower_bound"] for r in sel)}
    cm = cortex_m_comparison()
    (ROOT / "benchmarks" / "results" / "arena_cortexm.json").write_text(json.dumps(cm, indent=1) + "\n")
    print("cortex-m:", {k: cm[k] for k in ("reference", "cmsis-nn")})
    out = {"target": a.target, "models": rows, "aggregate": agg(rows),
           "branchy": agg([r for r in rows if r["branchy"]])}
    path = ROOT / "benchmarks" / "results" / "planner.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps({"aggregate": out["aggregate"], "branchy": out["branchy"]}, indent=1))


if __name__ == "__main__":
    main()
