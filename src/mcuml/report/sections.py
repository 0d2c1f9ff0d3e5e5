"""The report's sections, one function each, every one returning an HTML fragment for ``page.html``."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from mcuml.report import svg


def kib(n: float) -> str:
    return f"{n / 1024:,.1f} KiB"


def card(k: str, v: str, cls: str = "") -> str:
    """One figure of a card row (the report's, the eval page's and the measure section's)."""
    return f'<div class="card"><div class="k">{escape(k)}</div><div class="v {cls}">{v}</div></div>'


def table(head: Sequence[str], rows: Sequence[Sequence[Any]], numeric: Sequence[int] = (),
          row_class: Sequence[str] = (), fmt: bool = False) -> str:
    """An HTML table; ``numeric`` columns right-aligned (ints with thousands separators when ``fmt``)."""
    out = ["<table><thead><tr>", *(f"<th>{escape(h)}</th>" for h in head), "</tr></thead><tbody>"]
    for i, row in enumerate(rows):
        cls = f' class="{row_class[i]}"' if i < len(row_class) and row_class[i] else ""
        cells = [f'<td class="n">{escape(f"{c:,}" if fmt and isinstance(c, int) else str(c))}</td>' if j in numeric
                 else f"<td>{escape(str(c))}</td>"
                 for j, c in enumerate(row)]
        out.append(f"<tr{cls}>{''.join(cells)}</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def header(model_name: str, model_bytes: int, board: Any, kernels: str, fit: Any) -> str:
    """The line under the title: model, board, kernels, runtime."""
    emb = fit.flash.model_bytes
    size = f"{emb:,} B embedded" + (f": the optimized model; the file has {model_bytes:,} B" if emb != model_bytes else "")
    return (f"<p class='sub'>{escape(model_name)} ({size}) on {escape(board.name)} "
            f"({escape(board.mcu)}, {escape(board.core)} @ {board.clock_mhz:g} MHz, {board.flash_bytes:,} B flash, "
            f"{board.sram_bytes:,} B SRAM); TFLM {escape(kernels)} kernels; runtime {escape(fit.runtime_name)}</p>")


def forced(fit: Any, check: Any) -> str:
    """A red box when the report was forced for a model TFLM cannot run (empty otherwise)."""
    if check.runs_on_tflm:
        return ""
    return ("<div class='forced'><b>FORCED:</b> TFLM cannot run this model; every figure below is for a build "
            "that fails on the board.</div>")


def cards(check: Any, fit: Any, profile: Any, arena: Any) -> str:
    """The summary cards (bytes, as `mcuml fit` prints them)."""
    verdict = (f'<span class="ok">{escape(fit.verdict)}, runs on TFLM</span>' if fit.fits and check.runs_on_tflm
               else f'<span class="bad">{escape(fit.verdict)}</span>' if check.runs_on_tflm
               else '<span class="bad">TFLM cannot run this model</span>')
    dc = profile.duty_cycle
    part = " (partial)" if profile.uncosted else ""  # nodes without a cost model are left out of time and energy
    out = [card("verdict", verdict),
           card("flash used", f"{fit.flash.total_bytes:,} / {fit.flash.capacity_bytes:,} B",
                 "ok" if fit.flash.fits else "bad"),
           card("SRAM used", f"{fit.ram.total_bytes:,} / {fit.ram.capacity_bytes:,} B",
                 "ok" if fit.ram.fits else "bad"),
           card("kTensorArenaSize", f"{arena.recommended_arena_bytes:,} B"),
           card("minimal arena", f"{arena.arena_bytes:,} B"),
           card("est. latency", f"{profile.total_ms:,.2f} ms{part}"),
           card("energy / inference", f"{profile.energy_mj:.3f} mJ{part}"),
           card("MACs", f"{profile.total_macs:,}")]
    if dc is not None and dc.battery_life_days is not None:
        out.append(card("battery life", f"{dc.battery_life_days:,.1f} days @ {dc.rate_hz:g} Hz"
                               + (" (at most)" if part else "")))
    return "".join(out)


def support(check: Any, inspect: Any) -> str:
    """Which operators stock TFLM registers, and check's problems and warnings."""
    hist = inspect.totals.op_histogram
    blocking = {p.op for p in check.problems}
    needs_reg = {p.op for p in check.registrations}
    rows = [(op, n, "missing / unsupported" if op in blocking else "needs registration" if op in needs_reg
             else "registered") for op, n in sorted(hist.items())]
    parts = [table(["operator", "count", "stock TFLM"], rows, numeric=(1,))]
    for label, items, cls in (("Problems", check.problems, "bad"), ("Needs registration", check.registrations, "warn"),
                              ("Warnings", check.warnings, "warn")):
        if items:
            parts.append(f"<p class='{cls}'><b>{label}:</b></p><ul>" + "".join(
                f"<li>node {p.node} ({escape(p.op)}): {escape(p.reason)}</li>" for p in items) + "</ul>")
    return "".join(parts)


def memory(fit: Any, memory_map_svg: str) -> str:
    """The memory map picture and the flash / SRAM component tables (fit's numbers and names)."""
    fb, rb = fit.flash, fit.ram
    flash_rows = [("weights", fb.weights_bytes), ("graph & quantization params", fb.graph_bytes),
                  ("TFLM runtime code", fb.runtime_bytes), ("application allowance", fb.app_allowance_bytes)]
    if fb.os_bytes:
        flash_rows.append((f"{fit.runtime_name} code", fb.os_bytes))
    if fb.reserved_bytes:
        flash_rows.append(("reserved (bootloader)", fb.reserved_bytes))
    flash_rows += [("total", fb.total_bytes), ("capacity", fb.capacity_bytes), ("margin (capacity - total)",
                                                                                  fb.margin_bytes)]
    ram_rows = [("arena head: activations & scratch", rb.arena_planned_bytes),
                ("arena tail: persistent", rb.arena_persistent_bytes),
                ("arena: AllocateTensors transient need", rb.arena_transient_bytes),
                ("arena: kTensorArenaSize margin", rb.arena_margin_bytes),
                ("TFLM static RAM", rb.runtime_static_bytes)]
    if rb.os_ram_bytes:
        ram_rows.append((f"{fit.runtime_name} RAM (statics, reserved, heap)", rb.os_ram_bytes))
    ram_rows += [("stack", rb.stack_bytes), ("ISR stack", rb.isr_stack_bytes), ("application RAM", rb.app_ram_bytes),
                 ("total", rb.total_bytes), ("capacity", rb.capacity_bytes), ("margin (capacity - total)",
                                                                              rb.margin_bytes)]
    notes = "<ul>" + "".join(f"<li>{escape(n)}</li>" for n in fit.notes) + "</ul>" if fit.notes else ""
    return (f"<figure>{memory_map_svg}<figcaption>Flash holds weights, the graph, the TFLM runtime code and the "
            f"runtime ({escape(fit.runtime_name)}); SRAM holds the tensor arena (kTensorArenaSize: head, tail, "
            "margin), static RAM and the stacks.</figcaption></figure>"
            + table(["flash component", "bytes"], flash_rows, numeric=(1,), fmt=True)
            + table(["SRAM component", "bytes"], ram_rows, numeric=(1,), fmt=True) + notes)


def arena(est: Any, plans: Sequence[Any]) -> str:
    """The arena figures and one lifetime x offset picture per plan (peak and persistent tail marked)."""
    parts = [f"<p>Predicted minimal arena <b>{est.arena_bytes:,} B</b>: head {est.head_bytes:,} B (planned "
             f"activations and scratch, at the peak op) + tail {est.tail_bytes:,} B (persistent: tensor metadata, "
             f"node and kernel data); kTensorArenaSize <b>{est.recommended_arena_bytes:,} B</b> in the generated code "
             f"({escape(est.margin)}).</p>"]
    top = max((p.size + p.tail for p in plans), default=1)
    for p in plans:
        parts.append("<figure>" + svg.arena_plan(p.records, p.offsets, p.size, title=f"{p.name}: head {p.size:,} B",
                                                 scale_to=top, ops=p.ops, tail=p.tail) + "</figure>")
    return "".join(parts)


def latency(profile: Any, board: Any) -> str:
    """Per-layer time bars (depthwise in red), uncosted nodes named."""
    labels = [f"{lp.index}: {lp.op}" + ("" if lp.costed else " (no cost model)") for lp in profile.layers]
    miss = (f" Leaves out {len(profile.uncosted)} node(s) with no cost model: the real latency is higher."
            if profile.uncosted else "")
    return ("<figure>" + svg.layer_bars(labels, [lp.ms for lp in profile.layers],
                                        highlight=[lp.op == "DEPTHWISE_CONV_2D" for lp in profile.layers],
                                        title=f"estimated ms per layer on {board.name} (depthwise in red)")
            + f"<figcaption>Total {profile.total_ms:.2f} ms (range {profile.ms_low:.2f}–{profile.ms_high:.2f} ms), "
              f"{profile.total_cycles:,} cycles at {profile.clock_mhz:g} MHz.{miss}</figcaption></figure>")


def layers(profile: Any) -> str:
    """MACs, parameter bytes (as `mcuml inspect` counts them), cycles, time and energy per layer."""
    rows = [(lp.index, lp.op, " ".join("x".join(map(str, s)) for s in lp.output_shapes), f"{lp.macs:,}",
             f"{lp.param_bytes:,}", f"{lp.cycles:,}" if lp.costed else "n/a",
             f"{lp.ms:.3f}" if lp.costed else "n/a", f"{100 * lp.share:.1f}%", f"{lp.energy_mj:.4f}")
            for lp in profile.layers]
    return table(["#", "op", "output", "MACs", "param B", "cycles", "ms", "share", "mJ"], rows,
                 numeric=(0, 3, 4, 5, 6, 7, 8),
                 row_class=["dw" if lp.op == "DEPTHWISE_CONV_2D" else "" for lp in profile.layers])


def energy(profile: Any) -> str:
    """Duty cycle, average power and battery life (or the energy per inference alone)."""
    dc = profile.duty_cycle
    if dc is None:
        out = f"<p>Energy per inference {profile.energy_mj:.4f} mJ at {profile.active_mw:.1f} mW active.</p>"
    else:
        rows = [("inference rate", f"{dc.rate_hz:g} Hz"), ("inference time", f"{dc.inference_ms:.2f} ms"),
                ("duty cycle", f"{100 * dc.duty:.2f} %"), ("active power", f"{dc.active_mw:.1f} mW"),
                ("sleep power", f"{dc.sleep_mw:.3f} mW"), ("average power", f"{dc.average_mw:.3f} mW"),
                ("energy per inference", f"{dc.energy_per_inference_mj:.4f} mJ")]
        if dc.battery_life_days is not None:
            rows.append(("battery", f"{dc.battery_mah:g} mAh @ {dc.battery_v:g} V"))
            rows.append(("battery life", f"{dc.battery_life_h:,.0f} h ({dc.battery_life_days:,.1f} days)"))
        out = table(["", ""], rows)
    if profile.notes:
        out += "<ul>" + "".join(f"<li>{escape(n)}</li>" for n in profile.notes) + "</ul>"
    return out
