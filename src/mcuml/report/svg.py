"""Small hand-written SVG charts for the HTML report (no plotting dependency, no network, printable)."""

from __future__ import annotations

from html import escape
from typing import Sequence

PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f",
           "#bab0ac"]


def _fmt_bytes(n: float) -> str:
    return f"{n / 1024:.1f} KiB" if n >= 1024 else f"{int(n)} B"


def layer_bars(labels: Sequence[str], values: Sequence[float], *, highlight: Sequence[bool] = (),
               unit: str = "ms", width: int = 760, bar_h: int = 14, title: str = "") -> str:
    """Horizontal bars, one per layer; highlighted bars (e.g. depthwise convs) in a second colour."""
    n = len(values)
    label_w, pad = 230, 6
    h = 28 + n * (bar_h + 4) + pad
    vmax = max(values) if values else 1.0
    vmax = vmax or 1.0
    plot_w = width - label_w - 90
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{h}" viewBox="0 0 {width} {h}" '
           f'role="img" aria-label="{escape(title)}" font-family="sans-serif" font-size="11">',
           f'<text x="0" y="14" font-weight="bold">{escape(title)}</text>']
    for i, (lab, v) in enumerate(zip(labels, values)):
        y = 24 + i * (bar_h + 4)
        hl = bool(highlight[i]) if i < len(highlight) else False
        w = max(1.0, plot_w * v / vmax)
        color = "#e15759" if hl else "#4e79a7"
        out.append(f'<text x="{label_w - 6}" y="{y + bar_h - 3}" text-anchor="end">{escape(lab)}</text>')
        out.append(f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{color}">'
                   f'<title>{escape(lab)}: {v:.4g} {unit}</title></rect>')
        out.append(f'<text x="{label_w + w + 4:.1f}" y="{y + bar_h - 3}">{v:.3g} {unit}</text>')
    out.append("</svg>")
    return "\n".join(out)


def peak_step(records: Sequence[tuple[int, int, int, str]], offsets: Sequence[int]) -> tuple[int, int]:
    """(time step, bytes) where the planned buffers reach highest: the op that sets the head."""
    best_t, best = 0, 0
    t_max = max((r[2] for r in records), default=0)
    for t in range(t_max + 1):
        top = max((off + sz for (sz, first, last, _), off in zip(records, offsets) if first <= t <= last), default=0)
        if top > best:
            best_t, best = t, top
    return best_t, best


def _axes(left: int, top: int, plot_w: float, plot_h: float, t_max: int, ymax: int, ops: Sequence[str]) -> list[str]:
    """Y ticks in bytes, X ticks per op step (thinned to ~16 labels), axis titles."""
    out = []
    for k in range(5):
        v = ymax * k / 4
        y = top + plot_h * (1 - k / 4)
        out.append(f'<line x1="{left - 4}" x2="{left}" y1="{y:.1f}" y2="{y:.1f}" stroke="#555"/>'
                   f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{_fmt_bytes(v)}</text>')
    every = max(1, -(-t_max // 16))
    for t in range(0, t_max, every):
        x = left + plot_w * (t + 0.5) / t_max
        name = ops[t] if t < len(ops) else ""
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top + plot_h}" y2="{top + plot_h + 4}" stroke="#555"/>'
                   f'<text x="{x:.1f}" y="{top + plot_h + 15}" text-anchor="middle">{t}'
                   f'<title>{escape(name)}</title></text>')
    out.append(f'<text x="{left + plot_w / 2:.0f}" y="{top + plot_h + 30}" text-anchor="middle">operator step '
               f'(tensor lifetime) →</text>')
    out.append(f'<text x="14" y="{top + plot_h / 2:.0f}" text-anchor="middle" '
               f'transform="rotate(-90 14 {top + plot_h / 2:.0f})">arena offset</text>')
    return out


def arena_plan(records: Sequence[tuple[int, int, int, str]], offsets: Sequence[int], size: int, *, title: str,
               width: int = 760, height: int = 300, scale_to: int | None = None, ops: Sequence[str] = (),
               tail: int = 0) -> str:
    """Tensor lifetimes (x) against arena offsets (y): one rectangle per usage record.

    ``records`` holds (size, first_use, last_use, label); ``scale_to`` lets two plans share the
    y scale so greedy and optimal can be compared by eye. The op that sets the head (the peak) is
    marked, and ``tail`` (the persistent part) is drawn as a band above the head, where TFLM puts it.
    """
    left, top, bottom = 78, 24, 44
    plot_w, plot_h = width - left - 10, height - top - bottom
    t_max = max((r[2] for r in records), default=0) + 1
    ymax = max(scale_to or size + tail, 1)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
           f'role="img" aria-label="{escape(title)}" font-family="sans-serif" font-size="11">',
           f'<text x="4" y="14" font-weight="bold">{escape(title)}</text>',
           f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fafafa" stroke="#999"/>']
    for k, ((sz, first, last, label), off) in enumerate(zip(records, offsets)):
        first = max(first, 0)
        x = left + plot_w * first / t_max
        w = max(plot_w * (last - first + 1) / t_max, 1.5)
        y = top + plot_h * (1 - (off + sz) / ymax)
        h = max(plot_h * sz / ymax, 0.8)
        out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{PALETTE[k % len(PALETTE)]}" '
                   f'fill-opacity="0.8" stroke="#333" stroke-width="0.3"><title>{escape(label)}: {_fmt_bytes(sz)} '
                   f'@ {off}, ops {first}..{last}</title></rect>')
    y_used = top + plot_h * (1 - size / ymax)
    if tail:
        y_tail = top + plot_h * (1 - (size + tail) / ymax)
        out.append(f'<rect x="{left}" y="{y_tail:.1f}" width="{plot_w}" height="{max(y_used - y_tail, 0.8):.1f}" '
                   f'fill="#8cd17d" fill-opacity="0.45" stroke="#59a14f"><title>persistent tail: {tail:,} B'
                   f'</title></rect>')
        out.append(f'<text x="{left + 6}" y="{max(y_tail + 12, top + 12):.1f}" fill="#2d6a1f">persistent tail '
                   f'{_fmt_bytes(tail)} (tensor metadata, node and kernel data)</text>')
    out.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y_used:.1f}" y2="{y_used:.1f}" stroke="#c00" '
               f'stroke-dasharray="4 3"/>')
    t_peak, _ = peak_step(records, offsets)
    xp = left + plot_w * (t_peak + 0.5) / t_max
    op = ops[t_peak] if t_peak < len(ops) else ""
    anchor = "end" if xp > left + plot_w * 0.6 else "start"
    out.append(f'<line x1="{xp:.1f}" x2="{xp:.1f}" y1="{top}" y2="{top + plot_h}" stroke="#c00" stroke-width="1.2"/>')
    out.append(f'<text x="{xp + (-4 if anchor == "end" else 4):.1f}" y="{y_used - 4:.1f}" text-anchor="{anchor}" '
               f'fill="#c00" font-weight="bold">peak {_fmt_bytes(size)} at op {t_peak}'
               f'{" (" + escape(op) + ")" if op else ""}</text>')
    out += _axes(left, top, plot_w, plot_h, t_max, ymax, ops)
    out.append("</svg>")
    return "\n".join(out)
