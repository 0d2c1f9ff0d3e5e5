"""The model IR: typed dataclasses with object references instead of flatbuffer indices.

Designed after TFLM's ``model_editor.py``: tensors, buffers and operator codes are objects that
operators and subgraphs point to, so a model can be edited (ops reordered, tensors added) without
re-numbering. The writer assigns indices again. Fields mcuml does not interpret (sparsity,
signature defs, custom quantization, unknown options) are kept as they were read so that a
round trip is lossless.

Identity semantics: ``Tensor``/``Operator``/``Buffer`` compare and hash by identity (they are
graph nodes and dict keys); ``Model.__eq__`` compares structure (``Model.structure()``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterator

import numpy as np

from mcuml.ir.dtypes import DType

_SNAKE = re.compile(r"_([a-z0-9])")


def _camel(name: str) -> str:
    return _SNAKE.sub(lambda m: m.group(1).upper(), name)


class Options:
    """Builtin options of one operator (``Conv2DOptions`` …), read-only, snake_case access.

    ``kind`` is the schema table name; values keep the schema's camelCase names internally so
    that the writer restores them exactly. ``opts.stride_w`` and ``opts.strideW`` both work.
    """

    __slots__ = ("kind", "_values")

    def __init__(self, kind: str, values: dict[str, Any] | None = None) -> None:
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "_values", dict(values or {}))

    def __getattr__(self, name: str) -> Any:
        values = object.__getattribute__(self, "_values")
        if name in values:
            return values[name]
        camel = _camel(name)
        if camel in values:
            return values[camel]
        raise AttributeError(f"{self.kind} has no field {name!r}")

    def get(self, name: str, default: Any = None) -> Any:
        try:
            return getattr(self, name)
        except AttributeError:
            return default

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Options are read-only; use replace()")

    def replace(self, **changes: Any) -> "Options":
        values = dict(self._values)
        for k, v in changes.items():
            key = k if k in values else _camel(k)
            values[key] = v
        return Options(self.kind, values)

    def items(self) -> Iterator[tuple[str, Any]]:
        return iter(self._values.items())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Options) and other.kind == self.kind and _canon(other._values) == _canon(self._values)

    def __hash__(self) -> int:
        return hash(self.kind)

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self._values.items())
        return f"{self.kind}({inner})"


@dataclass(eq=False)
class Buffer:
    """Raw bytes of a constant tensor, or an empty buffer (``data == b''``)."""

    data: bytes = b""
    offset: int = 0  # external-buffer fields of the schema, kept verbatim
    size: int = 0

    def __repr__(self) -> str:
        return f"Buffer({len(self.data)} bytes)"


@dataclass(eq=False)
class Quantization:
    """Affine quantization: ``real = scale * (q - zero_point)``, per tensor or per channel."""

    scale: tuple[float, ...] = ()
    zero_point: tuple[int, ...] = ()
    quantized_dimension: int = 0
    min: tuple[float, ...] = ()
    max: tuple[float, ...] = ()
    details: Any = None  # custom/blockwise quantization, kept opaque

    @property
    def per_channel(self) -> bool:
        return len(self.scale) > 1

    @property
    def is_affine(self) -> bool:
        return len(self.scale) > 0


@dataclass(eq=False)
class Tensor:
    """A tensor of one subgraph; ``buffer`` holds its data when it is a constant."""

    name: str
    shape: tuple[int, ...]
    dtype: DType
    buffer: Buffer | None = None
    quantization: Quantization | None = None
    is_variable: bool = False
    shape_signature: tuple[int, ...] | None = None
    has_rank: bool = False
    extras: dict[str, Any] = field(default_factory=dict)  # sparsity, variant tensors: opaque

    @property
    def is_constant(self) -> bool:
        """Constant iff it has buffer data: TFLM maps such tensors read-only from flash."""
        return self.buffer is not None and len(self.buffer.data) > 0

    @property
    def size(self) -> int:
        """Number of elements."""
        n = 1
        for d in self.shape:
            n *= d
        return n

    @property
    def nbytes(self) -> int:
        """Bytes as TFLM sizes the tensor (elements x type size)."""
        return self.size * self.dtype.itemsize

    @property
    def data(self) -> np.ndarray:
        """The constant data as a read-only array of ``shape`` (a view on the buffer)."""
        if not self.is_constant:
            raise ValueError(f"tensor {self.name!r} has no constant data")
        arr = np.frombuffer(self.buffer.data, dtype=self.dtype.numpy, count=self.size)
        return arr.reshape(self.shape)

    @property
    def scale(self) -> float:
        q = self.quantization
        return float(q.scale[0]) if q is not None and q.scale else 0.0

    @property
    def zero_point(self) -> int:
        q = self.quantization
        return int(q.zero_point[0]) if q is not None and q.zero_point else 0

    def __repr__(self) -> str:
        return f"Tensor({self.name!r}, {list(self.shape)}, {self.dtype.name if isinstance(self.dtype, DType) else self.dtype})"


@dataclass(eq=False)
class OperatorCode:
    """An entry of the model's operator-code table.

    TFLite stores the builtin code twice (``deprecated_builtin_code`` is an int8 for old
    readers); the effective code is the larger of the two.
    """

    builtin_code: int
    custom_code: str | None = None
    version: int = 1
    deprecated_builtin_code: int = 0

    @property
    def builtin(self) -> int:
        return max(self.builtin_code, self.deprecated_builtin_code)

    @property
    def name(self) -> str:
        from mcuml.ir.builtins import op_name

        if self.custom_code is not None and self.builtin == 32:  # CUSTOM
            return f"CUSTOM:{self.custom_code}"
        return op_name(self.builtin)


@dataclass(eq=False)
class Operator:
    """One node. ``inputs`` may contain ``None`` for omitted optional inputs (index -1)."""

    opcode: OperatorCode
    inputs: list[Tensor | None]
    outputs: list[Tensor]
    options: Options | None = None
    custom_options: bytes | None = None
    intermediates: list[Tensor] = field(default_factory=list)
    options_2: Options | None = None
    extras: dict[str, Any] = field(default_factory=dict)  # mutating_variable_inputs, formats...

    @property
    def name(self) -> str:
        return self.opcode.name

    @property
    def version(self) -> int:
        return self.opcode.version

    def __repr__(self) -> str:
        return f"Operator({self.name} v{self.version})"


@dataclass(eq=False)
class Subgraph:
    name: str = ""
    tensors: list[Tensor] = field(default_factory=list)
    inputs: list[Tensor] = field(default_factory=list)
    outputs: list[Tensor] = field(default_factory=list)
    operators: list[Operator] = field(default_factory=list)

    def index_of(self, tensor: Tensor) -> int:
        for i, t in enumerate(self.tensors):
            if t is tensor:
                return i
        raise ValueError(f"{tensor!r} is not in subgraph {self.name!r}")

    def producers(self) -> dict[int, int]:
        """id(tensor) -> index of the operator that writes it."""
        return {id(t): i for i, op in enumerate(self.operators) for t in op.outputs}


@dataclass(eq=False)
class Metadata:
    name: str
    buffer: Buffer


@dataclass(eq=False)
class SignatureDef:
    key: str
    subgraph: Subgraph
    inputs: list[tuple[str, Tensor]] = field(default_factory=list)
    outputs: list[tuple[str, Tensor]] = field(default_factory=list)


@dataclass(eq=False)
class Model:
    """A whole .tflite model."""

    version: int = 3
    description: str = ""
    subgraphs: list[Subgraph] = field(default_factory=list)
    buffers: list[Buffer] = field(default_factory=lambda: [Buffer()])
    operator_codes: list[OperatorCode] = field(default_factory=list)
    metadata: list[Metadata] = field(default_factory=list)
    signature_defs: list[SignatureDef] = field(default_factory=list)
    metadata_buffer: tuple[int, ...] = ()

    @property
    def main(self) -> Subgraph:
        return self.subgraphs[0]

    def to_bytes(self) -> bytes:
        """Serialize to .tflite flatbuffer bytes (buffers 16-byte aligned, identifier TFL3)."""
        from mcuml.tflite.writer import write_model

        return write_model(self)

    def get_metadata(self, name: str) -> bytes | None:
        for m in self.metadata:
            if m.name == name:
                return m.buffer.data
        return None

    def structure(self) -> tuple:
        """A canonical nested tuple of everything in the model, references turned into indices."""
        buf_ix = {id(b): i for i, b in enumerate(self.buffers)}
        code_ix = {id(c): i for i, c in enumerate(self.operator_codes)}

        def buf(b: Buffer | None) -> Any:
            return None if b is None else (buf_ix.get(id(b)), b.data, b.offset, b.size)

        def quant(q: Quantization | None) -> Any:
            if q is None:
                return None
            return (q.scale, q.zero_point, q.quantized_dimension, q.min, q.max, _canon(q.details))

        out: list[Any] = [self.version, self.description, self.metadata_buffer,
                          tuple((c.builtin, c.custom_code, c.version) for c in self.operator_codes),
                          tuple(buf(b) for b in self.buffers),
                          tuple((m.name, buf(m.buffer)) for m in self.metadata)]
        for sg in self.subgraphs:
            t_ix = {id(t): i for i, t in enumerate(sg.tensors)}
            tix = (lambda t, t_ix=t_ix: -1 if t is None else t_ix.get(id(t), -2))  # noqa: E731
            tensors = tuple((t.name, tuple(t.shape), int(t.dtype), buf(t.buffer), quant(t.quantization),
                             t.is_variable, t.shape_signature, t.has_rank, _canon(t.extras)) for t in sg.tensors)
            ops = tuple((code_ix.get(id(o.opcode)), tuple(tix(t) for t in o.inputs),
                         tuple(tix(t) for t in o.outputs), tuple(tix(t) for t in o.intermediates),
                         o.options, o.options_2, o.custom_options, _canon(o.extras)) for o in sg.operators)
            out.append((sg.name, tensors, tuple(tix(t) for t in sg.inputs), tuple(tix(t) for t in sg.outputs), ops))
        sg_ix = {id(s): i for i, s in enumerate(self.subgraphs)}
        for s in self.signature_defs:
            t_ix = {id(t): i for i, t in enumerate(s.subgraph.tensors)}
            out.append((s.key, sg_ix.get(id(s.subgraph)), tuple((n, t_ix.get(id(t))) for n, t in s.inputs),
                        tuple((n, t_ix.get(id(t))) for n, t in s.outputs)))
        return tuple(out)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Model) and _canon(self.structure()) == _canon(other.structure())

    __hash__ = None  # type: ignore[assignment]


def _canon(v: Any) -> Any:
    """Comparable form of opaque schema objects (object-API instances, arrays, dicts)."""
    if isinstance(v, np.ndarray):
        return ("nd", v.dtype.str, v.shape, v.tobytes())
    if isinstance(v, dict):
        return tuple(sorted((k, _canon(x)) for k, x in v.items()))
    if isinstance(v, (list, tuple)):
        return tuple(_canon(x) for x in v)
    if isinstance(v, Options):
        return (v.kind, _canon(v._values))
    if hasattr(v, "__dict__") and not isinstance(v, type):
        return (type(v).__name__, _canon(vars(v)))
    if isinstance(v, float) and v != v:
        return "nan"
    return v
