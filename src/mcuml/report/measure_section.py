"""The HTML report's "measured on an emulated Cortex-M4" section (from a :class:`~mcuml.emu.measure.MeasureResult`).

``measure_section(result)`` returns one self-contained ``<section>`` (no scripts, the report's CSS
classes); the report builder places it. ``tflm_instructions`` (e.g. the calibration file's TFLM +
CMSIS-NN figure for the same model) adds the ratio card.
"""

from __future__ import annotations

from html import escape

from mcuml.report.sections import card as _card
from mcuml.report.sections import kib as _kib
from mcuml.report.sections import table as _table


def measure_section(r, tflm_instructions: int | None = None, hot_spots: int = 3) -> str:
    """HTML for one measure result: cards, the per-layer table (hot spots marked), the method."""
    ok = r.outputs_match and r.qemu_outputs_match is not False
    cards = [
        _card("outputs vs interpreter", "match" if r.outputs_match else "DIFFER", "ok" if r.outputs_match else "bad"),
        _card("instructions / inference", f"{r.total_instructions:,}"),
        _card(f"est. time @ {r.clock_mhz:g} MHz", f"{r.total_ms:.2f} ms"),
        _card("MAC / instruction", f"{r.macs_per_instruction:.3f}"),
        _card("flash (ELF)", _kib(r.flash_bytes)),
        _card("SRAM static + stack", f"{_kib(r.sram_bytes)} + {_kib(r.stack_bytes)}"),
    ]
    if r.qemu_outputs_match is not None:
        qn = f" ({r.qemu_instructions:,} insns)" if r.qemu_instructions is not None else ""
        cards.append(_card("QEMU mps2-an386", ("match" if r.qemu_outputs_match else "DIFFER") + qn,
                           "ok" if r.qemu_outputs_match else "bad"))
    if tflm_instructions:
        ratio = r.total_instructions / tflm_instructions
        cards.append(_card("vs TFLM + CMSIS-NN", f"{ratio:.2f}x instructions", "ok" if ratio <= 1 else "warn"))
    hot = {id(x) for x in sorted(r.layers, key=lambda x: -x.instructions)[:hot_spots]}
    rows = [(x.index if x.index >= 0 else "", x.node if x.node >= 0 else "", x.op, x.instructions, x.cycles,
             f"{x.ms:.3f}", x.macs, f"{x.macs_per_instruction:.3f}", f"{x.share:.1%}") for x in r.layers]
    rows.append(("", "", "total", r.total_instructions, r.total_cycles, f"{r.total_ms:.3f}", r.macs,
                 f"{r.macs_per_instruction:.3f}", "100%"))
    classes = ["dw" if id(x) in hot else "" for x in r.layers] + [""]
    table = _table(("#", "node", "op", "instructions", "est. cycles", "ms", "MACs", "MAC/insn", "share"), rows,
                   numeric=(3, 4, 5, 6, 7, 8), row_class=classes, fmt=True)
    method = (f"{escape(r.compiler_flags)}; our startup and linker script for the board's memory map; "
              f"{escape(r.emulator)}: exact executed Thumb instructions, cut at marker stores; cycles from a static "
              f"Cortex-M4 TRM timing model (taken-branch refill {r.branch_refill_cycles} cycles, no bus contention). "
              f"Input: {escape(r.input_source)}. Flash/SRAM include the harness's {r.io_bytes:,} B of I/O buffers.")
    notes = "".join(f"<p class=\"warn\">note: {escape(n)}</p>" for n in r.notes)
    cls = "ok" if ok else "bad"
    return (f'<section id="measure"><h2>Measured on an emulated Cortex-M4: {escape(r.model)} on '
            f'{escape(r.board_name)}</h2><p class="sub {cls}">C engine, {r.total_instructions:,} instructions per '
            f'inference; highlighted rows are the {hot_spots} hot spots</p><div class="cards">{"".join(cards)}</div>'
            f"{table}<p class=\"sub\">{method}</p>{notes}</section>")


def measure_page(r, tflm_instructions: int | None = None) -> str:
    """A self-contained HTML page around :func:`measure_section` (``mcuml measure --html``)."""
    from mcuml.report.html import css

    return (f"<!doctype html><html><head><meta charset=\"utf-8\"><title>mcuml measure: {escape(r.model)}</title>"
            f"<style>{css()}</style></head><body>{measure_section(r, tflm_instructions)}</body></html>")
