"""One self-contained HTML report: inline SVG, inline CSS, no scripts, no fonts, no network."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any, Sequence

from mcuml.report import svg

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1040px;color:#222;
line-height:1.4;padding:0 16px}
h1{font-size:1.6em;margin-bottom:0}h2{border-bottom:2px solid #4e79a7;padding-bottom:2px;margin-top:1.6em}
.sub{color:#666;margin-top:2px}.cards{display:flex;flex-wrap:wrap;gap:10px;margin:14px 0}
.card{border:1px solid #ddd;border-radius:6px;padding:8px 12px;min-width:150px;background:#fbfbfb}
.card .k{font-size:.8em;color:#666}.card .v{font-size:1.25em;font-weight:600}
.ok{color:#1a7f37}.bad{color:#c62828}.warn{color:#9a6700}
table{border-collapse:collapse;font-size:.85em;margin:8px 0;width:100%}
th,td{border:1px solid #ddd;padding:3px 6px;text-align:left}th{background:#f0f3f7}
td.n{text-align:right;font-variant-numeric:tabular-nums}tr.dw td{background:#fff0f0}
pre{background:#f6f8fa;padding:8px;font-size:.8em;overflow-x:auto}
figure{margin:10px 0}figcaption{font-size:.85em;color:#555}
@media print{body{margin:0;max-width:none}h2{page-break-after:avoid}figure,table{page-break-inside:avoid}}
"""


@dataclass(frozen=True, slots=True)
class PlanView:
    """One arena plan for the picture: (size, first, last, label) per record, offsets, head size."""

    name: str
    records: tuple[tuple[int, int, int, str], ...]
    offsets: tuple[int, ...]
    size: int


def _kib(n: float) -> str:
    return f"{n / 1024:,.1f} KiB"


def _card(k: str, v: str, cls: str = "") -> str:
    return f'<div class="card"><div class="k">{escape(k)}</div><div class="v {cls}">{v}</div></div>'


