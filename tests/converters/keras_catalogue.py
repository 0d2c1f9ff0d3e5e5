"""The Keras layer catalogue (tests/data/keras_catalogue, built by tools/gen_keras_catalogue.py) against the
TFLM wheel: predicted host arena vs the wheel's minimum, ``check`` verdict vs the wheel's AllocateTensors,
and outputs. Shared by the test and by ``python tests/converters/keras_catalogue.py`` (a full report)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

CATALOGUE = Path(__file__).resolve().parents[1] / "data" / "keras_catalogue"
BIG_ARENA = 4 << 20
FLOAT_RTOL = 1e-6


def predict_arena(model):
    """The one place that knows where ``predict_arena`` lives (it moves to mcuml.plan.arena)."""
    from mcuml.plan.arena import predict_arena as predict

    return predict(model)


def entries() -> list[dict]:
    data = json.loads((CATALOGUE / "manifest.json").read_text())
    return [e for e in data["models"] if e.get("file")]


# One subprocess per model: AllocateTensors + invoke at a big arena (its error text is the reason when it
# fails), then the smallest arena that works, searched from the prediction outwards. Every probe's result
# is printed before the next starts, so that a crash at a marginal size loses nothing (the parent restarts).
_BISECT = r"""
import sys
from tflite_micro.python.tflite_micro import runtime
data = open(sys.argv[1], 'rb').read()
start, lo, hi, big = (int(a) for a in sys.argv[2:6])
def ok(size):
    print('probe', size, flush=True)
    try:
        it = runtime.Interpreter.from_bytes(data, arena_size=size)
        it.invoke()
    except Exception as e:
        print('fail', size, str(e).replace('\n', ' ')[:300], flush=True)
        return False
    print('ok', size, flush=True)
    return True
if big and not ok(big):
    sys.exit(0)
if start == 0:  # no bisection asked for
    print('min', -1, flush=True)
    sys.exit(0)
if hi < 0:  # upward from the prediction (or past the last failure)
    s, step = (start if start > lo else lo + 16), 16
    while not ok(s):
        lo, s, step = s, s + step, step * 4
    hi = s
if lo < 0:  # downward until a size fails
    step, s = 16, hi - 16
    while s > 0 and ok(s):
        hi, step = s, step * 4
        s = hi - step
    lo = max(s, 0)
while hi - lo > 1:
    mid = (lo + hi) // 2
    if ok(mid):
        hi = mid
    else:
        lo = mid
