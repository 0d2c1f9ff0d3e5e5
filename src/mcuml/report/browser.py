"""Headless Chromium for the report: screenshots and the list of requests the page made.

Used by the report test and by ``tools/readme_screenshot.py`` so the README picture comes from the
same path the test checks.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from mcuml.errors import MissingDependencyError


@dataclass(frozen=True, slots=True)
class PageLoad:
    screenshot: str
    page_requests: tuple[str, ...]  # URLs the page itself requested (none for a self-contained report)
    console_errors: tuple[str, ...]


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def page_requests(netlog: Path) -> list[str]:
    """URLs requested with an initiator origin: the page's own fetches (Chromium's background ones have none)."""
    d = json.loads(netlog.read_text(errors="replace"))
    types = {v: k for k, v in d["constants"]["logEventTypes"].items()}
    return [e["params"]["url"] for e in d["events"] if types.get(e["type"]) == "URL_REQUEST_START_JOB"
            and e.get("params", {}).get("initiator") not in (None, "not an origin")]


def load_page(html: str | Path, screenshot: str | Path, *, width: int = 1200, height: int = 2000,
              timeout: float = 120) -> PageLoad:
    """Open ``html`` in headless Chromium, take a screenshot, and record network requests and console errors."""
    exe = chromium()
    if exe is None:
        raise MissingDependencyError("headless Chromium is not installed", hint="apt-get install chromium")
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "net.json"
        proc = subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                               f"--user-data-dir={tmp}/profile", f"--window-size={width},{height}",
                               f"--log-net-log={log}", "--enable-logging=stderr", "--v=0",
                               f"--screenshot={Path(screenshot).resolve()}", Path(html).resolve().as_uri()],
                              capture_output=True, text=True, timeout=timeout)
        reqs = tuple(page_requests(log)) if log.exists() else ()
    errors = tuple(ln for ln in proc.stderr.splitlines() if "CONSOLE" in ln and "ERROR" in ln.upper())
    return PageLoad(str(screenshot), reqs, errors)
