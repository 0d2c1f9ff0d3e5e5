"""fit / profile / memory map: library results and the CLI's JSON (CliRunner), on synthetic and shared models."""

from __future__ import annotations

import json
import xml.dom.minidom

import numpy as np
import pytest
from click.testing import CliRunner

from mcuml.cli import cli, main
from mcuml.fit import fit, runtime_code
from mcuml.ir.build import ModelBuilder
from mcuml.memmap import MemoryBar, Segment, render_svg, render_text, save_plot
from mcuml.profile import profile
from oracle import SHARED, model_path, shared_path

CAL = SHARED / "calibration" / "cortexm4_tflm_dev.json"
MLPERF_AND_PD = ["mlcommons_tiny/ad01_int8.tflite", "mlcommons_tiny/kws_ref_model.tflite",
                 "mlcommons_tiny/pretrainedResnet_quant.tflite", "mlcommons_tiny/vww_96_int8.tflite",
                 "mlcommons_tiny/str_ww_ref_model.tflite", "tflite_micro/person_detect.tflite"]


def _fc_model(n_in: int = 64, n_out: int = 16) -> bytes:
    rng = np.random.default_rng(0)
    b = ModelBuilder()
    x = b.input("x", (1, n_in), "int8", scale=0.1, zero_point=0)
    w = b.const("w", rng.integers(-127, 127, (n_out, n_in), dtype=np.int8), scale=0.02, zero_point=0)
    bias = b.const("b", rng.integers(-100, 100, (n_out,), dtype=np.int32), scale=0.002, zero_point=0)
    y = b.tensor("y", (1, n_out), "int8", scale=0.2, zero_point=0)
    b.op("FULLY_CONNECTED", [x, w, bias], [y], "FullyConnectedOptions")
    b.output(y)
    return b.build().to_bytes()


def _run(args: list[str]):
    return CliRunner().invoke(cli, args, catch_exceptions=False)


def _check_fit_json(d: dict) -> None:
    f, r = d["flash"], d["ram"]
    kernels = sum(k["nbytes"] for k in f["runtime_kernels"])
    assert f["runtime_bytes"] == (f["runtime_core_bytes"] + kernels + f["runtime_link_adjust_bytes"]
                                  + f["runtime_templates_bytes"])
    assert f["model_bytes"] == f["weights_bytes"] + f["graph_bytes"]
    assert f["total_bytes"] == (f["model_bytes"] + f["runtime_bytes"] + f["app_allowance_bytes"] + f["os_bytes"]
                                + f["reserved_bytes"])
    assert f["margin_bytes"] == f["capacity_bytes"] - f["total_bytes"]
    # kTensorArenaSize = head + tail + (transient need) + margin; the minimum arena sits between
    assert r["ktensorarena_bytes"] == (r["arena_planned_bytes"] + r["arena_persistent_bytes"]
                                       + r["arena_transient_bytes"] + r["arena_margin_bytes"])
    assert r["arena_planned_bytes"] + r["arena_persistent_bytes"] - 16 < r["arena_bytes"] < r["ktensorarena_bytes"]
    assert r["total_bytes"] == (r["ktensorarena_bytes"] + r["runtime_static_bytes"] + r["os_ram_bytes"]
                                + r["stack_bytes"] + r["isr_stack_bytes"] + r["app_ram_bytes"])
    assert r["margin_bytes"] == r["capacity_bytes"] - r["total_bytes"]
    assert d["verdict"].startswith("FITS" if d["fits"] else "DOES NOT FIT") and d["runtime_name"] in d["verdict"]
    assert all(v > 0 for v in (f["weights_bytes"], f["graph_bytes"], f["runtime_core_bytes"], kernels,
                               f["app_allowance_bytes"], r["arena_bytes"], r["runtime_static_bytes"],
                               r["stack_bytes"]))
    assert d["fits"] == (f["fits"] and r["fits"])
    assert d["schema_version"] == 1 and "memory_map" not in d


