"""``mcuml profile MODEL --board B``: per-layer cycles, time and energy; duty cycle and battery life."""

from __future__ import annotations

import click

from mcuml.cli._common import console, emit, force_option, json_option, parse_battery


def _shape(shapes) -> str:
    return " ".join("x".join(map(str, s)) for s in shapes)


def render(r) -> None:
    """Print the per-layer table, the latency/energy line and the duty cycle."""
    from rich.table import Table

    t = Table("#", "op", "in", "out", "MACs", "param B", "cycles", "ms", "share", "mJ",
              title=f"{r.model} on {r.board_name} ({r.kernels}, {r.clock_mhz:g} MHz)")
    for lp in r.layers:
        na = not lp.costed
        t.add_row(str(lp.index), lp.op, _shape(lp.input_shapes), _shape(lp.output_shapes), f"{lp.macs:,}",
                  f"{lp.param_bytes:,}", "n/a" if na else f"{lp.cycles:,}", "n/a (no cost model)" if na else
                  f"{lp.ms:.3f}", "n/a" if na else f"{lp.share:.1%}", "n/a" if na else f"{lp.energy_mj:.4f}")
    t.add_row("", "total", "", "", f"{r.total_macs:,}", f"{sum(lp.param_bytes for lp in r.layers):,}",
              f"{r.total_cycles:,}", f"{r.total_ms:.3f}", "100%", f"{r.energy_mj:.4f}")
    con = console()
    if r.forced:
        con.print("FORCED: TFLM cannot run this model; the estimate is for a build that fails on the board:")
        for p in r.tflm_problems:
            con.print(f"  {p}")
    con.print(t)
    low = f" (excludes {len(r.uncosted)} node(s) with no cost model: more than this)" if r.uncosted else ""
    con.print(f"latency {r.total_ms:.2f} ms{low} (range {r.ms_low:.2f}-{r.ms_high:.2f}), {r.energy_mj:.3f} mJ per "
              f"inference at {r.active_mw:g} mW; interpreter overhead {r.interpreter_cycles:,} cycles")
    d = r.duty_cycle
    if d is not None:
        con.print(f"at {d.rate_hz:g} Hz: duty {d.duty:.1%}{'' if d.feasible else ' (CANNOT keep up)'}, "
                  f"average {d.average_mw:.3f} mW (sleep {d.sleep_mw:g} mW)"
                  + (f", battery {d.battery_mah:g} mAh @ {d.battery_v:g} V lasts {d.battery_life_h:,.0f} h "
                     f"({d.battery_life_days:,.1f} days{', at most: nodes left out' if r.uncosted else ''})"
                     if d.battery_life_h is not None else ""))
    for n in r.notes:
        con.print(f"note: {n}")


def render_c(r) -> None:
    """Print the C-engine estimate per node and in total."""
    from rich.table import Table

    t = Table("#", "op", "est. instructions", "est. cycles",
              title=f"{r.model} on {r.board} (C engine estimate, fitted on `mcuml measure`, {r.clock_mhz:g} MHz)")
    for n in r.nodes:
        t.add_row(str(n.index), n.op, f"{n.instructions:,}", f"{n.cycles:,}")
    t.add_row("", "total", f"{r.instructions:,}", f"{r.cycles:,}")
    con = console()
    con.print(t)
    con.print(f"latency {r.ms:.2f} ms; held-out error of the fit: median {r.heldout_median_error:.0%}, "
              f"max {r.heldout_max_error:.0%} (`mcuml measure` runs it for the exact count)")


@click.command("profile")
@click.argument("model", type=click.Path(exists=True, dir_okay=False))
@click.option("--board", "-b", required=True, help="Board id, name or alias (see `mcuml boards`).")
@click.option("--kernels", type=click.Choice(["reference", "cmsis-nn"]), default="cmsis-nn", show_default=True)
@click.option("--rate", type=float, default=None, help="Inferences per second (duty cycle, average power).")
@click.option("--battery", default=None, metavar="MAH[,V]", help="Battery capacity (and voltage, default 3.7 V).")
@click.option("--engine", type=click.Choice(["tflm", "c"]), default="tflm", show_default=True,
              help="tflm: TFLM's calibrated cycle model; c: mcuml's C engine (Cortex-M4, fitted on `mcuml measure`).")
@force_option
@json_option
def command(model: str, board: str, kernels: str, rate: float | None, battery: str | None, engine: str, force: bool,
            as_json: bool) -> None:
    """Estimate per-layer latency and energy of MODEL on BOARD (calibrated TFLM cycle model)."""
    from mcuml.profile import profile

    if engine == "c":
        from mcuml.emu.estimate import estimate_c

        return emit(estimate_c(model, board), as_json, render_c)

    mah, volts = parse_battery(battery)
    if mah is not None and rate is None:
        raise click.UsageError("--battery needs --rate")
    r = profile(model, board, kernels, rate_hz=rate, battery_mah=mah, battery_v=volts, force=force)
    emit(r, as_json, render)
    if r.forced:
        raise SystemExit(1)
