"""Fit mcuml.emu.estimate's per-op C-engine instruction model on `mcuml measure` results; report held-out error.

Runs ``mcuml.emu.measure.measure`` (emulated Cortex-M4, nano33ble) on the models below, fits per op group
``instructions = a*MACs + b*out_elems + c*in_elems + d`` (least squares on the measured layers), and reports the
leave-one-model-out error of whole-model totals. Writes src/mcuml/data/cengine_m4_cost.json (and the raw layer
rows to benchmarks/results/cengine_calibration.json). Rerun whenever the C engine's kernels change.
Usage: python tools/calibrate_cengine.py [--models a.tflite,b.tflite]
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("MCUML_SHARED", ROOT.parent / "shared"))
DEFAULT = ("mlcommons_tiny/ad01_int8.tflite", "mlcommons_tiny/kws_ref_model.tflite",
           "mlcommons_tiny/pretrainedResnet_quant.tflite", "mlcommons_tiny/vww_96_int8.tflite",
           "mlcommons_tiny/str_ww_ref_model.tflite", "mlcommons_tiny/model_ToyCar_quant_fullint.tflite",
           "tflite_micro/hello_world_int8.tflite", "tflite_micro/micro_speech_quantized.tflite",
           "tflite_micro/person_detect.tflite",
           "wake_vision/wv_quality_k_2_c_3.tflite", "wake_vision/wv_quality_k_4_c_5.tflite",
           "wake_vision/wv_quality_benx13.tflite", "tinyengine/ptq_mnist_lenet-300-100.tflite")


def layer_rows(rel: str) -> list[dict]:
    """Measured layers of one model with the features of the node(s) each covers."""
    from mcuml.emu.estimate import FEATURES, features, group
    from mcuml.emu.measure import measure
    from mcuml.tflite import load_model

    path = SHARED / "models" / rel
    r = measure(path, "nano33ble")
    if not r.outputs_match:
        raise SystemExit(f"{rel}: outputs differ; not calibrating on a wrong engine")
    ops = load_model(path).main.operators
    prod = {id(t): i for i, o in enumerate(ops) for t in o.outputs}
    rows = []
    for x in r.layers:
        if x.node < 0:
            continue
        nodes = [x.node]
        first = x.op.split("+")[0]
        if "+" in x.op:  # fused: the first op is a producer of the named node
            nodes += [prod[id(t)] for t in ops[x.node].inputs if t is not None and id(t) in prod
                      and ops[prod[id(t)]].name == first][:1]
        f = {k: sum(features(ops[n])[k] for n in nodes) for k in FEATURES}
        f["one"] = 1.0
        rows.append({"model": rel, "op": x.op, "group": group(x.op), "instructions": x.instructions,
                     "cycles": x.cycles, **f})
    return rows


def fit(rows: list[dict]) -> dict:
    """Per-group least-squares coefficients and cycles per instruction."""
    from mcuml.emu.estimate import FEATURES

    groups: dict[str, dict] = {}
    names = sorted({r["group"] for r in rows} | {"other"})
    for g in names:
        rs = [r for r in rows if r["group"] == g] or rows
        a = np.array([[r[k] for k in FEATURES] for r in rs], dtype=np.float64)
        y = np.array([r["instructions"] for r in rs], dtype=np.float64)
        scale = np.maximum(np.abs(a).max(axis=0), 1.0)
        coef, *_ = np.linalg.lstsq(a / scale, y, rcond=None)
        coef = coef / scale
        cpi = float(sum(r["cycles"] for r in rs) / max(sum(r["instructions"] for r in rs), 1))
        groups[g] = {"coef": dict(zip(FEATURES, map(float, coef))), "cycles_per_instruction": cpi, "layers": len(rs)}
    return groups


def total(rows: list[dict], groups: dict) -> float:
    from mcuml.emu.estimate import FEATURES

    out = 0.0
    for r in rows:
        g = groups.get(r["group"], groups["other"])
        out += max(0.0, sum(g["coef"][k] * r[k] for k in FEATURES))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default=",".join(DEFAULT))
    a = ap.parse_args()
    models = a.models.split(",")
    from mcuml.errors import McumlError

    rows, used = [], []
    for rel in models:
        try:
            rows += layer_rows(rel)
        except McumlError as e:  # the C engine cannot run it (or it does not fit): not calibration data
            print(f"skipped {rel}: {e.message[:120]}", flush=True)
            continue
        used.append(rel)
        print(f"measured {rel}", flush=True)
    models = used
    errs = {}
    for rel in models:  # leave one model out
        g = fit([r for r in rows if r["model"] != rel])
        mine = [r for r in rows if r["model"] == rel]
        meas = sum(r["instructions"] for r in mine)
        errs[rel] = (total(mine, g) - meas) / meas
    ae = sorted(abs(e) for e in errs.values())
    out = {"what": "C engine instructions per node on the emulated Cortex-M4 (mcuml measure, -O2): "
                   "a*MACs + b*out_elems + c*in_elems + d per op group", "models": models, "groups": fit(rows),
           "heldout": {"per_model_rel_error": {k: round(v, 4) for k, v in errs.items()},
                       "median_abs_rel_error": round(ae[len(ae) // 2], 4), "max_abs_rel_error": round(ae[-1], 4)}}
    (ROOT / "src" / "mcuml" / "data" / "cengine_m4_cost.json").write_text(json.dumps(out, indent=1) + "\n")
    (ROOT / "benchmarks" / "results" / "cengine_calibration.json").write_text(json.dumps(rows, indent=0) + "\n")
    print(json.dumps(out["heldout"], indent=1))


if __name__ == "__main__":
    main()
