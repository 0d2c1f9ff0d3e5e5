"""The board database: every entry validated (types, units, sizes, core class, sources) and lookup."""

from __future__ import annotations

import dataclasses
import json
from importlib import resources

import pytest

from mcuml.boards import CORE_CLASSES, Board, get_board, list_boards
from mcuml.errors import BoardNotFoundError
from mcuml.profile.latency import core_classes

REQUIRED = ["Arduino Nano 33 BLE", "Arduino Nano 33 BLE Sense", "Arduino Nano 33 BLE Sense Rev2",
            "Arduino Nano RP2040 Connect", "Arduino Portenta H7", "Arduino Nicla Vision", "Raspberry Pi Pico",
            "ESP32-DevKitC", "ESP32-S3-DevKitC-1", "STM32F746G-DISCO", "NUCLEO-F446RE", "NUCLEO-L4R5ZI",
            "NUCLEO-H743ZI", "SparkFun Edge (Apollo3)", "Seeed Wio Terminal", "Teensy 4.1", "Seeed XIAO nRF52840 Sense"]
KB = 1024


def test_at_least_15_boards_and_required_present():
    names = {b.name for b in list_boards()}
    assert len(names) >= 15
    assert not [n for n in REQUIRED if n not in names]


@pytest.mark.parametrize("board", list_boards(), ids=lambda b: b.id)
def test_board_entry_is_valid(board: Board):
    for f in dataclasses.fields(Board):
        v = getattr(board, f.name)
        if f.name == "flash_wait_states":
            assert v is None or (isinstance(v, int) and 0 <= v <= 15)
        elif f.type in ("int", int):
            assert isinstance(v, int) and not isinstance(v, bool), f.name
        elif f.type in ("float", float):
            assert isinstance(v, (int, float)) and not isinstance(v, bool), f.name
        elif f.type in ("bool", bool):
            assert isinstance(v, bool), f.name
        elif f.type in ("str", str):
            assert isinstance(v, str), f.name
    assert board.id and board.name and board.mcu and board.core
    assert board.core_class in CORE_CLASSES
    assert board.core_class in core_classes()  # the latency model can scale to it
    # units: clock in MHz (not Hz, not GHz), sizes in bytes (not KB)
    assert 16 <= board.clock_mhz <= 1000
    assert 16 * KB <= board.sram_bytes <= 4 * KB * KB
    assert 64 * KB <= board.flash_bytes <= 64 * KB * KB
    assert 0 < board.largest_ram_block_bytes <= board.sram_bytes
    assert board.external_flash_bytes >= 0
    assert board.fpu in ("none", "single", "double")
    # power in mW: an MCU draws between ~0.1 mW and a few W; sleep is far below active
    assert 0.1 <= board.active_mw <= 3000
    assert 0 < board.sleep_mw < board.active_mw
    assert board.sleep_mode and board.power_note
    # every value has a source: spec sheet(s) and the power figures
    specs = board.sources.get("specs")
    specs = specs if isinstance(specs, list) else [specs]
    assert specs and all(isinstance(u, str) and u.startswith("https://") for u in specs)
    assert isinstance(board.sources.get("power"), str) and board.sources["power"].startswith("https://")
    if board.core_class == "cortex-m0+":
        assert not board.dsp and board.fpu == "none"


def test_ids_and_aliases_unique():
    seen: dict[str, str] = {}
    import re

    for b in list_boards():
        for key in (b.id, b.name, *b.aliases):
            k = re.sub(r"[^a-z0-9+]", "", key.lower())
            assert seen.setdefault(k, b.id) == b.id, f"{key!r} names both {seen[k]} and {b.id}"


def test_data_file_meta_lists_units():
    raw = json.loads(resources.files("mcuml").joinpath("data/boards.json").read_text())
    assert set(raw["meta"]["core_classes"]) == set(CORE_CLASSES)
    assert "flash_bytes" in raw["meta"]["units"]


@pytest.mark.parametrize("name,want", [("nano33ble", "nano33ble"), ("Arduino Nano 33 BLE", "nano33ble"),
                                       ("NANO-33-BLE", "nano33ble"), ("esp32", "esp32_devkitc"),
                                       ("Teensy 4.1", "teensy41"), ("nucleo-l4r5zi", "nucleo_l4r5zi"),
                                       ("pico", "pico"), ("apollo3", "sparkfun_edge")])
def test_lookup(name, want):
    assert get_board(name).id == want


def test_unknown_board_suggests_close_matches():
    with pytest.raises(BoardNotFoundError) as ei:
        get_board("nano 33 bel")
    e = ei.value
    assert "nano33ble" in e.hint and e.exit_code == 2
    assert "nano33ble" in e.context["suggestions"]
    with pytest.raises(BoardNotFoundError) as ei:
        get_board("zzzzzz")
    assert "mcuml boards" in ei.value.hint


def test_nano33ble_matches_calibration_memory_map():
    b = get_board("nano33ble")
    assert (b.flash_bytes, b.sram_bytes, b.clock_mhz, b.core_class) == (1 << 20, 256 * KB, 64, "cortex-m4")
