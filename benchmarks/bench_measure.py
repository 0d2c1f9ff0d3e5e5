"""Instructions per inference of the C engine on the emulated Cortex-M4 vs TFLM + CMSIS-NN (same core, same counter).

For the four MLPerf Tiny models: ``mcuml.emu.measure`` (arm-none-eabi-gcc, unicorn UC_HOOK_BLOCK counts)
against ``../shared/calibration/cortexm4_tflm_dev.json`` (TFLM + CMSIS-NN, unicorn 2.1.4, same method):
total ratio (goal <= 1/1.5, aim 1/2), per-layer ratio against TFLM's per-op window, the hot spots.
Writes benchmarks/results/measure.json. Usage: python benchmarks/bench_measure.py [--opt -O2] [--models a,b]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("MCUML_SHARED", ROOT.parent / "shared"))
MODELS = {  # name -> (file, TFLM + CMSIS-NN invoke instructions from the calibration file)
    "ResNet-8": "mlcommons_tiny/pretrainedResnet_quant.tflite",
    "DS-CNN KWS": "mlcommons_tiny/kws_ref_model.tflite",
    "MobileNetV1 VWW": "mlcommons_tiny/vww_96_int8.tflite",
    "FC-AE ad01": "mlcommons_tiny/ad01_int8.tflite",
}
GOAL, AIM = 1 / 1.5, 1 / 2


def _calibration() -> dict[str, dict]:
    cal = json.loads((SHARED / "calibration" / "cortexm4_tflm_dev.json").read_text())
    return {m["file"]: m for m in cal["models"]}


def _one(label: str, rel: str, cal: dict, opt: str, qemu: bool) -> dict:
    from mcuml.emu.measure import measure

    t0 = time.perf_counter()
    r = measure(SHARED / "models" / rel, "nano33ble", opt=opt, seed=0, qemu=qemu)
    wall = time.perf_counter() - t0
    m = cal[rel]
    tflm = m["totals"]["cmsis"]["invoke_insns"]
    tflm_op = {o["index"]: o for o in m["per_op"]}
    layers = []
    for x in r.layers:
        t = tflm_op.get(x.node, {}).get("insns_cmsis") if x.node >= 0 else None
        layers.append({"layer": x.index, "node": x.node, "op": x.op, "instructions": x.instructions,
                       "cycles": x.cycles, "macs": x.macs, "macs_per_instruction": round(x.macs_per_instruction, 4),
                       "hot_function": x.hot_function,
                       "tflm_cmsis_instructions": t, "ratio_to_tflm": round(x.instructions / t, 4) if t else None})
    hot = sorted(layers, key=lambda x: -x["instructions"])[:5]
    ratio = r.total_instructions / tflm
    return {
        "model": label, "file": rel, "outputs_match": r.outputs_match, "total_instructions": r.total_instructions,
        "qemu_outputs_match": r.qemu_outputs_match, "qemu_icount_instructions": r.qemu_instructions,
        "total_cycles": r.total_cycles, "ms_at_64mhz": round(r.total_ms, 3), "macs": r.macs,
        "macs_per_instruction": round(r.macs_per_instruction, 4),
        "tflm_cmsis_instructions": tflm, "tflm_cmsis_cycles": m["totals"]["cmsis"]["invoke_cycles"],
        "ratio_to_tflm": round(ratio, 4), "speedup_vs_tflm": round(1 / ratio, 3),
        "meets_goal_1_over_1_5": ratio <= GOAL, "meets_aim_1_over_2": ratio <= AIM,
        "flash_bytes": r.flash_bytes, "sram_bytes": r.sram_bytes, "stack_bytes": r.stack_bytes,
        "io_bytes": r.io_bytes, "hot_spots": hot,
        "hot_functions": [{"function": f.function, "instructions": f.instructions, "share": round(f.share, 4)}
                          for f in r.hot_functions], "layers": layers, "measure_wall_s": round(wall, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--opt", default="-O2")
    ap.add_argument("--models", default=",".join(MODELS), help="comma-separated subset of: " + ", ".join(MODELS))
    ap.add_argument("--qemu", action="store_true", help="cross-check outputs and counts under qemu -icount")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "measure.json"))
    a = ap.parse_args()
    cal = _calibration()
    rows = []
    for label in a.models.split(","):
        rows.append(_one(label, MODELS[label], cal, a.opt, a.qemu))
        print(f"{label}: {rows[-1]['total_instructions']:,} insns, {rows[-1]['ratio_to_tflm']:.3f}x TFLM+CMSIS-NN, "
              f"outputs_match={rows[-1]['outputs_match']}", flush=True)
    gcc = subprocess.run(["arm-none-eabi-gcc", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    import unicorn

    out = {
        "meta": {"what": "C engine instructions per inference on the emulated Cortex-M4 vs TFLM + CMSIS-NN",
                 "compiler": f"{gcc} {a.opt} -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16",
                 "emulator": f"unicorn {unicorn.__version__}, UC_HOOK_BLOCK counts (as the calibration file)",
                 "board": "nano33ble (nRF52840 map: 1 MB flash @0, 256 KB SRAM @0x20000000)",
                 "tflm_reference": "../shared/calibration/cortexm4_tflm_dev.json totals.cmsis.invoke_insns",
                 "window": "C engine: harness begin/end markers around NAME_invoke (call + I/O copies included); "
                           "TFLM: MicroInterpreter::Invoke (per-op trampolines included)",
                 "input": "seeded random (seed 0)", "goal": "ratio <= 1/1.5 (0.667); aim 1/2",
                 "host": platform.platform()},
        "models": rows,
        "all_match": all(r["outputs_match"] for r in rows),
        "all_meet_goal": all(r["meets_goal_1_over_1_5"] for r in rows),
    }
    Path(a.out).write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
