"""Generated sweep of single-op models (and short chains) against the TFLM wheel.

Cases: every registered op (every TFLM builtin mcuml has a module for, and the Signal ops) x every
candidate data type (the ones TFLM accepts and the ones it rejects: ``mcuml.ops._coverage`` samples),
plus option variants that change what TFLM allocates (:func:`variant_cases`: constant vs non-constant
operands, adj_x/adj_y, broadcasting, per-tensor vs per-channel, fused activations, LUT paths,
kernel-selecting shapes, a -1 in a stored shape) and a few chains.

Per case, three assertions (:func:`judge`):
  (a) mcuml's predicted host arena is in [wheel minimum, minimum + 16 B] (the wheel minimum found by
      bisection from the prediction, in a worker subprocess: ``tests/sweep_worker.py``);
  (b) ``mcuml.check`` says "runs on TFLM" exactly when the wheel constructs and invokes the model, and
      when it does not, the refusal names the node TFLM's log names;
  (c) mcuml's outputs equal the wheel's (integers exactly, floats to 1e-5 relative).

``MCUML_SWEEP=full`` runs every case and writes ``benchmarks/results/op_sweep.json``; otherwise
:func:`ci_sample` picks a deterministic subset sized for the normal suite.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mcuml.ir.model import Model

WORKER = Path(__file__).with_name("sweep_worker.py")


@dataclass(frozen=True)
class Case:
    id: str
    op: str
    dtype: str
    variant: str
    model: Model = field(repr=False, compare=False)


# -- cases ------------------------------------------------------------------------------------------
def base_cases() -> list[Case]:
    """Every registered op x every candidate dtype, from the coverage samples."""
    from mcuml.ops import registry
    from mcuml.ops._coverage import CANDIDATE_DTYPES, sample_models

    out = []
    for op in sorted(registry()):
        for dt in CANDIDATE_DTYPES:
            try:
                models = sample_models(op, dt)
            except (KeyError, ValueError, TypeError, IndexError):
                continue
            for k, m in enumerate(models):
                out.append(Case(f"{op}/{dt.name}/sample{k}", op, dt.name, f"sample{k}", m))
    return out


def variant_cases() -> list[Case]:
    from op_sweep_cases import variant_cases as build

    return build(Case)


def all_cases() -> list[Case]:
    return base_cases() + variant_cases()


def ci_sample(cases: list[Case]) -> list[Case]:
    """Deterministic CI subset (~1/6 of the sweep): per op its int8 first sample (float32 when it has no
    int8 one), int16 for every other op, one dtype TFLM rejects (uint64) for a third of the ops, and a
    quarter of the option variants; chains always."""
    by_op: dict[str, dict[str, Case]] = {}
    for c in cases:
        if c.variant == "sample0":
            by_op.setdefault(c.op, {})[c.dtype] = c
    keep = []
    for op, d in sorted(by_op.items()):
        first = d.get("int8") or d.get("float32") or next(iter(d.values()))
        keep.append(first)
        if "int16" in d and hash_id(op) % 2 == 0:
            keep.append(d["int16"])
        if "uint64" in d and hash_id(op) % 3 == 0:
            keep.append(d["uint64"])
    keep += [c for c in cases if not c.variant.startswith("sample") and ("+" in c.op or hash_id(c.id) % 4 == 0)]
    return keep


def hash_id(s: str) -> int:
    import zlib

    return zlib.crc32(s.encode())


# -- running ---------------------------------------------------------------------------------------
# Samples whose TFLM behaviour depends on arena contents, so no minimum or output can be compared (verdict only).
UNDEFINED_RUN = {"WHILE": "the coverage sample's cond subgraph returns a tensor nothing writes: whether the loop "
                          "ends depends on what the arena held before"}
# mcuml kernel gaps the sweep found (TFLM runs the case, mcuml's interpreter refuses it): reported in the summary,
# not failures of the memory/support facts this sweep checks. (op, dtype or "" , variant substring or "").
KNOWN_MCUML_GAPS = {
    ("GREATER", "int16", ""): "mcuml's comparisons have no int16 kernel (TFLM's GREATER has one)",
    ("SQUARED_DIFFERENCE", "", "5d"): "mcuml limits SQUARED_DIFFERENCE broadcasting to 4-D; TFLM runs 5-D",
    ("FLOOR_DIV", "", "5d"): "mcuml limits FLOOR_DIV broadcasting to 4-D; TFLM runs 5-D",
    ("CONV_2D+TANH+RESIZE_BILINEAR", "float32", ""): "float32 CONV_2D->TANH->RESIZE_BILINEAR differs from the wheel by "
                                                     "1.7e-5 relative (tolerance 1e-5): mcuml float numerics",
    ("LOGICAL_AND", "*", ""): "TFLM's LOGICAL_AND has no type check (reads any bytes as bool); mcuml wants bool",
    ("LOGICAL_OR", "*", ""): "TFLM's LOGICAL_OR has no type check (reads any bytes as bool); mcuml wants bool",
}


def known_gap(case: Case) -> str | None:
    for (op, dt, var), why in KNOWN_MCUML_GAPS.items():
        if case.op == op and (dt == "" or case.dtype == dt or (dt == "*" and case.dtype != "bool")) and var in case.variant:
            return why
    return None


POSITIVE_INPUT = ("RSQRT", "SQRT", "LOG")
# inputs that are shift amounts: out-of-range shifts are undefined behaviour in C (the result varies by run)
# TFLM fails Invoke on values outside the domain (data, not type)
INPUT_RANGE = {"CUSTOM:SignalFilterBankSquareRoot": {1: (0, 31)}}


def _inputs(case: Case, seed: int) -> list[np.ndarray]:
    from oracle import random_input

    rng = np.random.default_rng(seed)
    out = []
    for k, t in enumerate(case.model.subgraphs[0].inputs):
        x = random_input(t.shape, t.dtype.numpy, rng)
        if k in INPUT_RANGE.get(case.op, {}):
            lo, hi = INPUT_RANGE[case.op][k]
            x = rng.integers(lo, hi, size=t.shape, endpoint=True).astype(x.dtype)
        if case.op in POSITIVE_INPUT:
            zp = int(t.quantization.zero_point[0]) if t.quantization is not None and len(t.quantization.zero_point) else 0
            x = np.abs(x) + np.float32(0.1) if x.dtype.kind == "f" else np.maximum(x, zp + 1).astype(x.dtype)
        out.append(x)
    return out


@dataclass
class Outcome:
    case: Case
    pred: int | None = None
    pred_error: str = ""
    check_ok: bool | None = None
    check_reasons: tuple[str, ...] = ()
    check_nodes: tuple[int, ...] = ()
    wheel: dict = field(default_factory=dict)
    mcuml_error: str = ""
    outputs_equal: bool | None = None
    output_note: str = ""

    @property
    def wheel_ok(self) -> bool | None:
        return self.wheel.get("ok") if self.wheel else None

    @property
    def wheel_node(self) -> int | None:
        m = re.search(r"Node \S+ \(number (\d+)\) failed to (?:prepare|invoke)", self.wheel.get("log", ""))
        return int(m.group(1)) if m else None

    def problems(self) -> list[str]:
        """What is wrong with this case (empty = all three assertions hold)."""
        c, w = self.case.id, self.wheel
        if not w:
            return [f"{c}: the wheel worker crashed on it"]
        out = []
        if self.check_ok != self.wheel_ok:
            why = (w.get("log", "") or w.get("error", ""))[-300:].strip().replace("\n", " | ")
            out.append(f"{c}: check says runs_on_tflm={self.check_ok} {list(self.check_reasons)[:1]}, "
                       f"the wheel {'runs it' if self.wheel_ok else 'fails: ' + why}")
        elif not self.wheel_ok and self.wheel_node is not None and self.check_nodes \
                and self.wheel_node not in self.check_nodes and -1 not in self.check_nodes:
            out.append(f"{c}: check blames node(s) {list(self.check_nodes)}, TFLM node {self.wheel_node}")
        if self.wheel_ok and self.case.op not in UNDEFINED_RUN:
            lo = w["min"]
            if self.pred is None:
                out.append(f"{c}: no prediction ({self.pred_error})")
            elif self.pred < lo:
                out.append(f"{c}: UNDER-predicted host arena {self.pred} < wheel minimum {lo} ({self.pred - lo})")
            elif self.pred > lo + 16:
                out.append(f"{c}: over-predicted host arena {self.pred} > minimum {lo} + 16 (+{self.pred - lo})")
            if self.mcuml_error and known_gap(self.case):
                pass
            elif self.mcuml_error:
                out.append(f"{c}: mcuml cannot run what TFLM runs: {self.mcuml_error}")
            elif self.outputs_equal is False and not known_gap(self.case):
                out.append(f"{c}: outputs differ from the wheel's: {self.output_note}")
        return out


def _mcuml_side(o: Outcome, data: bytes, inputs: list[np.ndarray]) -> None:
    from mcuml.check import check
    from mcuml.plan.arena import predict_arena

    model = o.case.model
    try:
        o.pred = predict_arena(model, target="host", kernels="reference").arena_bytes
    except Exception as e:  # noqa: BLE001 - recorded as a finding, judged by problems()
        o.pred_error = f"{type(e).__name__}: {e}"
    r = check(model)
    o.check_ok = r.runs_on_tflm
    o.check_reasons = tuple(p.reason for p in r.problems)
    o.check_nodes = tuple(p.node for p in r.problems)


def _compare(o: Outcome, data: bytes, inputs: list[np.ndarray], outputs_path: Path) -> None:
    from oracle import assert_same, mcuml_run

    try:
        got = mcuml_run(data, inputs)
    except Exception as e:  # noqa: BLE001 - recorded as a finding
        o.mcuml_error = f"{type(e).__name__}: {str(e)[:200]}"
        return
    with np.load(outputs_path) as z:
        want = [z[f"arr_{i}"] for i in range(len(z.files))]
    try:
        assert_same(got, want)
        o.outputs_equal = True
    except AssertionError as e:
        o.outputs_equal, o.output_note = False, str(e)[:200]


def run_cases(cases: list[Case], workdir: Path) -> list[Outcome]:
    """Build, predict and check every case here; run the wheel side in one worker subprocess (restarted
    past any case that crashes it)."""
    outcomes, jobs = [], []
    for k, c in enumerate(cases):
        o = Outcome(c)
        data = c.model.to_bytes()
        inputs = _inputs(c, k)
        _mcuml_side(o, data, inputs)
        mp, ip, op_ = workdir / f"{k}.tflite", workdir / f"{k}_in.npz", workdir / f"{k}_out.npz"
        mp.write_bytes(data)
        np.savez(ip, *inputs)
        jobs.append({"id": k, "model": str(mp), "inputs": str(ip), "outputs": str(op_), "pred": o.pred or 0,
                     "n_out": len(c.model.subgraphs[0].outputs)})
        outcomes.append(o)
    results = _wheel(jobs)
    for k, o in enumerate(outcomes):
        o.wheel = results.get(k, {})
        if o.wheel_ok:
            _compare(o, Path(jobs[k]["model"]).read_bytes(), list(np.load(jobs[k]["inputs"]).values()),
                     Path(jobs[k]["outputs"]))
    return outcomes


def _worker(jobs: list[dict]) -> list[dict]:
    text = "".join(json.dumps(j) + "\n" for j in jobs)
    r = subprocess.run([sys.executable, str(WORKER)], input=text, capture_output=True, text=True,
                       timeout=120 + 5 * len(jobs))
    return [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]


def _wheel(jobs: list[dict]) -> dict[int, dict]:
    """All jobs through one worker (each probe forked inside it); a job that kills the worker itself is
    left without a result (reported as a finding) and the rest are re-run."""
    results: dict[int, dict] = {}
    pending = list(jobs)
    while pending:
        done = _worker(pending)
        for d in done:
            results[d["id"]] = d
        pending = pending[len(done) + 1:]
    return results


def summary(outcomes: list[Outcome]) -> dict:
    probs = [p for o in outcomes for p in o.problems()]
    runs = [o for o in outcomes if o.wheel_ok and o.case.op not in UNDEFINED_RUN]
    return {
        "cases": len(outcomes),
        "ops": len({o.case.op for o in outcomes}),
        "dtypes": len({o.case.dtype for o in outcomes}),
        "wheel_runs": len(runs),
        "not_judged_undefined": sum(1 for o in outcomes if o.wheel_ok and o.case.op in UNDEFINED_RUN),
        "wheel_rejects": sum(1 for o in outcomes if o.wheel_ok is False),
        "wheel_crashes": sum(1 for o in outcomes if not o.wheel),
        "under_predicted": sum(1 for o in runs if o.pred is not None and o.pred < o.wheel["min"]),
        "over_predicted_16": sum(1 for o in runs if o.pred is not None and o.pred > o.wheel["min"] + 16),
        "exact": sum(1 for o in runs if o.pred == o.wheel["min"]),
        "verdict_mismatches": sum(1 for o in outcomes if o.wheel and o.check_ok != o.wheel_ok),
        "output_mismatches": sum(1 for o in runs if o.outputs_equal is False),
        "mcuml_cannot_run": sum(1 for o in runs if o.mcuml_error),
        "known_mcuml_gaps": sorted({f"{o.case.op}/{o.case.dtype}: {known_gap(o.case)}" for o in runs
                                    if (o.mcuml_error or o.outputs_equal is False) and known_gap(o.case)}),
        "problems": probs,
    }
