"""DEPTHWISE_CONV_2D int8 accumulation strategies, timed per layer of the shared models (CPU time).

The kernel picks its strategy from the layer's shapes at prepare (``ops.depthwise_conv_2d.choose_strategy``);
this script is how that rule was written: it times every exact strategy on every int8 depthwise layer of the
models, for one sample and for a batched slab, and reports the rule's pick next to the fastest. Run it once on
a quiet machine when changing the rule; nothing at run time measures anything.

    python benchmarks/bench_depthwise.py [--batch 64] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("MCUML_SHARED", ROOT.parent / "shared"))


def _layers():
    from mcuml import load_model
    from mcuml.compile import compile as compile_model

    for e in json.loads((SHARED / "models" / "manifest.json").read_text()):
        if "DEPTHWISE_CONV_2D" not in e["op_types"] or not e.get("tflm_runs"):
            continue
        c = compile_model(load_model((SHARED / "models" / e["file"]).read_bytes()))
        for bn in c.nodes:
            if bn.op.name == "DEPTHWISE_CONV_2D" and getattr(bn.params, "fast", None) is not None:
                yield e["file"], bn.index, bn.params


def _cpu_ms(fn, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.thread_time()
        fn()
        best = min(best, time.thread_time() - t0)
    return best * 1e3


def _write(path: Path, head: dict, rows: list[dict]) -> None:
    """JSON with one layer per line (the file stays diffable)."""
    for r in rows:
        r["ms_per_sample"] = {k: round(v, 6) for k, v in r["ms_per_sample"].items()}
        r["rule_over_fastest"] = round(r["rule_over_fastest"], 3)
    body = ",\n".join("  " + json.dumps(r) for r in rows)
    path.write_text(json.dumps(head)[:-1] + ', "layers": [\n' + body + "\n]}\n")


def main() -> int:
    from mcuml.ops import depthwise_conv_2d as D

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "depthwise.json"))
    args = ap.parse_args()
    rows = []
    rng = np.random.default_rng(0)
    for file, index, p in _layers():
        win = p.win
        for nb in (1, args.batch):
            x = rng.integers(-128, 128, (nb, win.in_h, win.in_w, p.out_shape[3] // p.depth_multiplier),
                             dtype=np.int8)
            xs = x if p.depth_multiplier == 1 else np.repeat(x, p.depth_multiplier, axis=3)
            times = {}
            for name in D.available_strategies(p):
                how = D.STRATEGIES[name]
                times[name] = _cpu_ms(lambda how=how, p=p, xs=xs, name=name: how(p, D.padded(p, xs, name)),
                                      args.repeats) / nb
            pick = D.choose_strategy(p.win, p.out_shape[3], nb > 1, available=D.available_strategies(p))
            best = min(times, key=times.get)
            rows.append({"model": file, "node": index, "n": nb, "in": [win.in_h, win.in_w], "oc": p.out_shape[3],
                         "k": [win.k_h, win.k_w], "stride": [win.stride_h, win.stride_w],
                         "ms_per_sample": times, "fastest": best, "rule": pick,
                         "rule_over_fastest": times[pick] / times[best]})
            print(f"{file}#{index} n={nb} {win.in_h}x{win.in_w}x{p.out_shape[3]} k{win.k_h} s{win.stride_h}: "
                  + " ".join(f"{k}={v:.4f}" for k, v in times.items()) + f"  fastest={best} rule={pick} "
                  f"({times[pick] / times[best]:.2f}x)", file=sys.stderr)
    for nb in (1, args.batch):
        sel = [r for r in rows if r["n"] == nb]
        tot = {k: sum(r["ms_per_sample"][k] for r in sel if k in r["ms_per_sample"]) for k in ("taps",)}
        rule = sum(r["ms_per_sample"][r["rule"]] for r in sel)
        best = sum(r["ms_per_sample"][r["fastest"]] for r in sel)
        print(f"n={nb}: sum of fastest {best:.3f} ms, rule {rule:.3f} ms, taps only {tot['taps']:.3f} ms",
              file=sys.stderr)
    _write(Path(args.out), {"batch": args.batch, "repeats": args.repeats, "statistic": "min CPU",
                            "cpus": os.cpu_count()}, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
