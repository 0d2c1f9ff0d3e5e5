"""Pictures that explain (issue 16.7): the plan SVG has axes, op ticks, colours, the peak op and the persistent
tail; the report is built from its page template, one function per section, and its arena chart marks the peak
and the tail; the plan SVG renders in headless Chromium."""

from __future__ import annotations

import ast
import inspect
import xml.dom.minidom
from pathlib import Path

import numpy as np
import pytest
from oracle import model_path

from mcuml.cli import main
from mcuml.report.browser import chromium, load_page

VWW = "mlcommons_tiny/vww_96_int8.tflite"


def _plan_svg(tmp_path: Path) -> str:
    svg = tmp_path / "plan.svg"
    assert main(["plan", str(model_path(VWW)), "--target", "cortex-m", "--kernels", "cmsis-nn", "--plot",
                 str(svg)]) == 0
    return svg.read_text()


def test_plan_svg_has_axes_ticks_colours_peak_and_tail(tmp_path):
    text = _plan_svg(tmp_path)
    doc = xml.dom.minidom.parseString(text)
    texts = [t.firstChild.data for t in doc.getElementsByTagName("text") if t.firstChild is not None]
    assert "arena offset" in texts and any("operator step" in t for t in texts)
    assert {"0", "10", "20", "30"} <= set(texts)  # op ticks
    assert any(t.endswith("KiB") for t in texts) and "0 B" in texts  # byte ticks
    assert any(t.startswith("peak 72.0 KiB at op 1") for t in texts)  # head 73,728 B, set by node 1
    assert any(t.startswith("persistent tail") for t in texts)
    fills = {r.getAttribute("fill") for r in doc.getElementsByTagName("rect")}
    assert len(fills) >= 8  # one colour per buffer from the palette, not one grey


@pytest.mark.skipif(chromium() is None, reason="chromium not installed")
def test_plan_svg_renders_in_chromium(tmp_path):
    _plan_svg(tmp_path)
    page = load_page(tmp_path / "plan.svg", tmp_path / "shot.png")
    assert not page.console_errors and not page.page_requests
    from PIL import Image

    img = np.asarray(Image.open(tmp_path / "shot.png").convert("RGB")).astype(int)
    assert img.std() > 10 and len({tuple(p) for p in img.reshape(-1, 3)[::97]}) > 20  # colours, not blank


def test_report_is_made_from_the_template_and_marks_peak_and_tail(tmp_path):
    from mcuml.deploy import report
    from mcuml.report import html, sections

    out = report(model_path(VWW), "nano33ble", tmp_path / "r.html")
    page = Path(out).read_text()
    tpl = html.page_template().template
    for name in ("$header", "$cards", "$support", "$memory", "$arena", "$latency", "$layers", "$energy"):
        assert name in tpl
    assert "$" not in page.replace("$(", "")  # every placeholder filled
    assert "peak 72.0 KiB at op 1 (DEPTHWISE_CONV_2D)" in page and "persistent tail" in page
    src = inspect.getsource(sections) + inspect.getsource(html)
    for node in ast.walk(ast.parse(src)):
        if isinstance(node, ast.FunctionDef):
            assert node.end_lineno - node.lineno < 80, node.name
