"""Builtin op -> ``MicroMutableOpResolver`` ``Add...()`` method, for every op stock TFLM registers.

The method table is TFLM's resolver data and lives with the other TFLM registry facts in
:mod:`mcuml.ops._tflm` (``BUILTIN_ADD_METHODS``, ``CUSTOM_ADD_METHODS``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from mcuml.errors import OpProblem, UnsupportedOpError
from mcuml.ops._tflm import BUILTIN_ADD_METHODS, CUSTOM_ADD_METHODS

# Custom ops whose kernels live outside TFLM's default microlite build: generated code says so next to the call.
CUSTOM_NOTES: dict[str, str] = {
    "ethos-u": "needs TFLM built with CO_PROCESSOR=ethos_u and an Ethos-U NPU",
    **{k: "needs the TFLM Signal library (signal/micro/kernels)" for k in CUSTOM_ADD_METHODS if k.startswith("Signal")},
}


@dataclass(frozen=True, slots=True)
class ResolverEntry:
    """One registration: the op as mcuml names it and the ``MicroMutableOpResolver`` call that registers it."""

    op: str          # "CONV_2D" or "CUSTOM:ethos-u"
    method: str      # "AddConv2D"
    note: str = ""   # why the call may need a special TFLM build


def add_method(op: str) -> str:
    """``"CONV_2D"`` -> ``"AddConv2D"``; ``"CUSTOM:ethos-u"`` -> ``"AddEthosU"``; KeyError if TFLM has none."""
    if op.startswith("CUSTOM:"):
        return CUSTOM_ADD_METHODS[op[len("CUSTOM:"):]]
    return BUILTIN_ADD_METHODS[op]


def resolver_entries(ops: Iterable[str]) -> tuple[ResolverEntry, ...]:
    """The registrations a model needs, sorted by method name (stable output for diffs and goldens).

    Raises ``UnsupportedOpError`` listing every op stock TFLM cannot register, not just the first.
    """
    entries: dict[str, ResolverEntry] = {}
    missing: list[str] = []
    for op in ops:
        try:
            method = add_method(op)
        except KeyError:
            if op not in missing:
                missing.append(op)
            continue
        note = CUSTOM_NOTES.get(op[len("CUSTOM:"):], "") if op.startswith("CUSTOM:") else ""
        entries[method] = ResolverEntry(op, method, note)
    if missing:
        problems = tuple(OpProblem(op=op, node=-1, reason="no MicroMutableOpResolver registration in TFLM")
                         for op in missing)
        raise UnsupportedOpError(
            f"TFLM has no kernel for {', '.join(missing)}; the generated resolver could not register it",
            problems=problems, hint="run `mcuml check MODEL` for replacements; codegen --target c-array still works")
    return tuple(sorted(entries.values(), key=lambda e: e.method))
