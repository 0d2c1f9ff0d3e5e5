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


def arena_plan(records: Sequence[tuple[int, int, int, str]], offsets: Sequence[int], size: int, *, title: str,
               width: int = 760, height: int = 260, scale_to: int | None = None) -> str:
    """Tensor lifetimes (x) against arena offsets (y): one rectangle per usage record.

    ``records`` holds (size, first_use, last_use, label); ``scale_to`` lets two plans share the
    y scale so greedy and optimal can be compared by eye.
    """
    left, top, bottom = 70, 24, 28
    plot_w, plot_h = width - left - 10, height - top - bottom
    t_max = max((r[2] for r in records), default=0) + 1
    ymax = max(scale_to or size, 1)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
           f'role="img" aria-label="{escape(title)}" font-family="sans-serif" font-size="11">',
           f'<text x="0" y="14" font-weight="bold">{escape(title)}</text>',
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
    out.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y_used:.1f}" y2="{y_used:.1f}" stroke="#c00" '
               f'stroke-dasharray="4 3"/>')
    out.append(f'<text x="{left - 4}" y="{y_used + 4:.1f}" text-anchor="end" fill="#c00">{_fmt_bytes(size)}</text>')
    out.append(f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end">0</text>')
    out.append(f'<text x="{left + plot_w / 2:.0f}" y="{height - 8}" text-anchor="middle">operator step '
               f'(tensor lifetime) →</text>')
    out.append("</svg>")
    return "\n".join(out)
