"""C text helpers of the generator: constant arrays (deduplicated), parameter structs, layers.

A :class:`Layer` is one kernel call whose tensor pointers are filled in after memory planning:
``call`` holds ``{i0}``, ``{o0}`` … placeholders for the activation inputs / outputs.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mcuml.errors import UnsupportedOpError
from mcuml.ir.dtypes import DType

CTYPE = {DType.int8: "int8_t", DType.uint8: "uint8_t", DType.int16: "int16_t", DType.int32: "int32_t",
         DType.float32: "float", DType.bool: "uint8_t", DType.int64: "int64_t"}


class NotSupported(UnsupportedOpError):
    """One node the C engine cannot generate (collected; all are reported at once)."""


@dataclass
class Layer:
    """One generated kernel call (or an alias: no call, the output is the input's buffer)."""

    op: str
    node: int
    call: str  # C statement(s) with {iK}/{oK} pointer placeholders
    inputs: list[int]  # tensor indices of the activation inputs ({i0}, {i1}, ...)
    outputs: list[int]
    alias: bool = False  # the output *is* input 0 (RESHAPE family): no call, same buffer
    inplace: tuple[int, ...] = ()  # input positions the output may overwrite when the input dies here (same size)
    scratch: int = 0  # bytes of arena scratch ({s0}) during this layer
    inplace_call: str = ""  # variant writing over input 0 (row ring), used when the planner merges the two
    inplace_scratch: int = 0  # its scratch bytes
    meta: dict = field(default_factory=dict)  # what fusion passes need (kernel kind, struct refs)


def c_float(v: float) -> str:
    f = float(np.float32(v))
    if math.isinf(f):
        return "INFINITY" if f > 0 else "-INFINITY"
    if math.isnan(f):
        return "NAN"
    r = repr(f)
    if "e" not in r and "." not in r:
        r += ".0"
    return r + "f"


def wrap32(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a, dtype=np.int64)
    return (((a + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)).astype(np.int64)


def _fmt_values(arr: np.ndarray, ctype: str) -> str:
    flat = np.asarray(arr).reshape(-1)
    if ctype == "float":
        vals = [c_float(v) for v in flat.astype(np.float32).tolist()]
    elif ctype == "int32_t":
        vals = [("(-2147483647-1)" if v == -(1 << 31) else str(v)) for v in flat.astype(np.int64).tolist()]
    else:
        vals = [str(v) for v in flat.astype(np.int64).tolist()]
    lines = []
    per = 24 if ctype != "float" else 8
    for s in range(0, len(vals), per):
        lines.append("    " + ", ".join(vals[s:s + per]) + ",")
    return "\n".join(lines) if lines else "    0"


_NP = {"int8_t": np.int8, "uint8_t": np.uint8, "int16_t": np.int16, "int32_t": np.int32, "float": np.float32}


@dataclass
class ConstPool:
    """Constant arrays and parameter structs of one generated model."""

    prefix: str
    decls: list[str] = field(default_factory=list)
    const_bytes: int = 0
    _seen: dict[tuple[str, bytes], str] = field(default_factory=dict)
    _n: int = 0

    def array(self, arr: np.ndarray | None, ctype: str, hint: str = "c") -> str:
        """Symbol of a ``static const`` array holding ``arr`` (identical arrays are emitted once); NULL for None."""
        if arr is None:
            return "NULL"
        a = np.ascontiguousarray(np.asarray(arr).astype(_NP[ctype]))
        key = (ctype, hashlib.sha256(a.tobytes()).digest() + str(a.size).encode())
        sym = self._seen.get(key)
        if sym is not None:
            return sym
        sym = f"{self.prefix}_{hint}{self._n}"
        self._n += 1
        self._seen[key] = sym
        align = "MCUML_ALIGNED(4) " if a.itemsize < 4 else ""
        self.decls.append(f"static const {ctype} {align}{sym}[{max(a.size, 1)}] = {{\n{_fmt_values(a, ctype)}\n}};")
        self.const_bytes += max(a.nbytes, 1)
        return sym

    def struct(self, ctype: str, fields: dict[str, Any], hint: str = "L") -> str:
        """``&symbol`` of a ``static const ctype`` initialised with ``fields`` (designated initializers)."""
        sym = f"{self.prefix}_{hint}{self._n}"
        self._n += 1
        parts = []
        for k, v in fields.items():
            if isinstance(v, (list, tuple)):
                v = "{" + ", ".join(_scalar(x) for x in v) + "}"
            else:
                v = _scalar(v)
            parts.append(f".{k} = {v}")
        body = ",\n    ".join(parts)
        self.decls.append(f"static const {ctype} {sym} = {{\n    {body}\n}};")
        return "&" + sym


def _scalar(v: Any) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, (bool, np.bool_)):
        return "1" if v else "0"
    if isinstance(v, (float, np.floating)):
        return c_float(float(v))
    iv = int(v)
    return "(-2147483647-1)" if iv == -(1 << 31) else str(iv)


def pad6(vals: list[int] | tuple[int, ...], fill: int) -> list[int]:
    """Right-align up to 6 per-dimension values (outer dims filled with ``fill``)."""
    vals = list(vals)
    if len(vals) > 6:
        raise NotSupported(f"rank {len(vals)} > 6")
    return [fill] * (6 - len(vals)) + vals


def row_strides(shape: tuple[int, ...] | list[int]) -> list[int]:
    st = [1] * len(shape)
    for d in range(len(shape) - 2, -1, -1):
        st[d] = st[d + 1] * int(shape[d + 1])
    return st
