"""Shared CLI pieces: output options and result rendering."""

from __future__ import annotations

import dataclasses
import enum
import json
import math
import sys
from typing import Any, Callable

import click
import numpy as np

SCHEMA_VERSION = 1

json_option = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
force_option = click.option("--force", is_flag=True,
                            help="Go on when TFLM cannot run the model (the output says FORCED; exit 1).")
runtime_option = click.option(
    "--runtime", default=None, metavar="ID",
    help="What runs under the model: bare-metal, arduino-mbed, arduino-esp32, zephyr, mbed-os, esp-idf... "
         "(default: the board's usual runtime; see `mcuml boards BOARD`).")


def to_jsonable(obj: Any) -> Any:
    """Frozen dataclasses (and what they hold) -> JSON-ready values."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)
                if not f.metadata.get("json_skip")}
    if isinstance(obj, enum.Enum):
        return obj.name
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return to_jsonable(obj.item())
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, bytes):
        return obj.hex()
    return obj


def emit(result: Any, as_json: bool, render: Callable[[Any], None]) -> None:
    """Print ``result``: JSON (with ``schema_version``) or the human rendering, on stdout."""
    if as_json:
        data = to_jsonable(result)
        if isinstance(data, dict):
            data = {"schema_version": SCHEMA_VERSION, **data}
        click.echo(json.dumps(data, indent=2))
    else:
        render(result)


def console():
    """A rich console on stdout (imported lazily: rich is only for the CLI)."""
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False, width=max(100, _term_width()))


def _term_width() -> int:
    """The terminal's width; piped or captured output gets a fixed 160 columns, so that what a script or
    test reads does not depend on the COLUMNS of whoever started it."""
    import shutil

    if not sys.stdout.isatty():
        return 160
    return shutil.get_terminal_size((120, 40)).columns


def log(msg: str) -> None:
    """Progress/warnings go to stderr."""
    print(msg, file=sys.stderr, flush=True)


def parse_battery(value: str | None) -> tuple[float | None, float]:
    """``--battery MAH[,V]`` -> (mAh or None, volts; 3.7 V by default)."""
    if not value:
        return None, 3.7
    parts = value.split(",")
    try:
        return float(parts[0]), float(parts[1]) if len(parts) > 1 else 3.7
    except ValueError:
        raise click.BadParameter("expected MAH or MAH,VOLTS (e.g. 220,3.0)", param_hint="--battery") from None


def battery_tuple(value: str | None) -> tuple[float, float] | None:
    """``--battery`` as (mAh, volts), or None when not given."""
    mah, volts = parse_battery(value)
    return None if mah is None else (mah, volts)


class progress_bar:  # noqa: N801 - used like a function: ``with progress_bar("label") as bar: ...; bar(done, total)``
    """A rich progress bar on stderr, started on the first update of a long run (``min_total`` samples or more)."""

    def __init__(self, label: str, min_total: int = 1000) -> None:
        self.label, self.min_total = label, min_total
        self._progress = self._task = None

    def __enter__(self) -> "progress_bar":
        return self

    def __call__(self, done: int, total: int) -> None:
        if total < self.min_total:
            return
        if self._progress is None:
            from rich.console import Console
            from rich.progress import Progress

            self._progress = Progress(console=Console(stderr=True), transient=True)
            self._progress.start()
            self._task = self._progress.add_task(self.label, total=total)
        self._progress.update(self._task, completed=done)

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()
