"""Make docs/report.png for the README: the demo's report, through the same browser path the test uses.

    python tools/readme_screenshot.py
"""

import sys
import tempfile
from pathlib import Path

from mcuml.deploy import deploy
from mcuml.examples import example_model_bytes
from mcuml.report.browser import load_page

ROOT = Path(__file__).resolve().parents[1]

with tempfile.TemporaryDirectory() as tmp:
    model = Path(tmp) / "example_cnn.tflite"
    model.write_bytes(example_model_bytes())
    r = deploy(model, "nano33ble", Path(tmp) / "out")
    page = load_page(r.report, ROOT / "docs" / "report.png", width=1100, height=1500)
    if page.page_requests or page.console_errors:
        sys.exit(f"report not self-contained: {page}")
    print(f"wrote {page.screenshot}", file=sys.stderr)
