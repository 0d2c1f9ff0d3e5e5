"""``mcuml boards [NAME]``: the board database (one board in detail, or the list)."""

from __future__ import annotations

import click

from mcuml.cli._common import console, emit, json_option


def _kib(n: int) -> str:
    return f"{n / 1024:,.0f} KiB" if n < 1 << 20 else f"{n / (1 << 20):,.1f} MiB"


def render_list(r) -> None:
    """Print the board list as a table."""
    from rich.table import Table

    t = Table(title="boards")
    # ids are what users type: never truncated or wrapped
    t.add_column("id", no_wrap=True, min_width=max((len(b.id) for b in r.boards), default=2))
    for col in ("name", "MCU", "core", "MHz", "flash", "SRAM", "FPU", "DSP"):
        t.add_column(col)
    t.add_column("runtime", no_wrap=True)
    for b in r.boards:
        t.add_row(b.id, b.name, b.mcu, b.core, f"{b.clock_mhz:g}", _kib(b.flash_bytes), _kib(b.sram_bytes), b.fpu,
                  "yes" if b.dsp else "no", b.runtime)
    console().print(t)


def render_one(b) -> None:
    """Print one board's details."""
    rows = [("name", b.name), ("aliases", ", ".join(b.aliases)), ("MCU", f"{b.mcu} ({b.vendor})"),
            ("core", f"{b.core} [{b.core_class}] at {b.clock_mhz:g} MHz"),
            ("flash", f"{b.flash_bytes:,} B ({_kib(b.flash_bytes)})" + (
                f", external {_kib(b.external_flash_bytes)}" if b.external_flash_bytes else "")),
            ("SRAM", f"{b.sram_bytes:,} B ({_kib(b.sram_bytes)}), largest block {_kib(b.largest_ram_block_bytes)}"),
            ("FPU / DSP", f"{b.fpu} / {b.simd}"),
            ("flash wait states", f"{b.flash_wait_states if b.flash_wait_states is not None else 'n/a'}"
                                  f"{' (cached)' if b.flash_cache else ''}"),
            ("power", f"active {b.active_mw:g} mW, sleep {b.sleep_mw:g} mW ({b.sleep_mode})"),
            ("power note", b.power_note), ("notes", b.notes or "-")]
    rows += [(f"source ({k})", ", ".join(v) if isinstance(v, list) else v) for k, v in b.sources.items()]
    for k, v in rows:
        click.echo(f"{k:<18} {v}")
    _render_runtimes(b)


def _render_runtimes(b) -> None:
    """The runtime profiles `fit --runtime` accepts for this board, the default first."""
    from mcuml.boards import get_runtime

    click.echo(f"runtimes           default {b.runtime}; also " + ", ".join(r for r in b.runtimes if r != b.runtime))
    for rid in b.runtimes:
        rt = get_runtime(b, rid)
        stack = f"{rt.stack_bytes:,} B" if rt.stack_bytes is not None else "TFLM's peak"
        click.echo(f"  {rt.id:<16} {rt.description}{' (approximate)' if rt.approximate else ''}")
        click.echo(f"  {'':<16} flash {rt.flash_bytes:,} B + reserved {rt.flash_reserved_bytes:,} B; RAM statics "
                   f"{rt.static_ram_bytes:,} B + reserved {rt.ram_reserved_bytes:,} B + heap {rt.heap_bytes:,} B; "
                   f"stack {stack} + ISR {rt.isr_stack_bytes:,} B")
        for src in rt.sources:
            click.echo(f"  {'':<16} source: {src}")


@click.command("boards")
@click.argument("name", required=False)
@json_option
def command(name: str | None, as_json: bool) -> None:
    """List the supported boards, or show one board (memory, core, clock, power, sources)."""
    from mcuml.boards import catalog, get_board

    if name:
        emit(get_board(name), as_json, render_one)
    else:
        emit(catalog(), as_json, render_list)
