"""The board database: microcontroller boards with memory, core, clock and power figures.

Data lives in ``mcuml/data/boards.json`` (every entry carries its sources); this module only
loads and looks it up. Names match case-, space- and punctuation-insensitively against the id,
the name and the aliases; unknown names raise :class:`BoardNotFoundError` with close matches.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from mcuml.errors import BoardNotFoundError, McumlError

CORE_CLASSES = ("cortex-m0+", "cortex-m4", "cortex-m7", "cortex-m33", "xtensa-lx6", "xtensa-lx7")


@dataclass(frozen=True, slots=True)
class Board:
    """One board. Sizes in bytes, clock in MHz, power in mW (MCU-level typical figures)."""

    id: str
    name: str
    aliases: tuple[str, ...]
    vendor: str
    mcu: str
    core: str
    core_class: str
    clock_mhz: float
    flash_bytes: int
    sram_bytes: int
    largest_ram_block_bytes: int
    external_flash_bytes: int
    fpu: str                       # "none" | "single" | "double"
    dsp: bool
    simd: str
    flash_wait_states: int | None  # None: not published / hidden behind a cache
    flash_cache: bool
    active_mw: float
    sleep_mw: float
    sleep_mode: str
    power_note: str
    notes: str
    sources: dict[str, Any] = field(default_factory=dict)
    runtime: str = "bare-metal"     # the runtime users of this board usually run (Arduino boards: the core)
    runtimes: tuple[str, ...] = ("bare-metal",)
    runtime_overrides: dict[str, Any] = field(default_factory=dict)

    @property
    def clock_hz(self) -> float:
        """Core clock in Hz."""
        return self.clock_mhz * 1e6


def _norm(s: str) -> str:
    return re.sub(r"[^a-z0-9+]", "", s.lower())


@dataclass(frozen=True, slots=True)
class RuntimeProfile:
    """What the software under the model takes on one board: OS / Arduino core code, RAM, stacks (bytes).

    ``stack_bytes`` is the stack TFLM runs on (Mbed's main thread, the Arduino loop task...); None means
    there is no fixed one and TFLM's measured peak is what counts. ``approximate`` marks figures
    taken from typical builds rather than from this exact configuration; ``sources`` says which.
    """

    id: str
    name: str
    description: str
    flash_bytes: int              # core / OS code and constants
    flash_reserved_bytes: int     # flash the application cannot use (bootloader)
    static_ram_bytes: int         # .data + .bss of the core / OS (without the stacks below)
    ram_reserved_bytes: int       # RAM the linker script keeps away from the application
    heap_bytes: int               # heap the runtime itself allocates at start-up
    stack_bytes: int | None       # the stack setup()/loop() / main run on
    isr_stack_bytes: int
    approximate: bool
    notes: str
    sources: tuple[str, ...]


@functools.lru_cache(maxsize=1)
def _raw() -> dict[str, Any]:
    return json.loads(resources.files("mcuml").joinpath("data/boards.json").read_text())


@functools.lru_cache(maxsize=1)
def _load() -> tuple[Board, ...]:
    out = []
    for d in _raw()["boards"]:
        d = dict(d)
        d["aliases"] = tuple(d.get("aliases", ()))
        d["runtimes"] = tuple(d.get("runtimes", ("bare-metal",)))
        out.append(Board(**d))
    return tuple(out)


def runtime_ids() -> tuple[str, ...]:
    """Every runtime profile id (``bare-metal``, ``arduino-mbed``, ...)."""
    return tuple(_raw()["runtimes"])


def get_runtime(board: str | Board, runtime: str | None = None) -> RuntimeProfile:
    """The runtime profile ``runtime`` (default: the board's usual one) with the board's overrides applied."""
    b = get_board(board)
    rid = (runtime or b.runtime).strip().lower().replace("_", "-").replace(" ", "-")
    rid = {"baremetal": "bare-metal", "arduino": b.runtime if b.runtime.startswith("arduino") else "arduino",
           "mbed": "mbed-os", "idf": "esp-idf"}.get(rid, rid)
    table = _raw()["runtimes"]
    if rid not in table:
        raise McumlError(f"unknown runtime {runtime!r}", hint="use one of " + ", ".join(table))
    d = {"flash_reserved_bytes": 0, "ram_reserved_bytes": 0, **table[rid], **b.runtime_overrides.get(rid, {})}
    d["sources"] = tuple(d.get("sources", ()))
    return RuntimeProfile(id=rid, **d)


def list_boards() -> tuple[Board, ...]:
    """All boards, in database order."""
    return _load()


@dataclass(frozen=True, slots=True)
class BoardCatalog:
    """Every known board (what ``mcuml boards --json`` prints)."""

    boards: tuple[Board, ...]


def catalog() -> BoardCatalog:
    """All boards as one result object (what ``mcuml boards --json`` prints)."""
    return BoardCatalog(_load())


def _index() -> dict[str, Board]:
    idx: dict[str, Board] = {}
    for b in _load():
        for key in (b.id, b.name, *b.aliases):
            idx.setdefault(_norm(key), b)
    return idx


def get_board(name: str | Board) -> Board:
    """The board called ``name`` (id, name or alias); unknown names suggest close matches."""
    if isinstance(name, Board):
        return name
    idx = _index()
    hit = idx.get(_norm(name))
    if hit is not None:
        return hit
    labels = {b.id: b for b in _load()}
    candidates = {**{_norm(b.name): b.id for b in _load()}, **{_norm(a): b.id for b in _load() for a in b.aliases},
                  **{_norm(b.id): b.id for b in _load()}}
    close = difflib.get_close_matches(_norm(name), list(candidates), n=8, cutoff=0.5)
    # substring matches catch "nano" -> all Nano boards, which difflib's ratio misses
    close += [k for k in candidates if _norm(name) and _norm(name) in k]
    ids = list(dict.fromkeys(candidates[c] for c in close))[:5]
    hint = ("did you mean: " + ", ".join(f"{i} ({labels[i].name})" for i in ids)) if ids \
        else "run 'mcuml boards' for the list"
    raise BoardNotFoundError(f"unknown board {name!r}", hint=hint, board=name, suggestions=ids)


__all__ = ["Board", "BoardCatalog", "CORE_CLASSES", "RuntimeProfile", "catalog", "get_board", "get_runtime",
           "list_boards", "runtime_ids"]
