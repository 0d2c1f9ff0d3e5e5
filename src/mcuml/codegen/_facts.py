"""What generated code says about a model: identifiers, op list, I/O tensors and quantization.

Everything here ends up inside C/C++ source, so text taken from the model (tensor names, descriptions) is
filtered to characters that cannot end a comment, splice lines (``\\``) or form trigraphs (``??/``).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

from mcuml.errors import McumlError
from mcuml.ir import DType, Model, Tensor

# C11 + C++17 keywords and names the generated code itself defines; an identifier equal to one gets a "_model" tail.
_RESERVED = frozenset(["alignas", "alignof", "and", "and_eq", "asm", "auto", "bitand", "bitor", "bool", "break", "case", "catch", "char", "char16_t", "char32_t", "char8_t", "class", "compl", "concept", "const", "consteval", "constexpr", "constinit", "const_cast", "continue", "co_await", "co_return", "co_yield", "decltype", "default", "delete", "do", "double", "dynamic_cast", "else", "enum", "explicit", "export", "extern", "false", "float", "for", "friend", "goto", "if", "inline", "int", "long", "mutable", "namespace", "new", "noexcept", "not", "not_eq", "nullptr", "operator", "or", "or_eq", "private", "protected", "public", "register", "reinterpret_cast", "requires", "restrict", "return", "short", "signed", "sizeof", "static", "static_assert", "static_cast", "struct", "switch", "template", "this", "thread_local", "throw", "true", "try", "typedef", "typeid", "typename", "union", "unsigned", "using", "virtual", "void", "volatile", "wchar_t", "while", "xor", "xor_eq", "_Alignas", "_Alignof", "_Atomic", "_Bool", "_Complex", "_Generic", "_Imaginary", "_Noreturn", "_Static_assert", "_Thread_local", "main", "setup", "loop", "model", "interpreter", "resolver", "tensor_arena"])

_SAFE_COMMENT = re.compile(r"[^A-Za-z0-9 _\-.:;,/()\[\]{}<>=+#@%&|~!^'\"$]")


def sanitize_identifier(text: str) -> str:
    """A valid, non-reserved C/C++ identifier from a file stem or user name (``wv-quality.1`` -> ``wv_quality_1``)."""
    ident = re.sub(r"[^A-Za-z0-9_]", "_", text.strip())
    ident = re.sub(r"_+", "_", ident).strip("_")  # leading "_X"/"__" names are reserved to the implementation
    if not ident:
        ident = "model_data"
    if ident[0].isdigit():
        ident = "model_" + ident
    if ident in _RESERVED:
        ident += "_model"
    return ident


def comment_text(text: str, limit: int = 80) -> str:
    """Model-supplied text made safe for a ``//`` comment (no backslash, no ``?``, printable ASCII only)."""
    out = _SAFE_COMMENT.sub("_", text)
    return out if len(out) <= limit else out[: limit - 3] + "..."


def c_float(value: float) -> str:
    """A float32 constant as a C literal that round-trips exactly (9 significant digits)."""
    text = f"{float(np.float32(value)):.9g}"
    if not np.isfinite(value):
        raise McumlError(f"cannot write non-finite quantization scale {value} into C code")
    if "." not in text and "e" not in text:
        text += ".0"
    return text + "f"


# TFLite type -> (C type, TfLiteTensor union member)
C_TYPES: dict[DType, tuple[str, str]] = {
    DType.float32: ("float", "f"), DType.int8: ("int8_t", "int8"), DType.uint8: ("uint8_t", "uint8"),
    DType.int16: ("int16_t", "i16"), DType.int32: ("int32_t", "i32"), DType.int64: ("int64_t", "i64"),
    DType.bool: ("bool", "b"), DType.uint16: ("uint16_t", "ui16"), DType.uint32: ("uint32_t", "u32"),
    DType.float16: ("TfLiteFloat16", "f16"), DType.float64: ("double", "f64"),
}
# Integer types the helpers quantize to, with the range they saturate to.
QUANT_RANGES: dict[DType, tuple[int, int]] = {
    DType.int8: (-128, 127), DType.uint8: (0, 255), DType.int16: (-32768, 32767),
    DType.int32: (-(1 << 31), (1 << 31) - 1),
}


