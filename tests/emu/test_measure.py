"""``mcuml measure`` end to end on two small models: the C engine cross-compiled, emulated, compared."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

pytest.importorskip("unicorn")
pytest.importorskip("capstone")
pytest.importorskip("elftools")
pytest.importorskip("mcuml.cengine")
pytestmark = pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None, reason="arm-none-eabi-gcc not installed")

from oracle import model_path  # noqa: E402

from mcuml.emu.measure import CALL_ROW, measure  # noqa: E402

HELLO = "tflite_micro/hello_world_int8.tflite"
AD01 = "mlcommons_tiny/ad01_int8.tflite"


@pytest.fixture(scope="module")
def hello(tmp_path_factory):
    out = tmp_path_factory.mktemp("hello")
    return measure(model_path(HELLO), "nano33ble", out_dir=out)


@pytest.fixture(scope="module")
def ad01():
    return measure(model_path(AD01), "nano33ble", seed=3)


@pytest.mark.parametrize("which", ["hello", "ad01"])
def test_outputs_match_and_rows_sum(which, request):
    r = request.getfixturevalue(which)
    assert r.outputs_match and r.max_abs_diff == 0.0
    assert sum(x.instructions for x in r.layers) == r.total_instructions > 0
    assert sum(x.cycles for x in r.layers) == r.total_cycles >= r.total_instructions
    assert [x.op for x in r.layers if x.index >= 0] == ["FULLY_CONNECTED"] * (3 if which == "hello" else 10)
    assert r.layers[-1].op == CALL_ROW
    assert r.flash_bytes > 0 and r.sram_bytes > 0 and 0 < r.stack_bytes < 8192
    assert r.total_ms == pytest.approx(r.total_cycles / 64e3)
    assert r.hot_functions and all(x.hot_function for x in r.layers if x.index >= 0)


def test_ad01_counts_every_mac(ad01):
    assert ad01.macs == 264192
    assert 0.1 < ad01.macs_per_instruction < 2.0  # SMLAD: at most 2 MACs per instruction
    assert ad01.flash_bytes > 264192  # the weights live in flash


def test_kept_elf_runs_under_qemu_with_the_same_outputs(hello):
    if shutil.which("qemu-system-arm") is None:
        pytest.skip("qemu-system-arm not installed")
    from pathlib import Path

    from oracle import mcuml_run

    from mcuml.emu.qemu import run_qemu
    from mcuml.runner import load_inputs
    from mcuml.tflite import load_model

    d = Path(hello.out_dir)
    assert {"fw.elf", "fw.map", "README.md"} <= {p.name for p in d.iterdir()}
    rc, outs, text = run_qemu(d / "fw.elf", timeout_s=60)
    want = mcuml_run(model_path(HELLO), load_inputs(load_model(model_path(HELLO)), None, seed=0))
    assert rc == 0, text
    assert outs["OUT0"] == np.ascontiguousarray(want[0]).tobytes()
    from mcuml.emu.qemu import icount_instructions

    assert abs(icount_instructions(outs) - hello.total_instructions) <= 8  # QEMU's own count of the window
    assert f"MCUML OUT0 {outs['OUT0'].hex()}" in (d / "README.md").read_text()


def test_cli_json_and_report_section(tmp_path):
    import contextlib
    import io

    from mcuml.cli import main
    from mcuml.emu.measure import MeasureResult  # noqa: F401

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(["measure", str(model_path(HELLO)), "--board", "nano33ble", "--json"])
    assert code == 0
    data = json.loads(buf.getvalue())
    assert data["outputs_match"] is True
    assert sum(x["instructions"] for x in data["layers"]) == data["total_instructions"]
    for k in ("flash_bytes", "sram_bytes", "stack_bytes"):
        assert data[k] > 0


def test_report_section(hello):
    from mcuml.report.measure_section import measure_section

    html = measure_section(hello, tflm_instructions=hello.total_instructions * 2)
    assert html.startswith('<section id="measure">') and "0.50x instructions" in html
    assert f"{hello.total_instructions:,}" in html and "<script" not in html


def test_non_cortex_m4_board_is_bad_input():
    from mcuml.errors import InputError

    with pytest.raises(InputError, match="Cortex-M4"):
        measure(model_path(HELLO), "portenta_h7")


def test_cli_html_page(tmp_path, capsys):
    """`measure --html` writes one self-contained page: the report's measure section with its ratio card."""
    from mcuml.cli import main

    page = tmp_path / "m.html"
    assert main(["measure", str(model_path(HELLO)), "--html", str(page), "--tflm-instructions", "1000000"]) == 0
    html = page.read_text()
    assert html.startswith("<!doctype html>") and '<section id="measure">' in html and "<script" not in html
    assert "vs TFLM + CMSIS-NN" in html and "x instructions" in html
