"""Board runtime profiles (issue 16.2): fit and deploy count the runtime the user runs (Arduino boards: the
Arduino core), name it, switch with --runtime, and say when a model fits only bare metal."""

from __future__ import annotations

import json

import pytest
from oracle import model_path

from mcuml.boards import get_board, get_runtime, list_boards, runtime_ids
from mcuml.cli import main
from mcuml.errors import McumlError
from mcuml.fit import fit

VWW = "tinyengine/vww.tflite"


@pytest.mark.parametrize("board", list_boards(), ids=lambda b: b.id)
def test_every_board_names_known_runtimes_with_sources(board):
    assert board.runtime in board.runtimes and set(board.runtimes) <= set(runtime_ids())
    for rid in board.runtimes:
        rt = get_runtime(board, rid)
        assert rt.sources and rt.name and rt.description
        assert min(rt.flash_bytes, rt.static_ram_bytes, rt.heap_bytes, rt.isr_stack_bytes) >= 0
    if board.vendor == "Arduino":
        assert board.runtime.startswith("arduino-"), "Arduino boards default to their Arduino core"


def test_nano33ble_mbed_profile_takes_the_linker_script_reservations():
    rt = get_runtime("nano33ble")
    assert rt.id == "arduino-mbed" and rt.stack_bytes == 32768 and rt.isr_stack_bytes == 2048
    assert rt.flash_reserved_bytes == 0x10200 and rt.ram_reserved_bytes == 0x200
    assert get_runtime("nano33ble", "bare metal").id == "bare-metal"
    with pytest.raises(McumlError, match="unknown runtime"):
        get_runtime("nano33ble", "freertos-ish")


def test_vww_does_not_fit_the_arduino_mbed_core_but_fits_bare_metal(capsys):
    """Acceptance 16.2: ``mcuml fit tinyengine/vww.tflite --board nano33ble``."""
    p = str(model_path(VWW))
    assert main(["fit", p, "--board", "nano33ble"]) == 1
    out = capsys.readouterr().out
    first = out.splitlines()[0]
    assert "DOES NOT FIT (Arduino mbed core); fits bare metal" in first
    assert "Arduino mbed core RAM" in out and "Arduino mbed core code" in out and "reserved (bootloader)" in out
    assert main(["fit", p, "--board", "nano33ble", "--runtime", "bare-metal"]) == 0
    assert "FITS (bare metal)" in capsys.readouterr().out.splitlines()[0]
    r = fit(p, "nano33ble")
    bare = fit(p, "nano33ble", runtime="bare-metal")
    assert not r.fits and r.fits_bare_metal and bare.fits and bare.fits_bare_metal is None
    assert r.ram.arena_bytes == bare.ram.arena_bytes  # the runtime does not change the arena
    assert r.ram.total_bytes - bare.ram.total_bytes == (r.ram.os_ram_bytes + r.ram.stack_bytes + r.ram.isr_stack_bytes
                                                        - bare.ram.stack_bytes)
    assert r.flash.total_bytes - bare.flash.total_bytes == r.flash.os_bytes + r.flash.reserved_bytes


def test_deploy_defaults_to_the_board_runtime_and_switches(tmp_path, capsys):
    p = str(model_path(VWW))
    assert main(["deploy", p, "-b", "nano33ble", "-o", str(tmp_path / "a"), "--no-optimize", "--json"]) == 1
    d = json.loads(capsys.readouterr().out)
    assert d["runtime"] == "arduino-mbed" and not d["fits"]
    assert "fits bare metal (--runtime bare-metal)" in d["reasons"]
    assert main(["deploy", p, "-b", "nano33ble", "-o", str(tmp_path / "b"), "--no-optimize", "--runtime",
                 "bare-metal", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["runtime"] == "bare-metal"


def test_boards_lists_runtimes_and_never_truncates_ids(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    assert main(["boards"]) == 0
    out = capsys.readouterr().out
    for b in list_boards():
        assert f" {b.id} " in out, b.id
    assert "…" not in "".join(line.split("│")[1] for line in out.splitlines() if line.startswith("│"))
    assert main(["boards", "nano33ble"]) == 0
    out = capsys.readouterr().out
    assert "default arduino-mbed" in out and "ArduinoCore-mbed" in out and get_board("nano33ble").name in out
