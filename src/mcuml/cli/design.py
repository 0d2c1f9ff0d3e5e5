"""``mcuml design``: which template sizes fit a board, before training (no TensorFlow needed)."""

from __future__ import annotations

import sys

import click

from mcuml.cli._common import console, emit, json_option, log


@click.command("design")
@click.option("--board", "-b", required=True, help="Target board (see `mcuml boards`).")
@click.option("--task", required=True, type=click.Choice(["image", "audio", "imu", "anomaly"]))
@click.option("--input", "input_shape", default=None,
              help="Per-sample input shape, e.g. 32x32x3 (default: the template's own, e.g. 49x10x1 for audio).")
@click.option("--classes", default=10, show_default=True, help="Output classes (ignored for anomaly).")
@click.option("--max-latency-ms", type=float, default=1000.0, show_default=True,
              help="Drop candidates slower than this (0: no latency budget).")
@click.option("--kernels", type=click.Choice(["cmsis-nn", "reference"]), default="cmsis-nn", show_default=True)
@click.option("--prefer", type=click.Choice(["capacity", "latency", "size"]), default="capacity", show_default=True,
              help="Order: most MACs first (capacity), fastest first, or smallest first.")
@click.option("--template", "templates", multiple=True, help="Only these templates (repeatable).")
@click.option("--top", default=10, show_default=True, help="Candidates shown (all with --json).")
@click.option("--verbose", "-v", is_flag=True, help="Every grid point on stderr.")
@json_option
def command(board: str, task: str, input_shape: str | None, classes: int, max_latency_ms: float | None,
            kernels: str, prefer: str, templates: tuple[str, ...], top: int, verbose: bool, as_json: bool) -> None:
    """Size every template of TASK over width/depth multipliers for BOARD; print those that fit, best first.

    Flash, SRAM and latency come from mcuml's estimators applied to the int8 graph each template
    converts to (random weights); no accuracy is predicted. Exit code 1 when nothing fits.
    """
    from mcuml.design import design

    result = design(board, task, input_shape, classes, max_latency_ms=max_latency_ms or None, kernels=kernels,
                    prefer=prefer, templates=templates or None,
                    progress=(lambda m: log(f"design: {m}")) if verbose else None)
    emit(result, as_json, lambda r: _render(r, top))
    if not result.candidates:
        sys.exit(1)


def _render(r, top: int) -> None:
    from rich.table import Table

    c = console()
    shape = "x".join(map(str, r.input_shape))
    lat = f", latency <= {r.max_latency_ms:g} ms" if r.max_latency_ms is not None else ""
    out = "reconstruction" if r.task == "anomaly" else f"{r.classes} classes"
    title = (f"{r.board_name}: {r.task} {shape} -> {out}{lat} ({r.kernels} kernels); "
             f"{len(r.candidates)} of {len(r.candidates) + len(r.rejected)} candidates fit")
    if not r.candidates:
        c.print(title)
        for cand in r.rejected[:5]:
            c.print(f"  closest: {cand.label}: {'; '.join(cand.reasons)}")
        return
    t = Table(title=title)
    for col in ("#", "template", "width", "depth", "params", "MACs", "flash", "SRAM (arena)", "latency"):
        t.add_column(col, justify="left" if col == "template" else "right")
    for i, cand in enumerate(r.candidates[:top], 1):
        t.add_row(str(i), cand.template, f"{cand.width:g}", str(cand.depth), f"{cand.params:,}", f"{cand.macs:,}",
                  f"{cand.flash_bytes / 1024:,.0f} KiB ({cand.flash_bytes / cand.flash_capacity:.0%})",
                  f"{cand.sram_bytes / 1024:,.0f} KiB ({cand.sram_bytes / cand.sram_capacity:.0%}; "
                  f"{cand.arena_bytes / 1024:,.0f})",
                  f"{cand.latency_ms:,.1f} ms")
    c.print(t)
    if len(r.candidates) > top:
        c.print(f"... {len(r.candidates) - top} more (--top N or --json)")
    b = r.best
    how = f"mcuml.zoo.build({b.template!r}, width={b.width:g}, depth={b.depth})"
    if r.task == "image":
        how = f"`mcuml train cifar10 --template {b.template} --width {b.width:g} --depth {b.depth} ...` or {how}"
    c.print(f"best ({r.prefer}): {b.label}; build it with {how}")
    c.print(f"[dim]{r.method}[/dim]")
