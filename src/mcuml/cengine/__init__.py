"""The standalone C engine: a model compiled into a self-contained C99 library (no interpreter).

``generate(model, name=...)`` returns the sources (:class:`GeneratedEngine`); :class:`CEngine`
compiles them for the host and runs them through ctypes (Interpreter-like API, batched ``run``);
:mod:`mcuml.cengine.cross` builds them for Cortex-M and measures flash/SRAM from the linked ELF.
Heavy parts load on first use: ``import mcuml.cengine`` stays cheap.
"""

from __future__ import annotations

__all__ = ["CEngine", "GeneratedEngine", "TensorIO", "generate", "unsupported_ops"]


def __getattr__(name: str):
    if name in ("generate", "GeneratedEngine", "TensorIO"):
        from mcuml.cengine import gen as g

        return getattr(g, name)
    if name == "CEngine":
        from mcuml.cengine.host import CEngine

        return CEngine
    if name == "unsupported_ops":
        return unsupported_ops
    raise AttributeError(name)


def unsupported_ops(model) -> tuple[str, ...]:
    """Every node the C engine cannot run (empty: the model can use it)."""
    from mcuml.cengine.gen import generate as _gen

    return _gen(model, strict=False).unsupported
