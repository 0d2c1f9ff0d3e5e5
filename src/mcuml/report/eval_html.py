"""The ``mcuml eval --html`` page and its pictures: a confusion-matrix heat map (inline SVG), text tables.

Self-contained like the deploy report: inline CSS and SVG, no scripts, no fonts, no network.
"""

from __future__ import annotations

import math
from html import escape
from typing import Any, Sequence

from mcuml.report.html import css
from mcuml.report.sections import card as _card
from mcuml.report.sections import table as _table


def _cell_colour(frac: float, diagonal: bool) -> str:
    """White to blue (correct) or white to red (confusions) by the row fraction."""
    f = 0.15 + 0.85 * min(1.0, frac if diagonal else 4 * frac)  # rare confusions still show
    base = (0x4e, 0x79, 0xa7) if diagonal else (0xe1, 0x57, 0x59)
    r, g, b = (round(255 - (255 - c) * f) for c in base)
    return f"#{r:02x}{g:02x}{b:02x}"


def confusion_svg(matrix: Sequence[Sequence[int]], labels: Sequence[str], *, cell: int = 0,
                  title: str = "confusion matrix") -> str:
    """Rows: true class, columns: predicted; each cell shows its count, its shade the share of its row."""
    n = len(matrix)
    cell = cell or max(14, min(44, 520 // max(1, n)))
    lab_w = min(140, 12 + 7 * max((len(s) for s in labels), default=1))
    top = 40 + lab_w // 2
    w, h = max(lab_w + 24 + n * cell + 10, 400), top + n * cell + 34
    font = max(8, min(12, cell // 3))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" '
           f'aria-label="{escape(title)}" font-family="sans-serif" font-size="{font}">',
           f'<text x="0" y="14" font-weight="bold" font-size="12">{escape(title)}</text>',
           f'<text x="{lab_w + 24 + n * cell / 2:.0f}" y="30" text-anchor="middle" font-size="11">predicted</text>',
           f'<text x="10" y="{top + n * cell / 2:.0f}" font-size="11" text-anchor="middle" '
           f'transform="rotate(-90 10 {top + n * cell / 2:.0f})">true</text>']
    x0 = lab_w + 24
    for j, lab in enumerate(labels[:n]):
        cx = x0 + j * cell + cell / 2
        out.append(f'<text x="{cx:.1f}" y="{top - 4}" text-anchor="start" '
                   f'transform="rotate(-45 {cx:.1f} {top - 4})">{escape(lab)}</text>')
    for i, row in enumerate(matrix):
        y = top + i * cell
        out.append(f'<text x="{x0 - 4}" y="{y + cell / 2 + font / 3:.1f}" text-anchor="end">'
                   f'{escape(labels[i] if i < len(labels) else str(i))}</text>')
        total = sum(row) or 1
        for j, v in enumerate(row):
            frac = v / total
            fill = _cell_colour(frac, i == j) if v else "#ffffff"
            out.append(f'<rect x="{x0 + j * cell}" y="{y}" width="{cell}" height="{cell}" fill="{fill}" '
                       f'stroke="#ccc"><title>true {escape(labels[i] if i < len(labels) else str(i))}, predicted '
                       f'{escape(labels[j] if j < len(labels) else str(j))}: {v} ({frac:.0%} of the row)</title></rect>')
            if v and cell >= 16:
                colour = "#fff" if frac > 0.6 else "#222"
                out.append(f'<text x="{x0 + j * cell + cell / 2:.1f}" y="{y + cell / 2 + font / 3:.1f}" '
                           f'text-anchor="middle" fill="{colour}">{v}</text>')
    out.append(f'<text x="{x0}" y="{h - 8}" font-size="10" fill="#555">shade: share of the true class '
               "(blue: correct, red: confused)</text>")
    out.append("</svg>")
    return "\n".join(out)


def confusion_text(matrix: Sequence[Sequence[int]], labels: Sequence[str]) -> str:
    """The confusion matrix as an aligned text table (rows true, columns predicted)."""
    labs = [str(s) for s in labels[:len(matrix)]]
    width = max([len(s) for s in labs] + [len(str(v)) for row in matrix for v in row] + [4])
    first = max(width, len("true\\pred")) + 2
    head = "true\\pred".ljust(first) + " ".join(s[-width:].rjust(width) for s in labs)
    rows = [labs[i][-width:].ljust(first) + " ".join(str(v).rjust(width) for v in row)
            for i, row in enumerate(matrix)]
    return "\n".join([head, *rows])


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{v:.2%}"


def _db(v: float) -> str:
    return "identical" if math.isinf(v) and v > 0 else f"{v:.1f} dB"


def render_eval(r: Any) -> str:
    """The whole page for an :class:`mcuml.evaluate.EvalResult`."""
    cards = [_card("samples", f"{r.samples:,}"), _card("task", escape(r.task)), _card("backend", escape(r.backend))]
    body = []
    if r.task == "classification":
        cards += [_card("top-1 accuracy", _pct(r.top1)), _card(f"top-{r.top_k} accuracy", _pct(r.top_k_accuracy))]
        rows = [(c.label, c.support, c.predicted, _pct(c.precision), _pct(c.recall), _pct(c.f1)) for c in r.per_class]
        body += ["<h2>Confusion matrix</h2>", f"<figure>{confusion_svg(r.confusion, r.classes)}"
                 "<figcaption>rows: true class; columns: predicted class (mcuml's bit-exact interpreter)"
                 "</figcaption></figure>", f"<pre>{escape(confusion_text(r.confusion, r.classes))}</pre>",
                 "<h2>Per class</h2>",
                 _table(("class", "samples", "predicted", "precision", "recall", "F1"), rows, numeric=(1, 2, 3, 4, 5))]
    elif r.task == "regression":
        cards += [_card("MAE", f"{r.mae:.4g}"), _card("RMSE", f"{r.rmse:.4g}"),
                  _card("R²", "-" if r.r2 is None else f"{r.r2:.4f}")]
    if r.reference is not None:
        cards += [_card("float agreement (top-1)", _pct(r.agreement_top1))] if r.agreement_top1 is not None else []
        cards += [_card("output SQNR", _db(r.output_sqnr_db))] if r.output_sqnr_db is not None else []
        rows = [(e.index, e.op, e.tensor[:60], "x".join(map(str, e.shape)), _db(e.sqnr_db), f"{e.max_abs_error:.4g}",
                 e.matched_by) for e in r.layers]
        from mcuml.report.svg import layer_bars

        in_order = sorted((e for e in r.layers if math.isfinite(e.sqnr_db)), key=lambda e: e.index)
        bars = layer_bars([f"{e.index} {e.op}" for e in in_order], [max(0.0, e.sqnr_db) for e in in_order],
                          unit="dB", title="SQNR per layer in model order (lower = more quantization error)")
        body += [f"<h2>Quantization error per layer (vs {escape(r.reference)}, {r.layer_samples} samples)</h2>",
                 f"<figure>{bars}</figure>",
                 "<p>Worst layers first. SQNR = 10·log10(Σ float² / Σ (int8 dequantized − float)²); "
                 "each layer includes the error of the layers before it.</p>",
                 _table(("#", "op", "tensor", "shape", "SQNR", "max |err|", "matched by"), rows, numeric=(0, 4, 5))]
    head = (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>mcuml eval: {escape(r.model)}"
            f"</title><style>{css()}</style></head><body>")
    return "".join([head, f"<h1>mcuml eval</h1><p class=\"sub\">{escape(r.model)} on {escape(r.data)}</p>",
                    f'<div class="cards">{"".join(cards)}</div>', *body, "</body></html>"])


__all__ = ["confusion_svg", "confusion_text", "render_eval"]


def print_eval(r: Any, out: Any) -> None:
    """The human rendering of ``mcuml eval`` on a rich console."""
    from rich.table import Table

    q = f", inputs quantized with scale {r.input_quantization[0]:.6g}, zero point {r.input_quantization[1]}" \
        if r.input_quantization else ""
    out.print(f"{r.model} on {r.data}: {r.samples} samples, {r.task} ({r.backend}{q})")
    if r.task == "classification":
        out.print(f"top-1 accuracy {r.top1:.2%}   top-{r.top_k} accuracy {r.top_k_accuracy:.2%}")
        t = Table(title="per class")
        for col in ("class", "samples", "predicted", "precision", "recall", "F1"):
            t.add_column(col, justify="left" if col == "class" else "right")
        for c in r.per_class:
            t.add_row(c.label, str(c.support), str(c.predicted), _pct(c.precision), _pct(c.recall), _pct(c.f1))
        out.print(t)
        out.print("confusion matrix (rows true, columns predicted):")
        out.print(confusion_text(r.confusion, r.classes), markup=False)
    elif r.task == "regression":
        out.print(f"MAE {r.mae:.6g}   RMSE {r.rmse:.6g}   R2 {'-' if r.r2 is None else f'{r.r2:.4f}'}")
    if r.reference is not None:
        parts = [f"float top-1 {r.reference_top1:.2%}" if r.reference_top1 is not None else "",
                 f"agreement with float {r.agreement_top1:.2%}" if r.agreement_top1 is not None else "",
                 f"output SQNR {_db(r.output_sqnr_db)}" if r.output_sqnr_db is not None else ""]
        out.print(f"reference {r.reference} ({r.reference_kind}): " + ", ".join(p for p in parts if p))
        t = Table(title=f"quantization error per layer, worst first ({r.layer_samples} samples)")
        for col in ("#", "op", "tensor", "SQNR", "max |err|", "matched by"):
            t.add_column(col)
        for e in r.layers:
            t.add_row(str(e.index), e.op, e.tensor[:48], _db(e.sqnr_db), f"{e.max_abs_error:.4g}", e.matched_by)
        out.print(t)


__all__ += ["print_eval"]
