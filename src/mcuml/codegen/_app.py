"""Pieces the Arduino sketch and the plain TFLM app share: arena sizing, op resolver, quantization helpers.

The C++ follows TFLM's own examples (``tensorflow/lite/micro/examples/hello_world/hello_world_test.cc``):
``GetModel`` -> ``MicroMutableOpResolver<N>`` -> ``MicroInterpreter`` over a static ``alignas(16)`` arena ->
``AllocateTensors`` -> ``Invoke``. Only the printing and the timer differ between the two targets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from mcuml.codegen._facts import QUANT_RANGES, IOFacts, ModelFacts, c_float, model_facts, sanitize_identifier
from mcuml.codegen.resolver import ResolverEntry, resolver_entries
from mcuml.errors import McumlError
from mcuml.ir import DType, Model

# Outputs longer than this print their first values only (the largest index still covers them all).
PRINT_LIMIT = 16


@dataclass(frozen=True, slots=True)
class AppSource:
    """What both app templates are filled from: the embedded bytes, the C identifier, facts, resolver entries."""

    data: bytes
    ident: str
    facts: ModelFacts
    entries: tuple[ResolverEntry, ...]


def app_source(model_or_bytes: Model | bytes, name: str) -> AppSource:
    """Load (or serialize) the model, name it for C, and check its I/O is something the templates can feed."""
    from mcuml.tflite.reader import load_model

    if isinstance(model_or_bytes, Model):
        model, data = model_or_bytes, model_or_bytes.to_bytes()
    else:
        data = bytes(model_or_bytes)
        model = load_model(data)
    facts = model_facts(model, data)
    check_io_types(facts)
    return AppSource(data, sanitize_identifier(name), facts, resolver_entries(facts.ops))


@dataclass(frozen=True, slots=True)
class ArenaChoice:
    """The ``kTensorArenaSize`` written into generated code and where it came from."""

    arena_bytes: int          # the value in the code (prediction + margin, or the user's number)
    predicted_bytes: int      # mcuml's predicted minimum (== arena_bytes when the user chose it)
    margin_bytes: int
    target: str               # "cortex-m" (32-bit) or "host" (64-bit)
    kernels: str              # "reference" | "cmsis-nn"
    source: str               # "mcuml.plan.arena" | "user"
    margin_rule: str = ""     # how the margin was chosen, as mcuml.plan.arena states it

    def comment(self) -> list[str]:
        """Comment lines (without markers) saying where the size came from."""
        if self.source == "user":
            return [f"{self.arena_bytes} bytes, as given to mcuml codegen (--arena-size / arena_bytes)."]
        lines = [(f"mcuml predicts that this model needs {self.predicted_bytes} bytes on a "
                  f"{_TARGET_TEXT[self.target]} with TFLM's {self.kernels} kernels."),
                 (f"Margin: {self.margin_bytes} bytes, for allocator and library-version differences"
                  + ("" if self.margin_rule else "."))]
        if self.margin_rule:
            lines.append(f"({self.margin_rule}).")
        return lines


_TARGET_TEXT = {"cortex-m": "32-bit Cortex-M", "host": "64-bit host"}


def choose_arena(model: Model, *, target: str, kernels: str, arena_bytes: int | None = None,
                 estimate: Any = None) -> ArenaChoice:
    """Arena size from the user, from a given ``ArenaEstimate`` (``--optimized``) or from ``predict_arena``."""
    if arena_bytes is not None:
        if arena_bytes <= 0:
            raise McumlError(f"arena size must be positive, got {arena_bytes}")
        return ArenaChoice(int(arena_bytes), int(arena_bytes), 0, target, kernels, "user")
    if estimate is None:
        try:
            from mcuml.plan.arena import predict_arena
        except ImportError as e:  # pragma: no cover - the arena module ships with mcuml
            raise McumlError("arena prediction is not available in this mcuml build",
                             hint="pass an explicit arena size (--arena-size BYTES)") from e
        estimate = predict_arena(model, target=target, kernels=kernels)
    predicted = int(estimate.arena_bytes)
    recommended = max(int(estimate.recommended_arena_bytes), predicted)
    return ArenaChoice(recommended, predicted, recommended - predicted, target, kernels, "mcuml.plan.arena",
                       str(getattr(estimate, "margin", "") or ""))


def make_static(code: str) -> str:
    """Gives every function defined at column 0 internal linkage with ``static``.

    The Arduino builder generates prototypes for the functions of a sketch and is known to mishandle functions
    inside namespaces, so the sketch uses file-level ``static`` where the app uses an anonymous namespace.
    """
    return re.sub(r"^(?=[A-Za-z_][\w:<>]* \w+\([^;]*\) \{$)", "static ", code, flags=re.MULTILINE)


def cpp_comment(lines: list[str], indent: str = "") -> str:
    """``lines`` as ``//`` comment lines (trailing spaces dropped)."""
    return "".join(f"{indent}// {line}".rstrip() + "\n" for line in lines)


