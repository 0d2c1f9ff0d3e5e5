#!/usr/bin/env python
"""Fit mcuml's latency model on the Cortex-M4 TFLM calibration file and report its error.

    python tools/calibrate_latency.py [CALIBRATION.json] [--write] [--quiet]

Reads per-layer modelled Cortex-M4 cycles of TFLM (reference and CMSIS-NN kernel sets; see the
file's "meta"), computes mcuml's static layer features for the same nodes (the .tflite files are
looked up under ``<shared>/models``), fits non-negative linear coefficients per (op, dtype) and
kernel set, and prints:

* in-sample per-layer and whole-model errors,
* leave-one-model-out (LOMO) cross-validation: for every model, coefficients fitted on all other
  models predict its whole-inference cycles; the median absolute error is the acceptance number.

``--write`` stores the coefficients (fitted on all models) in ``src/mcuml/data/latency_coeffs.json``
and the TFLM runtime code/RAM table that ``mcuml fit`` uses in ``src/mcuml/data/runtime_code_size.json``
(per-kernel flash fitted additively on the linker-map ``tflm_lib`` sizes of the calibration ELFs).
The result is deterministic: same input, same files.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from mcuml import load_model  # noqa: E402
from mcuml.profile.features import LayerFeatures, layer_features  # noqa: E402
from mcuml.profile.latency import fallback_keys, family_terms, features_row  # noqa: E402

SHARED = Path(os.environ.get("MCUML_SHARED", ROOT.parent / "shared"))
DEFAULT_CAL = SHARED / "calibration" / "cortexm4_tflm_dev.json"
OUT = ROOT / "src" / "mcuml" / "data" / "latency_coeffs.json"
OUT_CODE = ROOT / "src" / "mcuml" / "data" / "runtime_code_size.json"
KSETS = {"reference": "ref", "cmsis-nn": "cmsis"}
# rows weighted by cycles^-0.5: between absolute (0) and relative (1) least squares
WEIGHT_POWER = float(os.environ.get("MCUML_CAL_WEIGHT_POWER", 0.5))
MIN_ROWS_PER_TERM = 2

# Cortex-M4 cycles -> other cores. Factors are engineering estimates (stated, not measured here):
# M7 dual-issues and has faster MAC pipelines; M33 ~ M4 with DSP; M0+ lacks the DSP extension so
# CMSIS-NN runs its plain-C fallbacks and int8 MACs take ~2x; Xtensa LX6/LX7 run TFLM with ESP-NN
# (LX7 with 128-bit PIE SIMD). Uncertainty is the relative band we claim on top of the M4 fit.
CORE_CLASSES = {
    "cortex-m4": {"factor_reference": 1.0, "factor_cmsis": 1.0, "uncertainty": 0.15,
                  "note": "calibrated directly (instruction-accurate Cortex-M4 cycle model, zero wait states)"},
    "cortex-m7": {"factor_reference": 0.6, "factor_cmsis": 0.65, "uncertainty": 0.35,
                  "note": "dual-issue pipeline, caches/TCM; estimate from published CMSIS-NN M4 vs M7 benchmarks"},
    "cortex-m33": {"factor_reference": 1.0, "factor_cmsis": 1.05, "uncertainty": 0.3,
                   "note": "Armv8-M mainline with DSP extension: same class of SIMD as M4; estimate"},
    "cortex-m0+": {"factor_reference": 1.6, "factor_cmsis": 3.5, "uncertainty": 0.5,
                   "note": "Armv6-M, no DSP/SIMD: CMSIS-NN falls back to plain C (close to reference speed); estimate"},
    "xtensa-lx6": {"factor_reference": 1.3, "factor_cmsis": 2.0, "uncertainty": 0.5,
                   "note": "ESP32; 'cmsis-nn' means ESP-NN optimized kernels (no SIMD on LX6); rough estimate"},
    "xtensa-lx7": {"factor_reference": 1.2, "factor_cmsis": 0.8, "uncertainty": 0.5,
                   "note": "ESP32-S3; 'cmsis-nn' means ESP-NN with PIE 128-bit SIMD; rough estimate"},
}


def load_rows(cal_path: Path) -> tuple[dict, list[dict]]:
    """One record per model: its layer features and the measured cycles per kernel set."""
    cal = json.loads(cal_path.read_text())
    models = []
    for m in cal["models"]:
        path = SHARED / "models" / m["file"]
        model = load_model(path)
        ops = model.main.operators
        if len(ops) != len(m["per_op"]):
            raise SystemExit(f"{m['file']}: {len(ops)} operators but {len(m['per_op'])} calibration rows")
        layers = []
        for node, p in zip(ops, m["per_op"]):
            if node.name != p["op"]:
                raise SystemExit(f"{m['file']} node {p['index']}: {node.name} != {p['op']}")
            layers.append((layer_features(node), p))
        models.append({"file": m["file"], "layers": layers, "totals": m["totals"], "num_ops": m["num_ops"]})
    return cal, models


def nnls(a: np.ndarray, b: np.ndarray, iters: int = 200) -> np.ndarray:
    """Non-negative least squares (Lawson-Hanson active set) on column-normalized ``a``."""
    scale = np.linalg.norm(a, axis=0)
    scale[scale == 0] = 1.0
    a = a / scale
    n = a.shape[1]
    x = np.zeros(n)
    passive = np.zeros(n, dtype=bool)
    for _ in range(iters):
        w = a.T @ (b - a @ x)
        cand = ~passive & (w > 1e-12 * max(1.0, np.abs(w).max()))
        if not cand.any():
            break
        passive[np.argmax(np.where(cand, w, -np.inf))] = True
        while True:
            z = np.zeros(n)
            z[passive] = np.linalg.lstsq(a[:, passive], b, rcond=None)[0]
            if (z[passive] > 0).all():
                x = z
                break
            neg = passive & (z <= 0)
            alpha = np.min(x[neg] / (x[neg] - z[neg] + 1e-300))
            x = x + alpha * (z - x)
            passive &= x > 1e-15
            x[~passive] = 0.0
    return x / scale


def fit_group(feats: list[LayerFeatures], y: np.ndarray, terms: tuple[str, ...]) -> tuple[tuple[str, ...], np.ndarray]:
    """Fit one group; with too few rows, shrink to the terms that carry the work."""
    if len(feats) < MIN_ROWS_PER_TERM * len(terms):
        work = "macs" if "macs" in terms and all(f.macs > 0 for f in feats) else "out"
        terms = ("const", work) if len(feats) >= 2 * MIN_ROWS_PER_TERM else (work,)
    a = np.array([features_row(f, terms) for f in feats], dtype=np.float64)
    w = np.maximum(y, 1.0) ** -WEIGHT_POWER
    coef = nnls(a * w[:, None], y * w)
    if not np.any(coef):  # degenerate rows (e.g. all-zero features): fall back to a constant
        terms, coef = ("const",), np.array([float(np.median(y))])
    return terms, coef


def fit(models: list[dict], kset: str) -> dict:
    """Coefficient groups + interpreter overhead for one kernel set, from the given models."""
    key = KSETS[kset]
    by_group: dict[str, list[tuple[LayerFeatures, dict]]] = defaultdict(list)
    for m in models:
        for f, p in m["layers"]:
            for g in fallback_keys(f):
                by_group[g].append((f, p))
    groups = {}
    for g, rows in sorted(by_group.items()):
        feats = [f for f, _ in rows]
        y = np.array([p[f"cycles_{key}"] for _, p in rows], dtype=np.float64)
        family = {"conv": "CONV_2D", "matmul": "FULLY_CONNECTED", "eltwise": "ADD"}.get(g.split("/")[0])
        terms = family_terms(family or feats[0].op)
        terms, coef = fit_group(feats, y, terms)
        br = np.array([p[f"taken_branches_{key}"] for _, p in rows], dtype=np.float64)
        groups[g] = {"terms": list(terms), "coef": [float(f"{c:.6g}") for c in coef], "n": len(rows),
                     "branch_ratio": round(float(br.sum() / max(y.sum(), 1.0)), 4)}
    # interpreter overhead: Invoke minus the sum of kernels (harness trampolines excluded)
    ov = np.array([m["totals"][key]["invoke_cycles_excl_harness"] - m["totals"][key]["sum_op_cycles"]
                   for m in models], dtype=np.float64)
    nops = np.array([m["num_ops"] for m in models], dtype=np.float64)
    c0, c1 = nnls(np.stack([np.ones_like(nops), nops], axis=1), ov)
    return {"groups": groups, "interpreter_overhead": {"const": round(float(c0), 1), "per_op": round(float(c1), 2)}}


def predict_layers(coeffs: dict, m: dict, kset: str) -> list[float]:
    from mcuml.profile.latency import estimate_layer

    full = {"kernels": {kset: coeffs}}
    return [estimate_layer(f, kset, full).cycles_m4 for f, _ in m["layers"]]


def predict_total(coeffs: dict, m: dict, kset: str) -> float:
    o = coeffs["interpreter_overhead"]
    return sum(predict_layers(coeffs, m, kset)) + o["const"] + o["per_op"] * m["num_ops"]


def measured_total(m: dict, kset: str) -> float:
    return float(m["totals"][KSETS[kset]]["invoke_cycles_excl_harness"])


def evaluate(models: list[dict], quiet: bool) -> dict:
    report: dict = {}
    for kset in KSETS:
        key = KSETS[kset]
        full = fit(models, kset)
        ins_model, lomo_model, layer_err, layer_err_w, lines = [], [], [], [], []
        for i, m in enumerate(models):
            pred_layers = predict_layers(full, m, kset)
            for (_, p), q in zip(m["layers"], pred_layers):
                y = p[f"cycles_{key}"]
                layer_err.append(abs(q - y) / max(y, 1))
                layer_err_w.append((abs(q - y), y))
            meas = measured_total(m, kset)
            e_in = predict_total(full, m, kset) / meas - 1
            cv = fit(models[:i] + models[i + 1:], kset)
            e_cv = predict_total(cv, m, kset) / meas - 1
            ins_model.append(e_in)
            lomo_model.append(e_cv)
            lines.append(f"  {m['file']:<58} {meas:>14,.0f}  in-sample {e_in:+7.1%}  LOMO {e_cv:+7.1%}")
        abs_cv = [abs(e) for e in lomo_model]
        weighted = sum(a for a, _ in layer_err_w) / sum(y for _, y in layer_err_w)
        r = {"models": len(models), "layers": len(layer_err),
             "per_layer_median_abs_error": round(statistics.median(layer_err), 4),
             "per_layer_cycle_weighted_abs_error": round(weighted, 4),
             "whole_model_in_sample_median_abs_error": round(statistics.median(abs(e) for e in ins_model), 4),
             "whole_model_lomo_median_abs_error": round(statistics.median(abs_cv), 4),
             "whole_model_lomo_mean_abs_error": round(statistics.fmean(abs_cv), 4),
             "whole_model_lomo_max_abs_error": round(max(abs_cv), 4),
             "whole_model_lomo_within_15pct": sum(e <= 0.15 for e in abs_cv),
             # single-op models hold the only example of their op/dtype: LOMO must extrapolate there
             "whole_model_lomo_median_abs_error_multi_op": round(statistics.median(
                 e for e, m in zip(abs_cv, models) if m["num_ops"] > 1), 4)}
        report[kset] = r
        if not quiet:
            print(f"\n== {kset} kernels: whole-inference cycles (Cortex-M4, zero wait states)")
            print("\n".join(lines))
        print(f"{kset:>10}: per-layer median |err| {r['per_layer_median_abs_error']:.1%}, cycle-weighted "
              f"{r['per_layer_cycle_weighted_abs_error']:.1%}; whole-model in-sample median |err| "
              f"{r['whole_model_in_sample_median_abs_error']:.1%}; LOMO median |err| "
              f"{r['whole_model_lomo_median_abs_error']:.1%} (mean {r['whole_model_lomo_mean_abs_error']:.1%}, "
              f"max {r['whole_model_lomo_max_abs_error']:.1%}, {r['whole_model_lomo_within_15pct']}/{len(models)} "
              f"models within 15%; multi-op models only: median "
              f"{r['whole_model_lomo_median_abs_error_multi_op']:.1%})")
    return report


def fit_code_size(cal: dict) -> dict:
    """TFLM runtime flash per kernel set: core + sum of per-kernel sizes over the op set (NNLS on tflm_lib)."""
    models = cal["models"]
    ops = sorted({o for m in models for o in m["op_set"]})
    a = np.array([[1.0] + [float(o in m["op_set"]) for o in ops] for m in models])
    n_types = np.array([len(m["op_set"]) for m in models], dtype=np.float64)
    out: dict = {}
    for kset, key in KSETS.items():
        elf = [m["elf"][key] for m in models]
        y = np.array([e["flash_breakdown"]["tflm_lib"] for e in elf], dtype=np.float64)
        x = nnls(a, y)
        resid = a @ x - y
        lin = np.stack([np.ones_like(n_types), n_types], axis=1)
        app = nnls(lin, np.array([e["flash_breakdown"]["app_harness_and_templates"] for e in elf], dtype=np.float64))
        bss = nnls(lin, np.array([e["bss"] - e["arena_bytes_in_bss"] for e in elf], dtype=np.float64))
        tool = [e["flash_breakdown"]["toolchain_libc_libm_libgcc_rdimon"] + e["flash_breakdown"]["startup"]
                for e in elf]
        # libm/libgcc pieces are pulled in by particular kernels (expf for SOFTMAX, float helpers...)
        xt = nnls(a, np.array(tool, dtype=np.float64))
        out[kset] = {
            "core_bytes": int(round(x[0])),
            "kernel_bytes": {o: int(round(v)) for o, v in zip(ops, x[1:])},
            "unmeasured_kernel_bytes": int(round(float(np.median(x[1:][x[1:] > 0])))),
            "app_templates_bytes": {"const": int(round(app[0])), "per_op_type": round(float(app[1]), 1)},
            "static_ram_bytes": {"data": int(statistics.median(e["data"] for e in elf)),
                                 "bss_const": int(round(bss[0])), "bss_per_op_type": round(float(bss[1]), 1)},
            "stack_peak_bytes_max": max(e["stack_peak_bytes"] for e in elf),
            "toolchain_and_startup_bytes": {"median": int(statistics.median(tool)), "min": min(tool),
                                            "max": max(tool), "const": int(round(xt[0])),
                                            "per_op": {o: int(round(v)) for o, v in zip(ops, xt[1:]) if v >= 0.5}},
            "measured_op_sets": {"+".join(sorted(m["op_set"])): e["flash_breakdown"]["tflm_lib"]
                                 for m, e in zip(models, elf)},
            "fit_residual_bytes": {"median_abs": round(float(np.median(np.abs(resid))), 1),
                                   "max_abs": round(float(np.abs(resid).max()), 1)},
        }
        print(f"{kset:>10}: runtime code fit over {len(models)} ELFs: core {x[0]:,.0f} B, residual median "
              f"{np.median(np.abs(resid)):,.0f} B, max {np.abs(resid).max():,.0f} B")
    meta = cal["meta"]
    return {
        "meta": {
            "source": "ELF linker maps of the calibration builds (flash_breakdown.tflm_lib, app, toolchain; "
                      ".data/.bss; measured peak stack)",
            "target": meta["target"], "tflm_commit": meta["tflm_commit"], "cmsis_nn_commit": meta["cmsis_nn_commit"],
            "compiler": meta["compiler"], "optimization": meta["optimization_levels"], "flags": meta["common_flags"],
            "method": "tflm_lib = core + sum(kernel_bytes[op] for op in op set), non-negative least squares; "
                      "exact measured sizes are kept for the op sets that were built (measured_op_sets)",
            "generated_by": "tools/calibrate_latency.py --write",
        },
        "kernels": out,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("calibration", nargs="?", default=str(DEFAULT_CAL))
    ap.add_argument("--write", action="store_true", help=f"write {OUT.relative_to(ROOT)}")
    ap.add_argument("--quiet", action="store_true", help="only the summary lines")
    args = ap.parse_args(argv)
    cal, models = load_rows(Path(args.calibration))
    report = evaluate(models, args.quiet)
    if args.write:
        meta = cal["meta"]
        data = {
            "meta": {
                "source": f"calibration file {Path(args.calibration).name} (models: {len(models)})",
                "target": meta["target"], "tflm_commit": meta["tflm_commit"],
                "cmsis_nn_commit": meta["cmsis_nn_commit"], "compiler": meta["compiler"],
                "cycles": "modelled Cortex-M4 cycles, zero flash wait states (P=2 branch penalty)",
                "fit": f"non-negative least squares per group, rows weighted by cycles^-{WEIGHT_POWER}",
                "generated_by": "tools/calibrate_latency.py --write",
                "errors": report,
            },
            "kernels": {k: fit(models, k) for k in KSETS},
            "core_classes": CORE_CLASSES,
        }
        OUT.write_text(json.dumps(data, indent=1, sort_keys=False) + "\n")
        OUT_CODE.write_text(json.dumps(fit_code_size(cal), indent=1) + "\n")
        print(f"wrote {OUT.relative_to(ROOT)} and {OUT_CODE.relative_to(ROOT)}", file=sys.stderr)
    bad = [k for k, r in report.items() if r["whole_model_lomo_median_abs_error"] > 0.15]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
