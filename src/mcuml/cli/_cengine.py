"""Renderers of the C-engine variants of ``fit``, ``codegen`` and ``check`` (``--engine c`` / ``--target c``)."""

from __future__ import annotations

import click


def render_fit(r) -> None:
    verdict = "FITS" if r.fits else "DOES NOT FIT"
    click.echo(f"{r.model} on {r.board_name} (mcuml C engine, Cortex-M4 {r.opt}, linked ELF): {verdict}")
    click.echo(f"  flash {r.flash_bytes:,} of {r.flash_capacity_bytes:,} B   (TFLM model + runtime: "
               f"{r.tflm_flash_bytes:,} B, {r.flash_ratio:.2f}x)")
    click.echo(f"  SRAM  {r.sram_bytes:,} of {r.sram_capacity_bytes:,} B   (TFLM arena + statics: "
               f"{r.tflm_sram_bytes:,} B, {r.sram_ratio:.2f}x)")
    click.echo(f"  arena {r.arena_bytes:,} B (TFLM greedy head {r.tflm_arena_head_bytes:,} B); stack not included")


def render_codegen(r) -> None:
    click.echo(f"C engine ({r.target}) for {r.name} in {r.out_dir}: {r.layers} layers, arena {r.arena_bytes:,} B "
               f"(TFLM head {r.tflm_arena_bytes:,} B), constants {r.const_bytes:,} B"
               + (f", state {r.state_bytes:,} B ({r.name}_reset() restores it)" if r.state_bytes else ""))
    for f in r.files:
        click.echo(f"  wrote {f}")


def render_check(r) -> None:
    for p in r.problems:
        click.echo(f"c-engine {p}")
    click.echo("the C engine runs this model" if r.ok else
               f"the C engine cannot run this model ({len(r.problems)} node(s))")