def resolver_code(entries: tuple[ResolverEntry, ...]) -> str:
    """``kNumOps`` and a ``RegisterOps`` function with one checked ``Add...()`` call per op."""
    calls = []
    for e in entries:
        note = f"  // {e.note}" if e.note else ""
        calls.append(f"  if (resolver.{e.method}() != kTfLiteOk) return kTfLiteError;  // {e.op}{note}\n")
    return (
        "// MicroMutableOpResolver<N> has room for exactly N registrations: one per op type the model uses.\n"
        "// A missing registration fails AllocateTensors() with \"Didn't find op for builtin opcode\".\n"
        f"constexpr unsigned int kNumOps = {len(entries)};\n"
        "using OpResolver = tflite::MicroMutableOpResolver<kNumOps>;\n\n"
        "TfLiteStatus RegisterOps(OpResolver& resolver) {\n"
        "  // Each Add...() is checked on its own: chaining them with && inside one if() would silently skip\n"
        "  // the registrations after the first failure.\n"
        + "".join(calls) + "  return kTfLiteOk;\n}\n")


def _io_constants(io: IOFacts, kind: str) -> str:
    shape = "[" + ", ".join(str(d) for d in io.shape) + "]"
    out = f"// {kind} {io.index}: {io.describe()}\n"
    out += f"constexpr size_t k{kind}{io.index}Elements = {io.elements};  // shape {shape}\n"
    if io.quantized:
        out += (f"constexpr float k{kind}{io.index}Scale = {c_float(io.scale)};\n"
                f"constexpr int32_t k{kind}{io.index}ZeroPoint = {io.zero_point};\n")
    return out


def _quant_helpers(quantize: set[DType], dequantize: set[DType]) -> str:
    """QuantizeToX for quantized input types, DequantizeFromX for quantized output types (no unused code)."""
    out = []
    for dt in sorted(quantize, key=lambda d: d.value):
        ctype, (lo, hi) = f"{dt.name}_t", QUANT_RANGES[dt]
        out.append(
            f"// real value -> {dt.name}: q = round(value / scale) + zero_point, saturated to [{lo}, {hi}].\n"
            "// llroundf rounds halves away from zero, as TFLM's QUANTIZE kernel does.\n"
            f"{ctype} QuantizeTo{dt.name.capitalize()}(float value, float scale, int32_t zero_point) {{\n"
            "  long long q = llroundf(value / scale) + zero_point;\n"
            f"  if (q < {lo}LL) q = {lo}LL;\n  if (q > {hi}LL) q = {hi}LL;\n"
            f"  return static_cast<{ctype}>(q);\n}}\n")
    for dt in sorted(dequantize, key=lambda d: d.value):
        ctype = f"{dt.name}_t"
        out.append(
            f"// {dt.name} -> real value: value = scale * (q - zero_point).\n"
            f"float DequantizeFrom{dt.name.capitalize()}({ctype} q, float scale, int32_t zero_point) {{\n"
            "  return scale * static_cast<float>(static_cast<long long>(q) - zero_point);\n}\n")
    return "\n".join(out)