def test_fit_synthetic_fc_model_json_and_exit_codes(tmp_path):
    p = tmp_path / "fc.tflite"
    p.write_bytes(_fc_model())
    res = _run(["fit", str(p), "--board", "nano33ble", "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    _check_fit_json(d)
    assert d["fits"] and [k["op"] for k in d["flash"]["runtime_kernels"]] == ["FULLY_CONNECTED"]
    assert d["largest_weights"]["tensor"] == "w" and d["largest_weights"]["nbytes"] == 64 * 16
    # the same model with a huge application allowance no longer fits: exit 1, JSON still printed
    res = _run(["fit", str(p), "--board", "nano33ble", "--app-flash", str(2 << 20), "--json"])
    assert res.exit_code == 1 and json.loads(res.stdout)["flash"]["fits"] is False
    assert main(["fit", str(p), "--board", "nano33bel"]) == 2  # McumlError -> 2, with suggestions


def test_fit_text_and_svg_plot(tmp_path):
    p = tmp_path / "fc.tflite"
    p.write_bytes(_fc_model())
    svg = tmp_path / "map.svg"
    res = _run(["fit", str(p), "-b", "pico", "--kernels", "reference", "--plot", str(svg)])
    assert res.exit_code == 0
    for word in ("weights", "graph & quantization params", "TFLM runtime code", "application allowance",
                 "arena head: activations & scratch", "arena tail: persistent", "TFLM static RAM", "stack", "FITS",
                 "dominant"):
        assert word in res.stdout
    doc = xml.dom.minidom.parseString(svg.read_text())
    assert doc.documentElement.tagName == "svg" and len(doc.getElementsByTagName("rect")) >= 10


def test_memmap_renders_overflow():
    bars = [MemoryBar("flash", 1000, (Segment("weights", 900, "weights"), Segment("code", 300, "runtime")))]
    text = render_text(bars, width=20)
    assert "!" in text.splitlines()[0] and "DOES NOT FIT" in text
    assert "does NOT fit" in render_svg(bars)
    assert bars[0].margin == -200


def test_save_plot_png_needs_matplotlib_or_writes(tmp_path):
    bars = [MemoryBar("SRAM", 1000, (Segment("arena", 500, "arena"),))]
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        from mcuml.errors import MissingDependencyError

        with pytest.raises(MissingDependencyError):
            save_plot(bars, tmp_path / "x.png")
    else:
        assert save_plot(bars, tmp_path / "x.png").stat().st_size > 0


def test_runtime_code_uses_measured_op_set_and_flags_unmeasured():
    core, ks, adjust, templates, measured = runtime_code({"FULLY_CONNECTED"}, "reference")
    assert measured and core + sum(k.nbytes for k in ks) + adjust == 15023  # tflm_lib of the FC-only ELFs
    _, ks, adjust, _, measured = runtime_code({"FULLY_CONNECTED", "SOME_CUSTOM_OP"}, "cmsis-nn")
    assert not measured and adjust == 0 and ks[1].provenance.startswith("unmeasured")


def test_profile_rows_sum_to_totals_and_duty_cycle(tmp_path):
    p = tmp_path / "fc.tflite"
    p.write_bytes(_fc_model())
    res = _run(["profile", str(p), "--board", "nano33ble", "--rate", "10", "--battery", "220,3.0", "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert {"board", "kernels", "layers", "total_macs", "total_cycles", "total_ms", "energy_mj"} <= set(d)
    assert d["board"] == "nano33ble" and d["kernels"] == "cmsis-nn"
    row = d["layers"][0]
    assert {"index", "op", "macs", "cycles", "ms", "energy_mj"} <= set(row)
    assert row["macs"] == 64 * 16 and d["total_macs"] == 64 * 16
    dc = d["duty_cycle"]
    assert dc["feasible"] and 0 < dc["duty"] < 1
    assert dc["average_mw"] == pytest.approx(dc["duty"] * dc["active_mw"] + (1 - dc["duty"]) * dc["sleep_mw"])
    assert dc["battery_life_h"] == pytest.approx(220 * 3.0 / dc["average_mw"])
    assert _run(["profile", str(p), "-b", "nano33ble", "--battery", "220"]).exit_code == 2


@pytest.mark.parametrize("rel", MLPERF_AND_PD)
def test_fit_and_profile_shared_models_on_nano33ble(rel):
    path = model_path(rel)
    for kernels in ("reference", "cmsis-nn"):
        res = _run(["fit", str(path), "--board", "Arduino Nano 33 BLE", "--kernels", kernels, "--json"])
        d = json.loads(res.stdout)
        _check_fit_json(d)
        assert res.exit_code == (0 if d["fits"] else 1)
        res = _run(["profile", str(path), "--board", "nano33ble", "--kernels", kernels, "--json"])
        assert res.exit_code == 0
        p = json.loads(res.stdout)
        layers = p["layers"]
        assert sum(lp["cycles"] for lp in layers) == p["total_cycles"]
        assert sum(lp["macs"] for lp in layers) == p["total_macs"]
        assert sum(lp["ms"] for lp in layers) == pytest.approx(p["total_ms"], rel=1e-9)
        assert sum(lp["energy_mj"] for lp in layers) == pytest.approx(p["energy_mj"], rel=1e-9)
        assert sum(lp["share"] for lp in layers) == pytest.approx(1.0)


@pytest.mark.parametrize("rel", MLPERF_AND_PD)
def test_fit_close_to_measured_elf(rel):
    """Flash vs text+data (minus the harness's input blob) and SRAM vs data+bss+peak stack of the real ELFs."""
    shared_path("calibration/cortexm4_tflm_dev.json")
    cal = {m["file"]: m for m in json.loads(CAL.read_text())["models"]}[rel]
    r = fit(model_path(rel), "nano33ble", "reference", runtime="bare-metal")  # the ELFs are bare metal
    e = cal["elf"]["ref"]
    blob = e["flash_breakdown"]["model_and_input_blobs"] - cal["model_bytes"]
    assert abs(r.flash.total_bytes - (e["text"] + e["data"] - blob)) <= 2048
    # the ELFs' bss holds an arena of arena_bytes_in_bss; fit counts kTensorArenaSize: compare the rest
    ram = r.ram.total_bytes - r.ram.ktensorarena_bytes + e["arena_bytes_in_bss"]
    assert abs(ram - (e["data"] + e["bss"] + e["stack_peak_bytes"])) <= 2048
    assert r.fits == cal["fits_nano33ble"]


def test_profile_scales_with_core_and_clock():
    data = _fc_model(256, 64)
    m4 = profile(data, "nucleo_l4r5zi", "cmsis-nn")      # Cortex-M4 at 120 MHz
    nano = profile(data, "nano33ble", "cmsis-nn")        # Cortex-M4 at 64 MHz
    m0 = profile(data, "pico", "cmsis-nn")               # Cortex-M0+: no DSP
    assert m4.total_cycles == nano.total_cycles
    assert m4.total_ms == pytest.approx(nano.total_ms * 64 / 120)
    assert m0.total_cycles > 2 * nano.total_cycles
    assert m0.ms_low < m0.total_ms < m0.ms_high


def test_boards_cli_json():
    d = json.loads(_run(["boards", "--json"]).stdout)
    assert len(d["boards"]) >= 15 and d["schema_version"] == 1
    one = json.loads(_run(["boards", "teensy 4.1", "--json"]).stdout)
    assert one["id"] == "teensy41" and one["sources"]["specs"]

def test_boards_cli_unknown_name_suggests(capsys):
    assert main(["boards", "nano 33 bel"]) == 2
    err = capsys.readouterr().err
    assert "unknown board" in err and "did you mean" in err and "nano33ble" in err
