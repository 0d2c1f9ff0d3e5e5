"""Acceptance table of the C engine over every shared model it covers.

Per model: bit-exact vs the TFLM wheel (``--samples`` random inputs; float: 1e-5 relative), the C
arena vs TFLM's greedy head, Cortex-M4 ``-Os`` flash and SRAM from the linked ELF vs TFLM's (model
+ runtime code; arena head + tail + runtime statics, the smaller of the reference / CMSIS-NN
builds, as ``mcuml fit`` computes them). Writes ``benchmarks/results/cengine_memory.json``.

    python benchmarks/bench_cengine_memory.py [--samples 2] [--models REL ...]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def row(rel: str, samples: int) -> dict:
    from oracle import MODELS, assert_same, random_input, tflm_run

    from mcuml.cengine import CEngine, unsupported_ops
    from mcuml.cengine.api import fit_c

    path = MODELS / rel
    probs = unsupported_ops(path)
    if probs:
        return {"model": rel, "covered": False, "unsupported": list(probs)}
    e = CEngine(path)
    rng = np.random.default_rng(0)
    exact = True
    for _ in range(samples):
        xs = [random_input(t.shape, np.dtype(t.dtype), rng) for t in e.generated.inputs]
        e.reset()  # stateful models (SVDF): every sample from the start-up state, like tflm_run
        for d, x in zip(e.get_input_details(), xs):
            e.set_tensor(d["index"], x)
        e.invoke()
        try:
            assert_same([e.get_tensor(d["index"]) for d in e.get_output_details()], tflm_run(path, xs))
        except AssertionError:
            exact = False
    f = fit_c(path)
    return {"model": rel, "covered": True, "bit_exact": exact, "c_arena": f.arena_bytes,
            "tflm_arena_head": f.tflm_arena_head_bytes, "c_sram": f.sram_bytes, "tflm_sram": f.tflm_sram_bytes,
            "sram_ratio": round(f.sram_ratio, 3), "c_flash": f.flash_bytes, "tflm_flash": f.tflm_flash_bytes,
            "flash_ratio": round(f.flash_ratio, 3)}


def main(argv: list[str] | None = None) -> None:
    from oracle import manifest

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=2)
    ap.add_argument("--models", nargs="*", default=None)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "cengine_memory.json"))
    a = ap.parse_args(argv)
    rels = a.models or [m["file"] for m in manifest()]
    rows = []
    for rel in rels:
        try:
            rows.append(row(rel, a.samples))
        except Exception as ex:  # noqa: BLE001 - a table row, not a test: record and go on
            rows.append({"model": rel, "covered": False, "error": f"{type(ex).__name__}: {ex}"[:500]})
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    Path(a.out).write_text(json.dumps({"benchmark": "bench_cengine_memory", "results": rows}, indent=2) + "\n")
    print(a.out)


if __name__ == "__main__":
    main()
