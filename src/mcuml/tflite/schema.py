"""The FlatBuffers boundary: TFLM's generated TFLite schema, loaded with bounds-checked reads.

The schema code is the one TFLM itself maintains and ships in the ``tflite-micro`` wheel
(``tensorflow/lite/micro/python/schema_py_generated.py``, flatc ``--gen-object-api``). It is
loaded here by file path, as a private module instance, so that

* importing it does not import the TFLM runtime extension that the wheel's package ``__init__``
  pulls in, and
* its ``flatbuffers.table.Table`` is replaced by :class:`CheckedTable`, which validates every
  offset and vector length against the buffer. The generated readers trust their input; with
  the checks a corrupt file fails fast with :class:`ModelFormatError` instead of reading
  garbage, looping over absurd lengths or allocating far beyond the file size.

Only ``mcuml.tflite`` touches this module.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import threading
import types
from functools import lru_cache

import flatbuffers
from flatbuffers import encode, number_types as N, packer

from mcuml.errors import ModelFormatError

_SCHEMA_REL = os.path.join("tensorflow", "lite", "micro", "python", "schema_py_generated.py")


class _Budget(threading.local):
    active = False  # only loads through the reader are budgeted
    remaining = 0
    targets: dict[int, int] = {}


_budget = _Budget()

# Charged when a table or vector is reached from a second place. TFLite writers never share
# sub-tables or vectors, but a hostile file can point thousands of offsets at one table and make
# the object API unpack it thousands of times (about 1 KB of Python objects each).
SHARED_TABLE_COST = 1024
SHARED_ELEMENT_COST = 32


def _charge(n: int) -> None:
    if not _budget.active:
        return
    _budget.remaining -= n
    if _budget.remaining < 0:
        raise ModelFormatError("corrupt flatbuffer: shared or repeated sub-objects expand far beyond the file size")


def _reference(source: int, target: int, shared_cost: int) -> None:
    """Record that the offset stored at ``source`` points at ``target``; charge if ``target`` is shared."""
    if not _budget.active:
        return
    first = _budget.targets.setdefault(target, source)
    if first != source:
        _charge(shared_cost)


class CheckedTable(flatbuffers.table.Table):
    """``flatbuffers.table.Table`` with every read bounds-checked.

    Vector lengths and string lengths also draw from a per-load budget, and a table or vector
    reached from a second offset costs extra: offsets in a flatbuffer only point forward so there
    are no cycles, but shared sub-objects could still amplify work and memory; the budget keeps
    both linear in the file size.
    """

    __slots__ = ()

    def _read(self, fmt, off: int):
        if off < 0 or off + fmt.bytewidth > len(self.Bytes):
            raise ModelFormatError(
                f"corrupt flatbuffer: read of {fmt.bytewidth} bytes at offset {off} is outside the "
                f"{len(self.Bytes)}-byte file (truncated or bad offset)")
        return encode.Get(fmt.packer_type, self.Bytes, off)

    def Offset(self, vtableOffset):
        vtable = self.Pos - self._read(N.SOffsetTFlags, self.Pos)
        vtable_end = self._read(N.VOffsetTFlags, vtable)
        if vtableOffset < vtable_end:
            return self._read(N.VOffsetTFlags, vtable + vtableOffset)
        return 0

    def Indirect(self, off):
        target = off + self._read(N.UOffsetTFlags, off)
        _reference(off, target, SHARED_TABLE_COST)
        return target

    def VectorLen(self, off):
        source = off + self.Pos
        off = source + self._read(N.UOffsetTFlags, source)
        n = self._read(N.UOffsetTFlags, off)
        if off + 4 + n > len(self.Bytes):
            raise ModelFormatError(
                f"corrupt flatbuffer: vector at offset {off} claims {n} elements, past the end of the "
                f"{len(self.Bytes)}-byte file")
        _charge(n)
        _reference(source, off, SHARED_ELEMENT_COST * n)
        return n

    def Vector(self, off):
        off += self.Pos
        x = off + self._read(N.UOffsetTFlags, off)
        return x + N.UOffsetTFlags.bytewidth

    def String(self, off):
        off += self._read(N.UOffsetTFlags, off)
        start = off + N.UOffsetTFlags.bytewidth
        length = self._read(N.UOffsetTFlags, off)
        if start + length > len(self.Bytes):
            raise ModelFormatError(f"corrupt flatbuffer: string at offset {off} runs past the end of the file")
        _charge(length)
        return bytes(self.Bytes[start:start + length])

    def Union(self, t2, off):
        off += self.Pos
        t2.Pos = off + self._read(N.UOffsetTFlags, off)
        t2.Bytes = self.Bytes
        _reference(off, t2.Pos, SHARED_TABLE_COST)

    def Get(self, flags, off):
        return self._read(flags, off)

    def GetVectorAsNumpy(self, flags, off):
        offset = self.Vector(off)
        length = self.VectorLen(off)
        if offset + length * flags.bytewidth > len(self.Bytes):
            raise ModelFormatError(f"corrupt flatbuffer: numeric vector at offset {offset} runs past the end of the file")
        return encode.GetVectorAsNumpy(N.to_numpy_type(flags), self.Bytes, length, offset)


class _Table(types.ModuleType):
    Table = CheckedTable


class _FlatbuffersShim(types.ModuleType):
    """Stands in for the ``flatbuffers`` package inside the private schema module."""

    table = _Table("flatbuffers.table")

    def __getattr__(self, name):
        return getattr(flatbuffers, name)


def _schema_path() -> str:
    spec = importlib.util.find_spec("tflite_micro")
    if spec is None or not spec.submodule_search_locations:
        from mcuml.errors import MissingDependencyError

        raise MissingDependencyError("the TFLite schema comes from the tflite-micro package, which is not installed",
                                     hint="pip install tflite-micro")
    return os.path.join(list(spec.submodule_search_locations)[0], _SCHEMA_REL)


@lru_cache(maxsize=1)
def schema() -> types.ModuleType:
    """The generated schema module, with checked reads (private instance, loaded once)."""
    path = _schema_path()
    spec = importlib.util.spec_from_file_location("mcuml._tflite_schema", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    mod.flatbuffers = _FlatbuffersShim("flatbuffers")
    return mod


def set_budget(n: int) -> None:
    """Start a load: ``n`` units of work (vector elements, string bytes, shared-object surcharges)."""
    _budget.active = True
    _budget.remaining = n
    _budget.targets = {}


def end_budget() -> None:
    """End a load: drop the reference table; reads outside a load are not budgeted."""
    _budget.active = False
    _budget.targets = {}


@lru_cache(maxsize=1)
def builtin_operator_names() -> dict[int, str]:
    """Builtin operator code -> schema name (``CONV_2D`` …)."""
    cls = schema().BuiltinOperator
    return {v: k for k, v in vars(cls).items() if not k.startswith("_") and isinstance(v, int)}


@lru_cache(maxsize=1)
def builtin_options_names() -> dict[int, str]:
    """``BuiltinOptions`` union code -> table name."""
    cls = schema().BuiltinOptions
    return {v: k for k, v in vars(cls).items() if not k.startswith("_") and isinstance(v, int)}


@lru_cache(maxsize=1)
def builtin_options2_names() -> dict[int, str]:
    cls = schema().BuiltinOptions2
    return {v: k for k, v in vars(cls).items() if not k.startswith("_") and isinstance(v, int)}


__all__ = ["schema", "builtin_operator_names", "builtin_options_names", "builtin_options2_names",
           "CheckedTable", "packer"]


def option_defaults(kind: str) -> dict:
    """Field -> default value of a builtin options table (``Conv2DOptions`` …), as the schema defines them."""
    cls = getattr(schema(), kind + "T", None)
    if cls is None:
        raise KeyError(f"unknown builtin options table {kind!r}")
    return dict(vars(cls()))