def _accessors(io: IOFacts, kind: str) -> str:
    """``SetInputN(i, float)`` / ``GetOutputN(i)`` working in real units, quantizing where the tensor is."""
    dt = DType[io.dtype]
    ctype = io.c_type
    k = f"k{kind}{io.index}"
    getter = "typed_input_tensor" if kind == "Input" else "typed_output_tensor"
    ptr = f"interpreter->{getter}<{ctype}>({io.index})"
    if kind == "Input":
        if io.quantized:
            value = f"QuantizeTo{dt.name.capitalize()}(value, {k}Scale, {k}ZeroPoint)"
            return (f"// Writes element i of input {io.index}, given in real units (quantized here).\n"
                    f"void SetInput{io.index}(size_t i, float value) {{\n  {ptr}[i] =\n      {value};\n}}\n")
        arg = "float" if dt == DType.float32 else ctype
        return (f"// Writes element i of input {io.index} ({io.dtype}, used as is).\n"
                f"void SetInput{io.index}(size_t i, {arg} value) {{ {ptr}[i] = value; }}\n")
    if io.quantized:
        return (f"// Reads element i of output {io.index} in real units (dequantized here).\n"
                f"float GetOutput{io.index}(size_t i) {{\n"
                f"  return DequantizeFrom{dt.name.capitalize()}({ptr}[i], {k}Scale, {k}ZeroPoint);\n}}\n")
    return (f"// Reads element i of output {io.index} ({io.dtype}) as a float for printing.\n"
            f"float GetOutput{io.index}(size_t i) {{ return static_cast<float>({ptr}[i]); }}\n")


def check_io_types(facts: ModelFacts) -> None:
    """Generated accessors cover numeric I/O; a string/resource input is a model this template cannot feed."""
    from mcuml.codegen._facts import C_TYPES

    bad = [f"{io.name} ({io.dtype})" for io in (*facts.inputs, *facts.outputs)
           if io.dtype not in DType.__members__ or DType[io.dtype] not in C_TYPES
           or DType[io.dtype] in (DType.float16, DType.uint16, DType.uint32, DType.float64)]
    if bad:
        raise McumlError(f"codegen cannot generate I/O code for {', '.join(bad)}",
                         hint="use --target c-array and write the application code by hand")
    if not facts.inputs or not facts.outputs:
        raise McumlError("the model's main subgraph has no inputs or no outputs")


def io_code(facts: ModelFacts) -> str:
    """Constants, quantization helpers, SetInputN/GetOutputN and a type check, for the anonymous namespace."""
    quantize = {DType[io.dtype] for io in facts.inputs if io.quantized}
    dequantize = {DType[io.dtype] for io in facts.outputs if io.quantized}
    parts = ["".join(_io_constants(io, "Input") for io in facts.inputs)
             + "".join(_io_constants(io, "Output") for io in facts.outputs)]
    if quantize or dequantize:
        parts.append(_quant_helpers(quantize, dequantize))
    parts.append("".join(_accessors(io, "Input") for io in facts.inputs)
                 + "".join(_accessors(io, "Output") for io in facts.outputs))
    checks = [f"interpreter->typed_input_tensor<{io.c_type}>({io.index}) != nullptr" for io in facts.inputs]
    checks += [f"interpreter->typed_output_tensor<{io.c_type}>({io.index}) != nullptr" for io in facts.outputs]
    parts.append("// typed_*_tensor<T>() returns nullptr when T is not the tensor's type: checked once after\n"
                 "// AllocateTensors(), so the accessors above can skip the check.\n"
                 "bool IoTypesMatch() {\n  return " + " &&\n         ".join(checks) + ";\n}\n")
    return "\n".join(parts)


def fill_inputs_code(facts: ModelFacts) -> str:
    """A ``FillInputs()`` that sets every input element to zero, to be replaced by real data."""
    loops = "".join(f"  for (size_t i = 0; i < kInput{io.index}Elements; ++i) SetInput{io.index}(i, 0);\n"
                    for io in facts.inputs)
    return ("// The demo input: all zeros (in real units). Replace this with your sensor data, e.g.\n"
            "// SetInput0(i, accel_x[i]); the Set functions quantize for you.\n"
            f"void FillInputs() {{\n{loops}}}\n")


def largest_index_code(i: int) -> str:
    """Statements that leave the index of output ``i``'s largest value in ``best<i>``."""
    return (f"  size_t best{i} = 0;\n"
            f"  for (size_t i = 1; i < kOutput{i}Elements; ++i) {{\n"
            f"    if (GetOutput{i}(i) > GetOutput{i}(best{i})) best{i} = i;\n  }}\n")
