"""The TFLM-wheel side of the op sweep (run as one subprocess by ``tests/op_sweep.py``).

Reads one JSON job per stdin line: ``{"id", "model", "inputs", "n_out", "pred", "outputs"}`` (paths;
``pred`` is mcuml's predicted host arena). For each job it (1) constructs the wheel's interpreter with a
generous arena and invokes it once on the given inputs: the verdict, TFLM's log on failure, the outputs;
(2) if that ran, finds the smallest ``arena_size`` with which construction (AllocateTensors) and one
invoke succeed, by bisection that starts at the prediction (so the usual case costs ~6 probes).

TFLM can crash at marginal arena sizes (tflm-reference §2.7), so every probe runs in a forked child
(the wheel is imported once, a fork costs about a millisecond): a crash is a failed probe, never a lost
job. The child's fd 2 (TFLM's log) goes to a file the parent reads. One JSON result line per job.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import tempfile

import numpy as np

BIG = 8 << 20


def _run(runtime, data: bytes, size: int, inputs: list[np.ndarray]):
    it = runtime.Interpreter.from_bytes(data, arena_size=size)
    for i, x in enumerate(inputs):
        it.set_input(np.require(x, requirements="C"), i)  # keeps 0-d arrays 0-d
    it.invoke()
    return it


def _forked(fn, timeout: int = 20) -> tuple[int, str]:
    """Run ``fn()`` in a forked child; (exit status: 0 = it returned, log text of fd 1/2)."""
    with tempfile.TemporaryFile(mode="w+b") as log:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # child
            signal.alarm(timeout)  # a kernel stuck in a loop (WHILE at a marginal size) fails the probe
            os.dup2(log.fileno(), 2)
            status = 0
            try:
                fn()
            except BaseException as e:  # noqa: BLE001 - the wheel raises RuntimeError on any TFLM failure
                os.write(2, f"\nEXCEPTION: {e}\n".encode())
                status = 1
            os._exit(status)
        _, st = os.waitpid(pid, 0)
        log.seek(0)
        text = log.read().decode("utf-8", "replace")
        code = os.waitstatus_to_exitcode(st)
        if code < 0:
            text += f"\nCRASH: signal {-code}\n"
        return code, text


def _fits(runtime, data: bytes, size: int, inputs) -> bool:
    return _forked(lambda: _run(runtime, data, size, inputs), timeout=2)[0] == 0


def minimum(runtime, data: bytes, pred: int, inputs) -> int:
    """Smallest arena size that constructs and invokes, bisecting from ``pred``."""
    lo, hi = 0, BIG  # lo fails (or is 0), hi fits
    if pred > 0 and _fits(runtime, data, pred, inputs):
        hi = pred
        probe = max(pred - 17, 0)
        if probe and not _fits(runtime, data, probe, inputs):
            lo = probe
    elif pred > 0:
        lo = pred
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _fits(runtime, data, mid, inputs):
            hi = mid
        else:
            lo = mid
    return hi


def job(runtime, j: dict) -> dict:
    data = open(j["model"], "rb").read()
    with np.load(j["inputs"]) as z:
        inputs = [z[f"arr_{i}"] for i in range(len(z.files))]

    def generous() -> None:
        it = _run(runtime, data, BIG, inputs)
        np.savez(j["outputs"], *[np.array(it.get_output(k)) for k in range(int(j["n_out"]))])

    code, log = _forked(generous)
    res: dict = {"id": j["id"], "ok": code == 0, "log": log[-2000:]}
    if code == 0:
        res["min"] = minimum(runtime, data, int(j["pred"]), inputs)
    return res


def main() -> None:
    from tflite_micro.python.tflite_micro import runtime

    for line in sys.stdin:
        if line.strip():
            print(json.dumps(job(runtime, json.loads(line))), flush=True)


if __name__ == "__main__":
    main()