@dataclass(frozen=True, slots=True)
class IOFacts:
    """One model input or output as generated code uses it."""

    index: int
    name: str
    dtype: str
    shape: tuple[int, ...]
    elements: int
    scale: float | None       # None: not quantized (float I/O) or per-channel
    zero_point: int | None

    @property
    def quantized(self) -> bool:
        """Per-tensor quantized to an integer type the helpers handle."""
        return self.scale is not None and DType[self.dtype] in QUANT_RANGES

    @property
    def c_type(self) -> str:
        """The C element type."""
        return C_TYPES[DType[self.dtype]][0]

    def describe(self) -> str:
        """One comment-safe line: name, dtype, shape and quantization."""
        q = f" scale={self.scale:.9g} zero_point={self.zero_point}" if self.scale is not None else ""
        return f"{comment_text(self.name, 60)}: {self.dtype} {list(self.shape)}{q}"


@dataclass(frozen=True, slots=True)
class ModelFacts:
    """The facts header comments and apps print: size, hash, ops (over all subgraphs), I/O, quantization."""

    size_bytes: int
    sha256: str
    description: str
    schema_version: int
    num_subgraphs: int
    num_operators: int
    op_histogram: tuple[tuple[str, int], ...]  # (op, count), in order of first use
    inputs: tuple[IOFacts, ...]
    outputs: tuple[IOFacts, ...]
    quantization: str

    @property
    def ops(self) -> tuple[str, ...]:
        """Op types in order of first use."""
        return tuple(op for op, _ in self.op_histogram)

    def comment_lines(self) -> list[str]:
        """Human lines (without comment markers) that describe the model."""
        hist = ", ".join(f"{comment_text(op, 48)} x{n}" for op, n in self.op_histogram) or "none"
        lines = [
            f"Model: {self.size_bytes:,} bytes, sha256 {self.sha256[:16]}..., TFLite schema v{self.schema_version}",
            f"Graph: {self.num_subgraphs} subgraph(s), {self.num_operators} operators",
            f"Ops: {hist}",
        ]
        lines += [f"Input {io.index}: {io.describe()}" for io in self.inputs]
        lines += [f"Output {io.index}: {io.describe()}" for io in self.outputs]
        lines.append(f"Quantization: {self.quantization}")
        return lines


def _io(index: int, t: Tensor) -> IOFacts:
    dtype = t.dtype.name if isinstance(t.dtype, DType) else f"type{t.dtype}"
    q = t.quantization
    per_tensor = q is not None and len(q.scale) == 1
    elements = int(np.prod(t.shape, dtype=np.int64)) if t.shape else 1
    return IOFacts(index, t.name, dtype, tuple(int(d) for d in t.shape), elements,
                   float(q.scale[0]) if per_tensor else None,
                   int(q.zero_point[0]) if per_tensor and q.zero_point else (0 if per_tensor else None))


def _quantization_summary(model: Model) -> str:
    """e.g. "int8 (weights int8 per-channel, activations int8)" or "float32"."""
    weights: Counter[str] = Counter()
    acts: Counter[str] = Counter()
    per_channel = False
    for sg in model.subgraphs:
        for op in sg.operators:
            for t in op.inputs:
                if t is not None and t.is_constant and t.dtype in (DType.int8, DType.uint8, DType.int16,
                                                                     DType.float32, DType.float16, DType.int4):
                    weights[t.dtype.name] += 1
                    per_channel |= bool(t.quantization is not None and len(t.quantization.scale) > 1)
            for t in op.outputs:
                if isinstance(t.dtype, DType):
                    acts[t.dtype.name] += 1
    if not acts:
        return "none (no operators)"
    act = "/".join(n for n, _ in acts.most_common(2))
    w = "/".join(n for n, _ in weights.most_common(2)) or "none"
    if set(acts) <= {"float32"} and set(weights) <= {"float32"}:
        return "float32 (not quantized)"
    return f"activations {act}; weights {w}{' per-channel' if per_channel else ''}"


def model_facts(model: Model, data: bytes) -> ModelFacts:
    """Collect :class:`ModelFacts` from the IR and the exact bytes that get embedded."""
    hist: Counter[str] = Counter()
    order: list[str] = []
    for sg in model.subgraphs:
        for op in sg.operators:
            if op.name not in hist:
                order.append(op.name)
            hist[op.name] += 1
    main = model.subgraphs[0] if model.subgraphs else None
    return ModelFacts(
        size_bytes=len(data), sha256=hashlib.sha256(data).hexdigest(), description=model.description,
        schema_version=model.version, num_subgraphs=len(model.subgraphs),
        num_operators=sum(len(sg.operators) for sg in model.subgraphs),
        op_histogram=tuple((op, hist[op]) for op in order),
        inputs=tuple(_io(i, t) for i, t in enumerate(main.inputs)) if main else (),
        outputs=tuple(_io(i, t) for i, t in enumerate(main.outputs)) if main else (),
        quantization=_quantization_summary(model))
