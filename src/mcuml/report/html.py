"""One self-contained HTML report: inline SVG, inline CSS, no scripts, no fonts, no network.

The page is ``mcuml/data/report/page.html`` (a :class:`string.Template`) filled section by section
from :mod:`mcuml.report.sections`; the CSS is ``mcuml/data/report/report.css``.
"""

from __future__ import annotations

import functools
import string
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from importlib import resources
from typing import Any

from mcuml.report import sections


@dataclass(frozen=True, slots=True)
class PlanView:
    """One arena plan for the picture: (size, first, last, label) per record, offsets, head size.

    ``ops`` names the operator of each time step (for the peak label); ``tail`` is the persistent
    part of the arena drawn above the head.
    """

    name: str
    records: tuple[tuple[int, int, int, str], ...]
    offsets: tuple[int, ...]
    size: int
    ops: tuple[str, ...] = ()
    tail: int = 0


@functools.cache
def _resource(name: str) -> str:
    return resources.files("mcuml").joinpath(f"data/report/{name}").read_text(encoding="utf-8")


def css() -> str:
    """The report's stylesheet (shared by the eval page)."""
    return _resource("report.css")


def page_template() -> string.Template:
    """The page skeleton: ``$title``, ``$css`` and one placeholder per section."""
    return string.Template(_resource("page.html"))


def render(*, title: str, model_name: str, model_bytes: int, board: Any, kernels: str, check: Any, inspect: Any,
           fit: Any, profile: Any, arena: Any, plans: Sequence[PlanView], memory_map_svg: str) -> str:
    """The report page; every argument is an mcuml result dataclass (CheckResult, FitResult, ...)."""
    return page_template().substitute(
        title=escape(title), css=css(),
        header=sections.header(model_name, model_bytes, board, kernels, fit),
        forced=sections.forced(fit, check),
        cards=sections.cards(check, fit, profile, arena),
        support=sections.support(check, inspect),
        memory=sections.memory(fit, memory_map_svg),
        arena=sections.arena(arena, plans),
        latency=sections.latency(profile, board),
        layers=sections.layers(profile),
        energy=sections.energy(profile))


__all__ = ["PlanView", "page_template", "render"]