def _table(head: Sequence[str], rows: Sequence[Sequence[Any]], numeric: Sequence[int] = (),
           row_class: Sequence[str] = (), fmt: bool = False) -> str:
    out = ["<table><thead><tr>", *(f"<th>{escape(h)}</th>" for h in head), "</tr></thead><tbody>"]
    for i, row in enumerate(rows):
        cls = f' class="{row_class[i]}"' if i < len(row_class) and row_class[i] else ""
        cells = [f'<td class="n">{escape(f"{c:,}" if fmt and isinstance(c, int) else str(c))}</td>' if j in numeric
                 else f"<td>{escape(str(c))}</td>"
                 for j, c in enumerate(row)]
        out.append(f"<tr{cls}>{''.join(cells)}</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def render(*, title: str, model_name: str, model_bytes: int, board: Any, kernels: str, check: Any, inspect: Any,
           fit: Any, profile: Any, arena: Any, plans: Sequence[PlanView], memory_map_svg: str) -> str:
    """The report page; every argument is an mcuml result dataclass (CheckResult, FitResult, ...)."""
    fits = fit.fits and check.runs_on_tflm
    verdict = ('<span class="ok">fits and runs on TFLM</span>' if fits else
               '<span class="bad">does not fit</span>' if check.runs_on_tflm else
               '<span class="bad">TFLM cannot run this model</span>')
    dc = profile.duty_cycle
    cards = [
        _card("verdict", verdict),
        _card("flash used", f"{_kib(fit.flash.total_bytes)} / {_kib(fit.flash.capacity_bytes)}",
              "ok" if fit.flash.fits else "bad"),
        _card("SRAM used", f"{_kib(fit.ram.total_bytes)} / {_kib(fit.ram.capacity_bytes)}",
              "ok" if fit.ram.fits else "bad"),
        _card("kTensorArenaSize", f"{arena.recommended_arena_bytes:,} B"),
        _card("minimal arena", f"{arena.arena_bytes:,} B"),
        _card("est. latency", f"{profile.total_ms:,.2f} ms"),
        _card("energy / inference", f"{profile.energy_mj:.3f} mJ"),
        _card("MACs", f"{profile.total_macs:,}"),
    ]
    if dc is not None and dc.battery_life_days is not None:
        cards.append(_card("battery life", f"{dc.battery_life_days:,.1f} days @ {dc.rate_hz:g} Hz"))

    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}</title>"
             f"<meta name='viewport' content='width=device-width, initial-scale=1'><style>{CSS}</style></head><body>",
             f"<h1>{escape(title)}</h1>",
             f"<p class='sub'>{escape(model_name)} ({model_bytes:,} bytes) on {escape(board.name)} "
             f"({escape(board.mcu)}, {escape(board.core)} @ {board.clock_mhz:g} MHz, {_kib(board.flash_bytes)} flash, "
             f"{_kib(board.sram_bytes)} SRAM); TFLM {escape(kernels)} kernels</p>",
             f"<div class='cards'>{''.join(cards)}</div>"]

    # TFLM support
    parts.append("<h2>TFLM operator support</h2>")
    hist = inspect.totals.op_histogram
    blocking = {p.op for p in check.problems}
    needs_reg = {p.op for p in check.registrations}
    rows = [(op, n, "missing / unsupported" if op in blocking else "needs registration" if op in needs_reg
             else "registered") for op, n in sorted(hist.items())]
    parts.append(_table(["operator", "count", "stock TFLM"], rows, numeric=(1,)))
    for label, items, cls in (("Problems", check.problems, "bad"), ("Needs registration", check.registrations, "warn"),
                              ("Warnings", check.warnings, "warn")):
        if items:
            parts.append(f"<p class='{cls}'><b>{label}:</b></p><ul>" + "".join(
                f"<li>node {p.node} ({escape(p.op)}): {escape(p.reason)}</li>" for p in items) + "</ul>")

    # memory
    parts.append("<h2>Memory map</h2>")
    parts.append(f"<figure>{memory_map_svg}<figcaption>Flash holds weights, the graph and the TFLM runtime code; "
                 "SRAM holds the tensor arena (activations and persistent data), static RAM and the stack.</figcaption>"
                 "</figure>")
    fb, rb = fit.flash, fit.ram
    parts.append(_table(["flash component", "bytes"], [
        ("weights", fb.weights_bytes), ("graph & quantization params", fb.graph_bytes),
        ("TFLM runtime code", fb.runtime_bytes), ("application allowance", fb.app_allowance_bytes),
        ("total", fb.total_bytes), ("capacity", fb.capacity_bytes), ("margin", fb.margin_bytes)], numeric=(1,),
        fmt=True))
    parts.append(_table(["SRAM component", "bytes"], [
        ("arena: activations & scratch", rb.arena_planned_bytes), ("arena: persistent", rb.arena_persistent_bytes),
        ("runtime static RAM", rb.runtime_static_bytes), ("stack", rb.stack_bytes),
        ("application RAM", rb.app_ram_bytes), ("total", rb.total_bytes), ("capacity", rb.capacity_bytes),
        ("margin", rb.margin_bytes)], numeric=(1,), fmt=True))
    if fit.notes:
        parts.append("<ul>" + "".join(f"<li>{escape(n)}</li>" for n in fit.notes) + "</ul>")

    # arena plans
    parts.append("<h2>Arena plan: tensor lifetimes × offsets</h2>")
    parts.append(f"<p>Predicted minimal arena <b>{arena.arena_bytes:,} B</b> (head {arena.head_bytes:,} B planned "
                 f"tensors + tail {arena.tail_bytes:,} B persistent); recommended kTensorArenaSize "
                 f"<b>{arena.recommended_arena_bytes:,} B</b> ({escape(arena.margin)}).</p>")
    top = max((p.size for p in plans), default=1)
    for p in plans:
        parts.append(f"<figure>{svg.arena_plan(p.records, p.offsets, p.size, title=f'{p.name}: {p.size:,} B', scale_to=top)}"
                     "</figure>")

    # latency
    parts.append("<h2>Per-layer latency (estimated)</h2>")
    layers = profile.layers
    labels = [f"{lp.index}: {lp.op}" for lp in layers]
    parts.append("<figure>" + svg.layer_bars(labels, [lp.ms for lp in layers],
                                             highlight=[lp.op == "DEPTHWISE_CONV_2D" for lp in layers],
                                             title=f"estimated ms per layer on {board.name} (depthwise in red)")
                 + f"<figcaption>Total {profile.total_ms:.2f} ms (range {profile.ms_low:.2f}–{profile.ms_high:.2f} ms)"
                   f", {profile.total_cycles:,} cycles at {profile.clock_mhz:g} MHz.</figcaption></figure>")

    # MACs and parameters
    parts.append("<h2>Layers: MACs and parameters</h2>")
    rows = [(lp.index, lp.op, " ".join("x".join(map(str, s)) for s in lp.output_shapes), f"{lp.macs:,}",
             f"{lp.param_bytes:,}", f"{lp.cycles:,}", f"{lp.ms:.3f}", f"{100 * lp.share:.1f}%", f"{lp.energy_mj:.4f}")
            for lp in layers]
    parts.append(_table(["#", "op", "output", "MACs", "param bytes", "cycles", "ms", "share", "mJ"], rows,
                        numeric=(0, 3, 4, 5, 6, 7, 8),
                        row_class=["dw" if lp.op == "DEPTHWISE_CONV_2D" else "" for lp in layers]))

    # energy
    parts.append("<h2>Energy and battery life</h2>")
    if dc is not None:
        rows = [("inference rate", f"{dc.rate_hz:g} Hz"), ("inference time", f"{dc.inference_ms:.2f} ms"),
                ("duty cycle", f"{100 * dc.duty:.2f} %"), ("active power", f"{dc.active_mw:.1f} mW"),
                ("sleep power", f"{dc.sleep_mw:.3f} mW"), ("average power", f"{dc.average_mw:.3f} mW"),
                ("energy per inference", f"{dc.energy_per_inference_mj:.4f} mJ")]
        if dc.battery_life_days is not None:
            rows.append(("battery", f"{dc.battery_mah:g} mAh @ {dc.battery_v:g} V"))
            rows.append(("battery life", f"{dc.battery_life_h:,.0f} h ({dc.battery_life_days:,.1f} days)"))
        parts.append(_table(["", ""], rows))
    else:
        parts.append(f"<p>Energy per inference {profile.energy_mj:.4f} mJ at {profile.active_mw:.1f} mW active.</p>")
    if profile.notes:
        parts.append("<ul>" + "".join(f"<li>{escape(n)}</li>" for n in profile.notes) + "</ul>")
    parts.append("<p class='sub'>Made by mcuml. Latency and energy are estimates from a model calibrated on measured "
                 "Cortex-M4 instruction counts of TFLM; sizes come from a port of TFLM's planner and allocator.</p>")
    parts.append("</body></html>")
    return "\n".join(parts)
