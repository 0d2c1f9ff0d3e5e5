"""Report section: TFLM vs mcuml's C engine side by side (flash, SRAM, arena), as an HTML fragment."""

from __future__ import annotations

from html import escape


def engine_compare_section(r) -> str:
    """``r``: a :class:`mcuml.cengine.api.CFitResult`. Returns a self-contained ``<section>``."""
    rows = [
        ("flash", r.tflm_flash_bytes, r.flash_bytes, "TFLM: model + runtime code; C engine: text + data from the ELF"),
        ("SRAM", r.tflm_sram_bytes, r.sram_bytes, "TFLM: arena (head + tail) + runtime statics; C engine: data + bss"),
        ("arena", r.tflm_arena_head_bytes, r.arena_bytes, "TFLM: greedy head (activations); C engine: whole arena"),
    ]
    body = "".join(
        f"<tr><th>{escape(k)}</th><td>{t:,} B</td><td>{c:,} B</td><td>{(c / t if t else 0):.2f}x</td>"
        f"<td class='note'>{escape(n)}</td></tr>" for k, t, c, n in rows)
    verdict = "fits" if r.fits else "does not fit"
    return (
        "<section class='engine-compare'><h2>TFLM vs C engine</h2>"
        f"<p>{escape(r.model)} on {escape(r.board_name)} (Cortex-M4, {escape(r.opt)}): the C engine {verdict} "
        f"({r.flash_bytes:,} of {r.flash_capacity_bytes:,} B flash, {r.sram_bytes:,} of {r.sram_capacity_bytes:,} B "
        "SRAM). TFLM keeps the model swappable as one file; the C engine bakes it into code: no interpreter, no "
        "flatbuffer, no persistent arena tail.</p>"
        "<table><thead><tr><th></th><th>TFLM</th><th>C engine</th><th>C / TFLM</th><th></th></tr></thead>"
        f"<tbody>{body}</tbody></table></section>")
