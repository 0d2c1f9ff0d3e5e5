"""Arduino sketch and TFLM app: golden files, compile + run against stub headers, generate() and the CLI.

Goldens: tests/codegen/golden/<target>/<model>/...; regenerate with MCUML_UPDATE_GOLDENS=1 and review the diff.
The model arrays themselves are not kept as goldens (test_codegen_c_array checks them byte for byte).
"""

from __future__ import annotations

import json
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from oracle import model_path, require_tools

from mcuml import __version__
from mcuml.codegen import ArenaChoice, CodegenResult, arduino, generate, tflm_app
from mcuml.codegen.resolver import BUILTIN_ADD_METHODS, CUSTOM_ADD_METHODS
from mcuml.errors import NotRunnableError, UnsupportedOpError

GOLDEN = Path(__file__).parent / "golden"
STUBS = Path(__file__).parent / "stubs"
UPDATE = os.environ.get("MCUML_UPDATE_GOLDENS") == "1"
GOLDEN_MODELS = ["tflite_micro/hello_world_int8.tflite", "tflite_micro/person_detect.tflite"]

# Fixed arena numbers keep the goldens independent of mcuml.plan.arena's evolving predictions.
MCU = ArenaChoice(arena_bytes=2208, predicted_bytes=1936, margin_bytes=272, target="cortex-m", kernels="cmsis-nn",
                  source="mcuml.plan.arena", margin_rule="+16 B alignment slack, then max(5%, 256 B), rounded to 16")
HOST = ArenaChoice(arena_bytes=3008, predicted_bytes=2736, margin_bytes=272, target="host", kernels="reference",
                   source="mcuml.plan.arena", margin_rule="+16 B alignment slack, then max(5%, 256 B), rounded to 16")


def _files(target: str, p: Path) -> dict[str, str]:
    if target == "arduino":
        return arduino(p.read_bytes(), p.stem, arena=MCU, source=p.name)
    return tflm_app(p.read_bytes(), p.stem, arena=MCU, host_arena=HOST, source=p.name)


def _is_array_source(rel: str) -> bool:
    return rel.endswith(("_model.cc", "_model.cpp"))


@pytest.mark.parametrize("target", ["arduino", "tflm-app"])
@pytest.mark.parametrize("model", GOLDEN_MODELS)
def test_goldens(target: str, model: str) -> None:
    p = model_path(model)
    files = _files(target, p)
    root = GOLDEN / target
    checked = 0
    for rel, text in files.items():
        if _is_array_source(rel):
            continue
        text = text.replace(f"mcuml {__version__}", "mcuml VERSION")
        golden = root / rel
        if UPDATE:
            golden.parent.mkdir(parents=True, exist_ok=True)
            golden.write_text(text)
        assert golden.exists(), f"missing golden {golden}; run with MCUML_UPDATE_GOLDENS=1"
        assert text == golden.read_text(), f"{rel} differs from its golden (MCUML_UPDATE_GOLDENS=1 to accept)"
        checked += 1
    assert checked >= (2 if target == "arduino" else 5)


def test_golden_content_is_what_the_issue_asks_for() -> None:
    """Spot checks that make the goldens meaningful, not just stable."""
    p = model_path("tflite_micro/person_detect.tflite")
    ino = _files("arduino", p)["person_detect/person_detect.ino"]
    for needle in ["#include <Chirale_TensorFlowLite.h>", '#include "tensorflow/lite/micro/micro_interpreter.h"',
                   "tflite::MicroMutableOpResolver<kNumOps>", "constexpr unsigned int kNumOps = 5;",
                   "resolver.AddAveragePool2D()", "resolver.AddConv2D()", "resolver.AddDepthwiseConv2D()",
                   "resolver.AddReshape()", "resolver.AddSoftmax()", "constexpr size_t kTensorArenaSize = 2208;",
                   "alignas(16) static uint8_t tensor_arena[kTensorArenaSize];", "needs 1936 bytes", "Margin: 272 bytes",
                   "interpreter->arena_used_bytes()", "micros()", "Serial.begin(115200)",
                   "constexpr float kInput0Scale = ", "constexpr int32_t kInput0ZeroPoint = -1;",
                   "QuantizeToInt8", "DequantizeFromInt8", "kInput0Elements = 9216"]:
        assert needle in ino, needle
    main = _files("tflm-app", p)["person_detect/main.cc"]
    assert "#if UINTPTR_MAX > 0xFFFFFFFFu" in main and "kTensorArenaSize = 3008" in main
    assert "kTensorArenaSize = 2208" in main and "GetCurrentTimeTicks" in main


