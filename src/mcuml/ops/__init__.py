"""Operator registry. Each module in this package defines one op and registers it.

There is no central list to edit: ``register`` is a class decorator, and every module of the
package is imported the first time the registry is consulted.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Callable, TypeVar

from mcuml.ops._base import Cost, Op, OpContext
from mcuml.ops._facts import Persistent

REGISTRY: dict[str, Op] = {}
_loaded = False
T = TypeVar("T", bound=type)


def register(*names: str) -> Callable[[T], T]:
    """Register an ``Op`` subclass under one or more TFLite op names (``"CONV_2D"``, ``"CUSTOM:X"``)."""

    def deco(cls: T) -> T:
        inst = cls()
        for n in names:
            if n in REGISTRY:
                raise RuntimeError(f"op {n} registered twice")
            REGISTRY[n] = inst
        if not getattr(cls, "name", ""):
            cls.name = names[0]
        return cls

    return deco


def _load_all() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")


def lookup(name: str) -> Op | None:
    _load_all()
    return REGISTRY.get(name)


def registry() -> dict[str, Op]:
    _load_all()
    return dict(REGISTRY)


__all__ = ["Cost", "Op", "OpContext", "Persistent", "REGISTRY", "register", "lookup", "registry"]
