"""The memory-map picture of ``mcuml fit``: flash and SRAM bars split into their components.

Three renderings of the same :class:`MemoryBar` list: plain text (terminal), a hand-written SVG
(no dependency; the HTML report inlines it) and, optionally, a PNG through matplotlib (imported
lazily, ``pip install mcuml[plot]``).
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from pathlib import Path

# one colour per segment kind, shared by SVG and PNG so the pictures read the same
COLORS = {
    "weights": "#4e79a7", "graph": "#a0cbe8", "runtime": "#f28e2b", "app": "#ffbe7d",
    "arena": "#59a14f", "persistent": "#8cd17d", "static": "#e15759", "stack": "#ff9d9a", "free": "#eeeeee",
    "os": "#b07aa1", "reserved": "#9d7660", "margin": "#c9e7b9",
}
_CHARS = {"weights": "W", "graph": "g", "runtime": "R", "app": "a", "arena": "A", "persistent": "p",
          "static": "s", "stack": "k", "os": "o", "reserved": "b", "margin": "m"}


@dataclass(frozen=True, slots=True)
class Segment:
    label: str
    nbytes: int
    kind: str  # a key of COLORS


@dataclass(frozen=True, slots=True)
class MemoryBar:
    name: str            # "flash" / "SRAM"
    capacity: int
    segments: tuple[Segment, ...]

    @property
    def used(self) -> int:
        return sum(s.nbytes for s in self.segments)

    @property
    def margin(self) -> int:
        return self.capacity - self.used


def kib(n: int | float) -> str:
    return f"{n / 1024:,.1f} KiB"


def render_text(bars: tuple[MemoryBar, ...] | list[MemoryBar], width: int = 50) -> str:
    """Bars of ``width`` characters (one letter per component, '.' free, '!' over capacity) and a legend."""
    lines = []
    for bar in bars:
        scale = max(bar.capacity, bar.used, 1)
        cells = ""
        acc = 0
        for s in bar.segments:
            acc += s.nbytes
            n = round(acc / scale * width) - len(cells)
            cells += _CHARS.get(s.kind, "#") * max(n, 0)
        cap_cells = round(bar.capacity / scale * width)
        cells = cells[:cap_cells] + "!" * max(len(cells) - cap_cells, 0) if len(cells) > cap_cells else \
            cells + "." * (width - len(cells))
        pct = bar.used / bar.capacity if bar.capacity else float("inf")
        state = "fits" if bar.margin >= 0 else "DOES NOT FIT"
        lines.append(f"{bar.name:<6}|{cells}| {kib(bar.used)} of {kib(bar.capacity)} ({pct:.0%}), "
                     f"margin {kib(bar.margin)}: {state}")
        for s in bar.segments:
            lines.append(f"  {_CHARS.get(s.kind, '#')} {s.label:<34} {s.nbytes:>10,} B  {kib(s.nbytes):>12}")
    return "\n".join(lines)


def render_svg(bars: tuple[MemoryBar, ...] | list[MemoryBar], title: str = "", width: int = 720) -> str:
    """A self-contained SVG (inline styles only) of the bars with labelled segments and a legend."""
    pad, bar_h, label_w = 16, 28, 70
    inner = width - label_w - 2 * pad
    y = pad + (22 if title else 0)
    out = []
    if title:
        out.append(f'<text x="{pad}" y="{pad + 12}" font-size="14" font-weight="bold">{escape(title)}</text>')
    for bar in bars:
        scale = max(bar.capacity, bar.used, 1)
        x = pad + label_w
        out.append(f'<text x="{pad}" y="{y + 18}" font-size="13">{escape(bar.name)}</text>')
        out.append(f'<rect x="{x}" y="{y}" width="{inner}" height="{bar_h}" fill="{COLORS["free"]}" stroke="#999"/>')
        for s in bar.segments:
            w = s.nbytes / scale * inner
            if w <= 0:
                continue
            out.append(f'<rect x="{x:.2f}" y="{y}" width="{w:.2f}" height="{bar_h}" fill="{COLORS.get(s.kind, "#888")}">'
                       f'<title>{escape(s.label)}: {s.nbytes:,} B ({kib(s.nbytes)})</title></rect>')
            x += w
        cap_x = pad + label_w + bar.capacity / scale * inner
        out.append(f'<line x1="{cap_x:.2f}" y1="{y - 4}" x2="{cap_x:.2f}" y2="{y + bar_h + 4}" stroke="#000" '
                   f'stroke-width="2"/>')
        state = "fits" if bar.margin >= 0 else "does NOT fit"
        out.append(f'<text x="{pad + label_w}" y="{y + bar_h + 16}" font-size="11">{kib(bar.used)} of '
                   f'{kib(bar.capacity)} used, margin {kib(bar.margin)} ({state})</text>')
        y += bar_h + 26
        lx = pad + label_w
        for s in bar.segments:
            text = f"{s.label} {kib(s.nbytes)}"
            out.append(f'<rect x="{lx}" y="{y}" width="10" height="10" fill="{COLORS.get(s.kind, "#888")}"/>'
                       f'<text x="{lx + 14}" y="{y + 9}" font-size="11">{escape(text)}</text>')
            lx += 24 + 6 * len(text)
            if lx > width - 160:
                lx, y = pad + label_w, y + 16
        y += 30
    body = "\n".join(out)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{y}" viewBox="0 0 {width} {y}" '
            f'font-family="sans-serif">\n<rect width="100%" height="100%" fill="#fff"/>\n{body}\n</svg>\n')


PLOT_SUFFIXES = (".svg", ".png")


def check_plot_path(path: str | Path) -> None:
    """A picture path must end in .svg or .png (what gets written); anything else is a usage error."""
    suffix = Path(path).suffix.lower()
    if suffix not in PLOT_SUFFIXES:
        from mcuml.errors import McumlError

        raise McumlError(f"cannot write a picture to {str(path)!r}: {suffix or 'no extension'} is not supported",
                         hint="use a .svg (no dependency) or .png (needs matplotlib) path", path=str(path))


def save_plot(bars: tuple[MemoryBar, ...] | list[MemoryBar], path: str | Path, title: str = "") -> Path:
    """Write the picture: ``.svg`` by hand, ``.png`` (or other raster formats) through matplotlib."""
    check_plot_path(path)
    p = Path(path)
    if p.suffix.lower() == ".svg":
        p.write_text(render_svg(bars, title))
        return p
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as e:
        from mcuml.errors import MissingDependencyError

        raise MissingDependencyError("PNG output needs matplotlib", hint="pip install 'mcuml[plot]', or use a .svg path") from e
    fig, ax = plt.subplots(figsize=(9, 1.2 + 0.9 * len(bars)))
    for i, bar in enumerate(bars):
        left = 0.0
        for s in bar.segments:
            ax.barh(i, s.nbytes / 1024, left=left, color=COLORS.get(s.kind, "#888"), edgecolor="white",
                    label=f"{bar.name}: {s.label}")
            left += s.nbytes / 1024
        ax.plot([bar.capacity / 1024] * 2, [i - 0.45, i + 0.45], color="black", linewidth=2)
    ax.set_yticks(range(len(bars)), [b.name for b in bars])
    ax.set_xlabel("KiB")
    if title:
        ax.set_title(title)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    fig.savefig(p, dpi=120)
    plt.close(fig)
    return p
