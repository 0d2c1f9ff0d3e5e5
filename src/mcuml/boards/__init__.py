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

from mcuml.errors import BoardNotFoundError

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

    @property
    def clock_hz(self) -> float:
        """Core clock in Hz."""
        return self.clock_mhz * 1e6


def _norm(s: str) -> str:
    return re.sub(r"[^a-z0-9+]", "", s.lower())


@functools.lru_cache(maxsize=1)
def _load() -> tuple[Board, ...]:
    raw = json.loads(resources.files("mcuml").joinpath("data/boards.json").read_text())
    out = []
    for d in raw["boards"]:
        d = dict(d)
        d["aliases"] = tuple(d.get("aliases", ()))
        out.append(Board(**d))
    return tuple(out)


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


__all__ = ["Board", "BoardCatalog", "CORE_CLASSES", "catalog", "get_board", "list_boards"]
