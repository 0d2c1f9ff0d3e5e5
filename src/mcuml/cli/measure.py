"""``mcuml measure MODEL --board B``: run the C engine on an emulated Cortex-M4 and count instructions."""

from __future__ import annotations

import click

from mcuml.cli._common import console, emit, json_option, log


def render(r) -> None:
    """Print the per-layer table and the totals (instructions, cycles, ms, flash, SRAM, stack)."""
    from rich.table import Table

    t = Table("#", "node", "op", "instructions", "est. cycles", "ms", "MACs", "MAC/insn", "share",
              title=f"{r.model} on {r.board_name} (C engine, emulated Cortex-M4 @ {r.clock_mhz:g} MHz)")
    for x in r.layers:
        t.add_row(str(x.index) if x.index >= 0 else "", str(x.node) if x.node >= 0 else "", x.op,
                  f"{x.instructions:,}", f"{x.cycles:,}", f"{x.ms:.3f}", f"{x.macs:,}", f"{x.macs_per_instruction:.3f}",
                  f"{x.share:.1%}")
    t.add_row("", "", "total", f"{r.total_instructions:,}", f"{r.total_cycles:,}", f"{r.total_ms:.3f}", f"{r.macs:,}",
              f"{r.macs_per_instruction:.3f}", "100%")
    con = console()
    con.print(t)
    verdict = "match" if r.outputs_match else f"DIFFER (max |diff| {r.max_abs_diff:g})"
    qemu = "" if r.qemu_outputs_match is None else f"; under QEMU: {'match' if r.qemu_outputs_match else 'DIFFER'}" + (
        f", {r.qemu_instructions:,} instructions by -icount" if r.qemu_instructions is not None else "")
    con.print(f"outputs vs mcuml's interpreter: {verdict}{qemu}")
    con.print(f"flash {r.flash_bytes:,} B, SRAM {r.sram_bytes:,} B static + {r.stack_bytes:,} B stack "
              f"(incl. {r.io_bytes:,} B harness I/O); {r.compiler_flags}; {r.emulator}")
    for n in r.notes:
        con.print(f"note: {n}")


@click.command("measure")
@click.argument("model", type=click.Path(exists=True, dir_okay=False))
@click.option("--board", "-b", default="nano33ble", show_default=True, help="A Cortex-M4 board (see `mcuml boards`).")
@click.option("--engine", type=click.Choice(["c"]), default="c", show_default=True, help="Engine to run.")
@click.option("--input", "input_path", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Input .npz (input_0, ...) or .npy; default: seeded random input.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the random input.")
@click.option("--opt", type=click.Choice(["-O2", "-O3", "-Os"]), default="-O2", show_default=True,
              help="arm-none-eabi-gcc optimisation level.")
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Keep the ELF, map file, sources and a README (QEMU cross-check) in this directory.")
@click.option("--qemu", is_flag=True,
              help="Also run the ELF under qemu-system-arm -M mps2-an386: outputs and its -icount instruction count.")
@click.option("--html", "html_path", type=click.Path(dir_okay=False), default=None,
              help="Also write the result as a self-contained HTML page (the report's measure section).")
@click.option("--tflm-instructions", type=int, default=None,
              help="TFLM's instruction count for the same model (e.g. TFLM + CMSIS-NN measured): adds the ratio.")
@json_option
def command(model: str, board: str, engine: str, input_path: str | None, seed: int, opt: str, out_dir: str | None,
            qemu: bool, html_path: str | None, tflm_instructions: int | None, as_json: bool) -> None:
    """Measure MODEL's instructions per layer on BOARD's emulated Cortex-M4 (exit 1 if outputs differ)."""
    from mcuml.emu.measure import measure

    log(f"measuring {model} on {board} (cross-compile, emulate)...")
    r = measure(model, board, engine=engine, out_dir=out_dir, input_path=input_path, seed=seed, opt=opt, qemu=qemu)
    emit(r, as_json, render)
    if html_path:
        from pathlib import Path

        from mcuml.report.measure_section import measure_page

        Path(html_path).write_text(measure_page(r, tflm_instructions), encoding="utf-8")
        log(f"wrote {html_path}")
    if out_dir:
        log(f"kept the ELF, map and README in {out_dir}")
    if not r.outputs_match or r.qemu_outputs_match is False:
        raise SystemExit(1)
