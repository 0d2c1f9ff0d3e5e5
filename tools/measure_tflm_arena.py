"""Measure TFLM's arena numbers for the shared models with the tflite-micro wheel (x86-64, reference kernels).

For every model the manifest marks ``tflm_runs``: the ``print_allocations()`` lines (total, head, tail,
categories) at a generous arena, and the smallest ``arena_size`` with which construction
(AllocateTensors) and one ``invoke()`` succeed, found by bisection. Every probe runs in its own
subprocess because TFLM can crash at marginal sizes (tflm-reference §2.7).

Usage: python tools/measure_tflm_arena.py [-j 2] [-o tests/plan/data/tflm_arena.json] [model ...]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT.parent / "shared" / "models"

_PROBE = r"""
import sys
from tflite_micro.python.tflite_micro import runtime
data = open(sys.argv[1], 'rb').read()
it = runtime.Interpreter.from_bytes(data, arena_size=int(sys.argv[2]))
if sys.argv[3] == '1':
    it.print_allocations()
it.invoke()
print('OK', flush=True)
"""

_LINE = re.compile(r"Arena allocation (total|head|tail) (\d+) bytes")
_CAT = re.compile(r"'([^']+)' used (\d+) bytes with alignment overhead \(requested (\d+) bytes for (\d+)")


def probe(path: Path, size: int, allocations: bool = False) -> tuple[bool, str]:
    try:
        r = subprocess.run([sys.executable, "-c", _PROBE, str(path), str(size), "1" if allocations else "0"],
                           capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        return False, ""
    return r.returncode == 0 and "OK" in r.stdout, r.stderr


def parse_allocations(text: str) -> dict:
    out: dict = {"categories": {}}
    for m in _LINE.finditer(text):
        out[m.group(1)] = int(m.group(2))
    for m in _CAT.finditer(text):
        out["categories"][m.group(1)] = {"used": int(m.group(2)), "requested": int(m.group(3)),
                                         "count": int(m.group(4))}
    return out


def measure(rel: str) -> dict:
    path = MODELS / rel
    big = max(1 << 20, 8 * path.stat().st_size)
    ok, err = probe(path, big, allocations=True)
    if not ok:
        return {"file": rel, "error": err.strip().splitlines()[-1:] or ["failed"]}
    rec = parse_allocations(err)
    lo, hi = 0, rec["total"] * 2 + 8192  # lo fails, hi works
    if not probe(path, hi)[0]:
        hi = big
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if probe(path, mid)[0]:
            hi = mid
        else:
            lo = mid
    rec["min_arena"] = hi
    rec["file"] = rel
    print(f"{rel}: total {rec['total']} head {rec['head']} tail {rec['tail']} min {hi}", file=sys.stderr, flush=True)
    return rec


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("models", nargs="*")
    ap.add_argument("-j", type=int, default=2)
    ap.add_argument("-o", default=str(ROOT / "tests" / "plan" / "data" / "tflm_arena.json"))
    a = ap.parse_args()
    manifest = json.loads((MODELS / "manifest.json").read_text())
    rels = a.models or [m["file"] for m in manifest if m.get("tflm_runs")]
    with ThreadPoolExecutor(a.j) as ex:
        results = list(ex.map(measure, rels))
    out = Path(a.o)
    old = json.loads(out.read_text()) if out.exists() else {}
    old.setdefault("meta", {"tool": "tools/measure_tflm_arena.py",
                            "oracle": "tflite-micro wheel (x86-64, reference kernels), kAllocationRecording",
                            "min_arena": "smallest arena_size for which construction and one invoke() succeed"})
    models = old.setdefault("models", {})
    for r in results:
        models[r["file"]] = r
    out.write_text(json.dumps(old, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
