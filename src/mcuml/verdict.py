"""Every command honours ``mcuml check``'s verdict: a model stock TFLM cannot run stops fit, profile, codegen,
report and deploy with exit 1 and the reasons, unless the caller forces it (then the result says so).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mcuml.errors import NotRunnableError, node_context


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether stock TFLM can run the model, why not, and whether the caller went on anyway."""

    runs_on_tflm: bool
    reasons: tuple[str, ...]
    forced: bool

    def label(self) -> str:
        """The line a forced result carries (empty when TFLM runs the model)."""
        if self.runs_on_tflm:
            return ""
        return (f"FORCED: TFLM cannot run this model ({len(self.reasons)} problem(s)); "
                "the figures below are for a build that would fail on the board")


def tflm_verdict(model: Any, command: str, *, force: bool = False) -> Verdict:
    """``check(model)``; raises :class:`NotRunnableError` (exit 1) when TFLM cannot run it and not ``force``."""
    from mcuml.check import check

    chk = check(model)
    reasons = tuple(f"{node_context(p.subgraph, p.node, p.op)}: {p.reason}" for p in chk.problems)
    if not chk.runs_on_tflm and not force:
        raise NotRunnableError(command, reasons)
    return Verdict(chk.runs_on_tflm, reasons, forced=force and not chk.runs_on_tflm)


__all__ = ["Verdict", "tflm_verdict"]
