"""mcuml: neural networks onto microcontrollers the TFLM way.

``import mcuml`` stays cheap (numpy + flatbuffers); everything heavier is imported on first use.
"""

from __future__ import annotations

from typing import Any

from mcuml.errors import (ArenaTooSmallError, BoardNotFoundError, ConversionError, DoesNotFitError,
                          InputError, InvalidModelError, McumlError, MissingDependencyError, ModelFormatError,
                          ResourceLimitError, ShapeError, UnsupportedOpError, UnsupportedTypeError)
from mcuml.ir import DType, Model, Operator, Subgraph, Tensor

__version__ = "0.1.0"

# public name -> module that defines it; resolved lazily so the import stays cheap
_LAZY = {
    "load_model": "mcuml.tflite.reader",
    "Interpreter": "mcuml.interp.interpreter",
    "compile": "mcuml.compile",
    "CompiledModel": "mcuml.compile",
    "evaluate": "mcuml.evaluation",
    "EvalResult": "mcuml.evaluation",
}
# functions whose module has the same name as the function would be shadowed by the submodule
_RENAMED = {"check_model": ("mcuml.check", "check"), "inspect_model": ("mcuml.inspect", "inspect")}


def __getattr__(name: str) -> Any:
    import importlib

    if name in _RENAMED:
        mod, attr = _RENAMED[name]
        return getattr(importlib.import_module(mod), attr)
    mod = _LAZY.get(name)
    if mod is None:
        raise AttributeError(f"module 'mcuml' has no attribute {name!r}")
    return getattr(importlib.import_module(mod), name)


__all__ = ["__version__", "DType", "Model", "Operator", "Subgraph", "Tensor", "McumlError", "ModelFormatError",
           "UnsupportedOpError", "UnsupportedTypeError", "ShapeError", "InputError", "ArenaTooSmallError",
           "BoardNotFoundError", "ConversionError", "MissingDependencyError", "DoesNotFitError", "InvalidModelError",
           "ResourceLimitError", *_LAZY, *_RENAMED]