print('min', hi, flush=True)
"""


@dataclass(frozen=True)
class WheelArena:
    runs: bool
    minimum: int | None
    reason: str
    probes: int


def wheel_minimum(path: Path, start: int | None) -> WheelArena:
    """Whether the wheel runs ``path`` at a big arena, and the smallest arena with which it does (searched from
    ``start``; ``None``: no search, ``minimum`` is then None)."""
    lo, hi, big, probes, reason = -1, -1, BIG_ARENA, 0, ""
    for _ in range(40):  # each crash narrows the range by one probe
        first = 0 if start is None else max(start, 16)
        r = subprocess.run([sys.executable, "-c", _BISECT, str(path), str(first), str(lo), str(hi),
                            str(big)], capture_output=True, text=True, timeout=300)
        pending = None
        for line in r.stdout.splitlines():
            word, _, rest = line.partition(" ")
            if word == "probe":
                pending, probes = int(rest), probes + 1
                continue
            if word == "min":
                return WheelArena(True, int(rest) if start is not None else None, reason, probes)
            size = int(rest.split(" ", 1)[0])
            pending = None
            if size == big:
                if word == "fail":
                    err = [ln for ln in r.stderr.splitlines() if ln.strip()]
                    return WheelArena(False, None, " | ".join(err[-4:]) or rest, probes)
                big = 0
            elif word == "ok":
                hi = size if hi < 0 else min(hi, size)
            else:
                lo = max(lo, size)
        if pending is None:  # died after a probe finished (TFLM aborts in a failed interpreter's teardown)
            if r.returncode == 0:
                break
            continue
        if pending == big:
            return WheelArena(False, None, f"the wheel crashed (rc {r.returncode}) at {big} B", probes)
        lo, big = max(lo, pending), 0  # a crash at a marginal size: that size does not work
        reason = f"the wheel crashed at {pending} B"
    raise RuntimeError(f"bisection of {path.name} ended without a result: {r.stderr[-500:]}")


@dataclass(frozen=True)
class Outcome:
    layer: str
    mode: str
    ops: tuple[str, ...]
    predicted: int | None
    minimum: int | None
    check_runs: bool
    check_reason: str
    wheel_runs: bool
    wheel_reason: str
    outputs: str  # "exact", "rel <err>", "differ: ...", "n/a: ..."

    @property
    def arena_ok(self) -> bool:
        if not self.wheel_runs or self.minimum is None:
            return True
        return self.predicted is not None and self.minimum <= self.predicted <= self.minimum + 16

    @property
    def verdict_ok(self) -> bool:
        """Same verdict; when both refuse, check names the op whose Prepare/Eval the wheel reports failing."""
        if self.check_runs != self.wheel_runs:
            return False
        failing = re.search(r"Node (\S+) \(number \d+\) failed|builtin opcode '(\w+)'", self.wheel_reason)
        return self.wheel_runs or failing is None or (failing.group(1) or failing.group(2)) in self.check_reason

    @property
    def outputs_ok(self) -> bool:
        return self.outputs == "exact" or self.outputs.startswith(("rel ", "n/a: wheel"))


def _outputs(data: bytes, model, seed: int) -> str:
    from oracle import mcuml_run, random_input, tflm_run

    rng = np.random.default_rng(seed)
    xs = [random_input(t.shape, t.dtype.numpy, rng) for t in model.main.inputs]
    want = tflm_run(data, xs, arena_size=BIG_ARENA)
    try:
        got = mcuml_run(data, xs)
    except Exception as e:  # noqa: BLE001 - reported as a finding, not hidden
        return f"differ: mcuml failed: {type(e).__name__}: {str(e)[:200]}"
    worst = 0.0
    for g, w in zip(got, want):
        g = np.asarray(g).reshape(np.shape(w))
        if np.issubdtype(w.dtype, np.floating):
            if not np.array_equal(g, w):
                scale = max(float(np.max(np.abs(w))), 1e-30)
                worst = max(worst, float(np.max(np.abs(g.astype(np.float64) - w))) / scale)
        elif g.dtype != w.dtype or not np.array_equal(g, w):
            n = int(np.count_nonzero(g != w)) if g.shape == w.shape else -1
            return f"differ: {n} of {w.size} elements of an {w.dtype} output"
    if worst == 0.0:
        return "exact"
    return f"rel {worst:.2e}" if worst <= FLOAT_RTOL else f"differ: float rel {worst:.2e} > {FLOAT_RTOL}"


def evaluate(entry: dict, bisect: bool = True) -> Outcome:
    from mcuml import load_model
    from mcuml.check import check

    path = CATALOGUE / entry["file"]
    data = path.read_bytes()
    model = load_model(data)
    ops = tuple(dict.fromkeys(n.name for n in model.main.operators))
    res = check(model)
    reason = "; ".join(f"{p.op}: {p.reason}" for p in res.problems)
    try:
        predicted = predict_arena(model).arena_bytes
    except Exception as e:  # noqa: BLE001
        predicted, reason = None, reason + f" (predict_arena failed: {e})"
    wheel = wheel_minimum(path, (predicted or 4096) if bisect else None)
    outputs = _outputs(data, model, entry.get("seed", 0)) if wheel.runs else "n/a: wheel cannot run it"
    return Outcome(entry["layer"], entry["mode"], ops, predicted, wheel.minimum, res.runs_on_tflm, reason,
                   wheel.runs, wheel.reason, outputs)


def main() -> None:
    out = []
    for e in entries():
        o = evaluate(e)
        flags = "".join(c if ok else "-" for c, ok in zip("avo", (o.arena_ok, o.verdict_ok, o.outputs_ok)))
        print(f"{flags} {o.layer:28s} {o.mode:8s} pred {o.predicted} min {o.minimum} check {o.check_runs} "
              f"wheel {o.wheel_runs} out {o.outputs} ops {','.join(o.ops)}", flush=True)
        out.append({**asdict(o), "arena_ok": o.arena_ok, "verdict_ok": o.verdict_ok, "outputs_ok": o.outputs_ok})
    if len(sys.argv) > 1:
        Path(sys.argv[1]).write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    main()
