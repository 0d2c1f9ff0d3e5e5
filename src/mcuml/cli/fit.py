"""``mcuml fit MODEL --board B``: flash and SRAM budgets, the memory map, margins; exit 1 if it does not fit."""

from __future__ import annotations

import click

from mcuml.cli._common import emit, json_option, log


def render(r) -> None:
    """Print the fit verdict, the memory map and the flash/SRAM components."""
    f, m = r.flash, r.ram
    verdict = "FITS" if r.fits else "DOES NOT FIT"
    click.echo(f"{r.model} on {r.board_name} ({r.kernels} kernels): {verdict}")
    click.echo(r.memory_map)
    click.echo("flash components:")
    rt = f"  TFLM runtime {f.runtime_bytes:,} B{' (this op set measured)' if f.runtime_measured else ''}: " \
         f"core {f.runtime_core_bytes:,}, templates {f.runtime_templates_bytes:,}" + \
         (f", link adjustment {f.runtime_link_adjust_bytes:+,}" if f.runtime_link_adjust_bytes else "")
    click.echo(f"  model {f.model_bytes:,} B = weights {f.weights_bytes:,} + graph/quantization {f.graph_bytes:,}")
    click.echo(rt)
    click.echo("    kernels: " + ", ".join(f"{k.op} {k.nbytes:,}{'*' if k.provenance != 'fitted' else ''}"
                                           for k in f.runtime_kernels))
    click.echo(f"  application allowance {f.app_allowance_bytes:,} B; total {f.total_bytes:,} of "
               f"{f.capacity_bytes:,} B, margin {f.margin_bytes:+,} B")
    click.echo("SRAM components:")
    click.echo(f"  arena {m.arena_bytes:,} B (activations & scratch {m.arena_planned_bytes:,}, persistent "
               f"{m.arena_persistent_bytes:,}; {m.arena_source})")
    click.echo(f"  runtime static {m.runtime_static_bytes:,} B, stack {m.stack_bytes:,} B"
               + (f", application {m.app_ram_bytes:,} B" if m.app_ram_bytes else "")
               + f"; total {m.total_bytes:,} of {m.capacity_bytes:,} B, margin {m.margin_bytes:+,} B")
    click.echo(f"dominant: {r.dominant}")
    for n in r.notes:
        click.echo(f"note: {n}")


@click.command("fit")
@click.argument("model", type=click.Path(exists=True, dir_okay=False))
@click.option("--board", "-b", required=True, help="Board id, name or alias (see `mcuml boards`).")
@click.option("--kernels", type=click.Choice(["reference", "cmsis-nn"]), default="cmsis-nn", show_default=True)
@click.option("--app-flash", type=int, default=None, help="Application flash allowance in bytes (default: libc/startup).")
@click.option("--app-ram", type=int, default=0, show_default=True, help="Application RAM in bytes.")
@click.option("--plot", type=click.Path(dir_okay=False), default=None, help="Write the memory map (.svg or .png).")
@click.option("--engine", type=click.Choice(["tflm", "c"]), default="tflm", show_default=True,
              help="c: mcuml's standalone C engine, sizes read from the linked Cortex-M4 ELF.")
@json_option
def command(model: str, board: str, kernels: str, app_flash: int | None, app_ram: int, plot: str | None,
            engine: str, as_json: bool) -> None:
    """Does MODEL fit BOARD? Flash = model + TFLM runtime + app; SRAM = arena + runtime + stack."""
    if engine == "c":
        from mcuml.cengine.api import fit_c
        from mcuml.cli._cengine import render_fit

        rc = fit_c(model, board)
        emit(rc, as_json, render_fit)
        raise SystemExit(0 if rc.fits else 1)
    from mcuml.fit import fit
    from mcuml.memmap import save_plot

    r = fit(model, board, kernels, app_flash_bytes=app_flash, app_ram_bytes=app_ram)
    emit(r, as_json, render)
    if plot:
        log(f"wrote {save_plot(r.bars(), plot, title=f'{r.model} on {r.board_name} ({r.kernels})')}")
    if not r.fits:
        raise SystemExit(1)