def _stub_env(tmp: Path) -> Path:
    inc = tmp / "stubinc"
    inc.mkdir(exist_ok=True)
    methods = sorted({*BUILTIN_ADD_METHODS.values(), *CUSTOM_ADD_METHODS.values()})
    (inc / "mcuml_add_methods.inc").write_text("".join(f"MCUML_ADD({m})\n" for m in methods))
    return inc


CXX = ["g++", "-std=c++17", "-Wall", "-Wextra", "-Werror", "-Wshadow", "-Wdouble-promotion", "-O0"]

# one model per I/O situation: int8 q, int16 q -> int32 q, raw int16 -> raw int8, raw int32 + int16 q inputs,
# three float outputs, uint8, an Ethos-U custom op, 1000 outputs
RUN_MODELS = ["tflite_micro/hello_world_int8.tflite", "tflite_micro/keyword_scrambled_8bit.tflite",
              "tflite_micro/audio_preprocessor_int8.tflite", "tflite_micro/seanet_transpose_conv0.tflite",
              "tinyengine/detection.tflite", "wake_vision/wv_quality_k_2_c_3.tflite",
              "tflite_micro/person_detect_vela.tflite", "tflite_micro/mobilenet_v2_quantized_1x3x224x224.tflite"]


def _build_and_run(target: str, p: Path, tmp: Path, inc: Path) -> str:
    out = tmp / target / p.stem
    out.mkdir(parents=True)
    files = _files(target, p)
    for rel, text in files.items():
        dest = out / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        if _is_array_source(rel):  # the real array compiles in test_codegen_c_array; a stub keeps this fast
            ident = Path(rel).stem
            text = f'#include "{ident}.h"\nalignas(16) const unsigned char {ident}[16] = {{0}};\n' \
                   f"const unsigned int {ident}_len = 16u;\n"
        dest.write_text(text)
    proj = out / p.stem
    exe = out / "app"
    if target == "arduino":
        cmd = [*CXX, "-I", str(STUBS), "-I", str(inc), "-I", str(proj), "-include", "Arduino.h",
               "-x", "c++", str(proj / f"{p.stem}.ino"), "-x", "none", str(proj / f"{p.stem}_model.cpp"),
               str(STUBS / "arduino_main.cc"), "-o", str(exe)]
    else:
        cmd = [*CXX, "-I", str(STUBS), "-I", str(inc), "-I", str(proj), str(proj / "main.cc"),
               str(proj / f"{p.stem}_model.cc"), "-o", str(exe)]
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert res.returncode == 0, f"{p.name} {target}:\n{res.stderr[-3000:]}"
    run = subprocess.run([str(exe)], capture_output=True, text=True, timeout=20, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout


def test_sketch_and_app_compile_with_werror_and_run(tmp_path: Path) -> None:
    require_tools("g++")
    models = [model_path(m) for m in RUN_MODELS]
    inc = _stub_env(tmp_path)
    jobs = [(t, p) for p in models for t in ("arduino", "tflm-app")]
    with ThreadPoolExecutor(max(1, min(4, os.cpu_count() or 1))) as ex:
        outs = dict(zip(jobs, ex.map(lambda j: _build_and_run(j[0], j[1], tmp_path, inc), jobs)))
    hw = model_path("tflite_micro/hello_world_int8.tflite")
    ino_out, app_out = outs[("arduino", hw)], outs[("tflm-app", hw)]
    # zeroed output memory dequantizes to scale * (0 - zero_point) = 0.00829095673 * -5
    assert "Arena used: 1104 of 2208 bytes" in ino_out and "Output 0: -0.0415" in ino_out
    assert "Inference: 0 us" in ino_out
    assert "arena used: 1504 of 3008 bytes" in app_out and "output 0[0] = -0.041455" in app_out
    mob = outs[("tflm-app", model_path("tflite_micro/mobilenet_v2_quantized_1x3x224x224.tflite"))]
    assert "output 0[15] = " in mob and "output 0[16]" not in mob and "(1000 values)" in mob
    assert "output 0 largest at index" in mob
    det = outs[("tflm-app", model_path("tinyengine/detection.tflite"))]
    assert "output 2[0] = 0.000000" in det


def test_unsupported_ops_fail_with_every_op_listed(tmp_path: Path) -> None:
    from mcuml.ir.build import ModelBuilder

    b = ModelBuilder()
    x = b.input("x", [1, 4], "float32")
    y = b.tensor("y", [1, 4], "float32")
    z = b.tensor("z", [1, 4], "float32")
    b.op("GELU", [x], [y])
    b.op("TILE", [y, b.const("m", [1, 1], "int32")], [z])
    b.output(z)
    data = b.build().to_bytes()
    with pytest.raises(UnsupportedOpError) as e:
        arduino(data, "bad", arena=MCU)
    assert {p.op for p in e.value.problems} == {"GELU", "TILE"}
    path = tmp_path / "bad.tflite"
    path.write_bytes(data)
    with pytest.raises(NotRunnableError):  # every codegen target honours the TFLM verdict ...
        generate(path, "c-array", tmp_path / "out")
    r = generate(path, "c-array", tmp_path / "out", force=True)  # ... unless forced (c-array needs no kernels)
    assert r.files == ("bad.h", "bad.cc") and r.forced and r.warnings[0].startswith("FORCED")


def test_generate_writes_files_and_reports(tmp_path: Path) -> None:
    p = model_path("tflite_micro/hello_world_int8.tflite")
    r = generate(p, "arduino", tmp_path, name="hw sketch", arena_bytes=4096)
    assert isinstance(r, CodegenResult)
    assert r.files == ("hw_sketch/hw_sketch.ino", "hw_sketch/hw_sketch_model.h", "hw_sketch/hw_sketch_model.cpp")
    assert all((tmp_path / f).is_file() for f in r.files)
    assert r.name == "hw_sketch" and r.arena_bytes == 4096 and r.arena.source == "user"
    assert r.ops == ("FULLY_CONNECTED",) and r.resolver == ("AddFullyConnected",) and r.model_bytes == 2704
    assert "kTensorArenaSize = 4096;" in (tmp_path / r.files[0]).read_text()
    r = generate(p, "tflm-app", tmp_path, arena_bytes=4096)
    assert {Path(f).name for f in r.files} == {"main.cc", "Makefile", "CMakeLists.txt", "README.md",
                                               "hello_world_int8_model.h", "hello_world_int8_model.cc"}
    assert r.arena_bytes == 4096 and r.kernels == "reference"
    assert r.host_arena_bytes is not None and r.host_arena_bytes != 4096  # hosts keep their own prediction
    r = generate(p, "c-array", tmp_path)
    assert r.arena_bytes is None and r.resolver == () and (tmp_path / "hello_world_int8.cc").is_file()


def test_generate_rejects_bad_arguments(tmp_path: Path) -> None:
    from mcuml.errors import McumlError

    p = model_path("tflite_micro/hello_world_int8.tflite")
    with pytest.raises(McumlError, match="unknown codegen target"):
        generate(p, "zephyr", tmp_path)
    with pytest.raises(McumlError, match="unknown kernel set"):
        generate(p, "arduino", tmp_path, kernels="esp-nn")
    with pytest.raises(McumlError, match="cannot read"):
        generate(tmp_path / "missing.tflite", "c-array", tmp_path)


def test_default_arena_comes_from_predict_arena(tmp_path: Path) -> None:
    from mcuml import load_model
    from mcuml.plan import arena

    p = model_path("tflite_micro/hello_world_int8.tflite")
    want = arena.predict_arena(load_model(p), target="cortex-m", kernels="reference")
    want_host = arena.predict_arena(load_model(p), target="host", kernels="reference")
    r = generate(p, "tflm-app", tmp_path, kernels="reference")
    assert r.arena_bytes == want.recommended_arena_bytes and r.arena.predicted_bytes == want.arena_bytes
    assert r.host_arena_bytes == want_host.recommended_arena_bytes
    main = (tmp_path / "hello_world_int8" / "main.cc").read_text()
    assert f"kTensorArenaSize = {want.recommended_arena_bytes};" in main
    assert f"needs {want.arena_bytes} bytes on a 32-bit Cortex-M" in main


def test_optimized_embeds_the_rewritten_model(tmp_path: Path) -> None:
    from mcuml import load_model
    from mcuml.plan import optimize_model

    p = model_path("mlcommons_tiny/pretrainedResnet_quant.tflite")
    opt = optimize_model(load_model(p), planner="optimal", reorder=True, target="cortex-m", kernels="reference")
    r = generate(p, "arduino", tmp_path, optimized=True, kernels="reference")
    assert r.optimized and r.arena_bytes == opt.arena.recommended_arena_bytes
    assert r.model_bytes == len(opt.model.to_bytes())
    assert r.baseline_arena_bytes is not None and r.arena_bytes <= r.baseline_arena_bytes
    r = generate(p, "c-array", tmp_path / "arr", optimized=True, kernels="reference")
    assert r.arena_bytes == opt.arena.recommended_arena_bytes  # reported, though the array embeds no arena
    src = (tmp_path / "arr" / f"{p.stem}.cc").read_text()
    body = src[src.index("] = {") + 5: src.index("};")]
    assert bytes.fromhex(body.replace("0x", "").replace(",", "").replace(" ", "").replace("\n", "")) == \
        opt.model.to_bytes()


def test_cli_json_and_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from mcuml.cli import main

    p = model_path("tflite_micro/hello_world_int8.tflite")
    assert main(["codegen", str(p), "--target", "arduino", "-o", str(tmp_path), "--arena-size", "3000",
                 "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["schema_version"] == 1 and data["target"] == "arduino" and data["arena_bytes"] == 3000
    assert data["resolver"] == ["AddFullyConnected"]
    assert main(["codegen", str(p), "-o", str(tmp_path)]) == 0
    assert "hello_world_int8.h" in capsys.readouterr().out
    assert main(["codegen", str(p), "--target", "nope", "-o", str(tmp_path)]) == 2
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(b"not a model at all")
    assert main(["codegen", str(bad), "-o", str(tmp_path)]) == 2


def test_board_picks_kernels_and_warns(tmp_path: Path) -> None:
    from mcuml import boards

    p = model_path("tflite_micro/person_detect.tflite")
    arm = boards.get_board("nano33ble")
    r = generate(p, "arduino", tmp_path, board="nano33ble", arena_bytes=100_000)
    assert r.kernels == "cmsis-nn" and r.board == arm.name and r.warnings == ()
    assert f"for {arm.name}." in (tmp_path / r.files[0]).read_text()
    r = generate(p, "arduino", tmp_path, board="esp32_devkitc", arena_bytes=100_000)
    assert r.kernels == "reference"
    r = generate(p, "arduino", tmp_path, board="nano33ble", arena_bytes=arm.largest_ram_block_bytes + 16)
    assert len(r.warnings) == 1 and "largest RAM block" in r.warnings[0]


def test_cli_unknown_board_is_a_usage_error(tmp_path: Path) -> None:
    from mcuml.cli import main

    p = model_path("tflite_micro/hello_world_int8.tflite")
    assert main(["codegen", str(p), "-t", "arduino", "--board", "nano33bel", "-o", str(tmp_path)]) == 2
