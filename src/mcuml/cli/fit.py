"""``mcuml fit MODEL --board B``: flash and SRAM budgets on the board's runtime; exit 1 if it does not fit."""

from __future__ import annotations

import click

from mcuml.cli._common import emit, force_option, json_option, log, runtime_option


def render(r) -> None:
    """Print the fit verdict, the memory map and the flash/SRAM components."""
    f, m = r.flash, r.ram
    if r.forced:
        click.echo("FORCED: TFLM cannot run this model; these figures are for a build that fails on the board:")
        for p in r.tflm_problems:
            click.echo(f"  {p}")
    click.echo(f"{r.model} on {r.board_name} ({r.kernels} kernels, {r.runtime_name}): {r.verdict}")
    click.echo(r.memory_map)
    click.echo("flash components:")
    click.echo(f"  model {f.model_bytes:,} B = weights {f.weights_bytes:,} + graph/quantization {f.graph_bytes:,}")
    click.echo(f"  TFLM runtime {f.runtime_bytes:,} B{' (this op set measured)' if f.runtime_measured else ''}: "
               f"core {f.runtime_core_bytes:,}, templates {f.runtime_templates_bytes:,}"
               + (f", link adjustment {f.runtime_link_adjust_bytes:+,}" if f.runtime_link_adjust_bytes else ""))
    click.echo("    kernels: " + ", ".join(f"{k.op} {k.nbytes:,}{'*' if k.provenance != 'fitted' else ''}"
                                           for k in f.runtime_kernels))
    click.echo(f"  application allowance {f.app_allowance_bytes:,} B"
               + (f"; {r.runtime_name} {f.os_bytes:,} B" if f.os_bytes else "")
               + (f"; reserved (bootloader) {f.reserved_bytes:,} B" if f.reserved_bytes else ""))
    click.echo(f"  total {f.total_bytes:,} of {f.capacity_bytes:,} B, margin {f.margin_bytes:+,} B (capacity - total)")
    click.echo("SRAM components:")
    click.echo(f"  kTensorArenaSize {m.ktensorarena_bytes:,} B = arena {m.arena_bytes:,} (head {m.arena_planned_bytes:,}"
               f" + tail {m.arena_persistent_bytes:,}"
               + (f" + transient {m.arena_transient_bytes:,}" if m.arena_transient_bytes else "")
               + f") + margin {m.arena_margin_bytes:,}; {m.arena_source}")
    click.echo(f"  TFLM static {m.runtime_static_bytes:,} B"
               + (f", {r.runtime_name} {m.os_ram_bytes:,} B" if m.os_ram_bytes else "")
               + f", stack {m.stack_bytes:,} B" + (f" + ISR stack {m.isr_stack_bytes:,} B" if m.isr_stack_bytes else "")
               + (f", application {m.app_ram_bytes:,} B" if m.app_ram_bytes else ""))
    click.echo(f"  total {m.total_bytes:,} of {m.capacity_bytes:,} B, margin {m.margin_bytes:+,} B (capacity - total)")
    click.echo(f"dominant: {r.dominant}")
    for n in r.notes:
        click.echo(f"note: {n}")


@click.command("fit")
@click.argument("model", type=click.Path(exists=True, dir_okay=False))
@click.option("--board", "-b", required=True, help="Board id, name or alias (see `mcuml boards`).")
@click.option("--kernels", type=click.Choice(["reference", "cmsis-nn"]), default="cmsis-nn", show_default=True)
@runtime_option
@click.option("--app-flash", type=int, default=None, help="Application flash allowance in bytes (default: libc/startup).")
@click.option("--app-ram", type=int, default=0, show_default=True, help="Application RAM in bytes.")
@click.option("--plot", type=click.Path(dir_okay=False), default=None, help="Write the memory map (.svg or .png).")
@click.option("--engine", type=click.Choice(["tflm", "c"]), default="tflm", show_default=True,
              help="c: mcuml's standalone C engine, sizes read from the linked Cortex-M4 ELF.")
@force_option
@json_option
def command(model: str, board: str, kernels: str, runtime: str | None, app_flash: int | None, app_ram: int,
            plot: str | None, engine: str, force: bool, as_json: bool) -> None:
    """Does MODEL fit BOARD on its usual runtime? Flash = model + TFLM + runtime; SRAM = arena + runtime + stack."""
    if engine == "c":
        from mcuml.cengine.api import fit_c
        from mcuml.cli._cengine import render_fit

        rc = fit_c(model, board)
        emit(rc, as_json, render_fit)
        raise SystemExit(0 if rc.fits else 1)
    from mcuml.fit import fit
    from mcuml.memmap import check_plot_path, save_plot

    if plot:
        check_plot_path(plot)
    r = fit(model, board, kernels, app_flash_bytes=app_flash, app_ram_bytes=app_ram, runtime=runtime, force=force)
    emit(r, as_json, render)
    if plot:
        log(f"wrote {save_plot(r.bars(), plot, title=f'{r.model} on {r.board_name} ({r.kernels}, {r.runtime_name})')}")
    if not r.fits or r.forced:
        raise SystemExit(1)
