"""The TFLite-level float graph the ONNX converter lowers to, and its float32 writer.

A :class:`TGraph` is TFLite ops over NHWC tensors with float constants: what the float model is,
and what :mod:`mcuml.convert.ptq` quantizes. Each tensor remembers the ONNX tensor it equals
(``onnx``) for the per-layer report, and each weight its per-channel axis (``qdim``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

# tensor roles
ACT, WEIGHT, BIAS, CONST, INT, PADVAL = "act", "weight", "bias", "const", "int", "padval"
# fused_activation_function enum of the TFLite schema
ACT_NONE, ACT_RELU, ACT_RELU_N1_TO_1, ACT_RELU6 = 0, 1, 2, 3
FUSIBLE = {"RELU": ACT_RELU, "RELU6": ACT_RELU6, "RELU_N1_TO_1": ACT_RELU_N1_TO_1}
FUSES_INTO = frozenset({"CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "ADD", "SUB", "MUL"})
# ops whose output must carry its input's quantization (TFLM copies bytes or compares in the input's scale)
SAME_QUANT = frozenset({"MAX_POOL_2D", "AVERAGE_POOL_2D", "RESHAPE", "SQUEEZE", "PAD", "PADV2", "MIRROR_PAD",
                        "RESIZE_NEAREST_NEIGHBOR", "TRANSPOSE", "SLICE", "CONCATENATION", "REDUCE_MAX"})
# outputs with the scale/zero point the int8 kernels require
FIXED_QUANT = {"SOFTMAX": (1 / 256, -128), "LOGISTIC": (1 / 256, -128), "TANH": (1 / 128, 0)}
# weighted op -> (weight input, bias input, activation input)
WEIGHTED = {"CONV_2D": (1, 2, 0), "DEPTHWISE_CONV_2D": (1, 2, 0), "FULLY_CONNECTED": (1, 2, 0),
            "TRANSPOSE_CONV": (1, 3, 2)}


@dataclass(slots=True)
class TTensor:
    """A tensor of the lowered (TFLite-shaped) graph; ``data`` is set for constants."""

    name: str
    shape: tuple[int, ...]
    data: np.ndarray | None = None
    role: str = ACT
    qdim: int = 0
    onnx: str | None = None


@dataclass(slots=True)
class TOp:
    """A TFLite op of the lowered graph, with its builtin options by snake_case name."""

    op: str
    inputs: list[str | None]
    outputs: list[str]
    kind: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    src: str = ""


@dataclass(slots=True)
class TGraph:
    """The lowered graph before quantization: tensors by name, ops in order, I/O and layout permutations."""

    tensors: dict[str, TTensor] = field(default_factory=dict)
    ops: list[TOp] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    # per graph input/output: the permutation from the ONNX layout to the stored one (None: same)
    input_perms: list[tuple[int, ...] | None] = field(default_factory=list)
    output_perms: list[tuple[int, ...] | None] = field(default_factory=list)

    def producer(self, name: str) -> TOp | None:
        """The op that writes ``name``, or None."""
        for op in self.ops:
            if name in op.outputs:
                return op
        return None

    def consumers(self, name: str) -> list[TOp]:
        """The ops that read ``name``."""
        return [op for op in self.ops if name in op.inputs]

    def activations(self) -> list[str]:
        """Non-constant tensors in creation order."""
        return [t.name for t in self.tensors.values() if t.data is None]


def fuse_activations(tg: TGraph) -> None:
    """RELU/RELU6/RELU_N1_TO_1 after a conv/FC/ADD/SUB/MUL that feeds only them -> fused_activation_function."""
    for act in list(tg.ops):
        code = FUSIBLE.get(act.op)
        if code is None:
            continue
        src = tg.producer(act.inputs[0])  # type: ignore[arg-type]
        if src is None or src.op not in FUSES_INTO or src.options.get("fused_activation_function", 0) != 0:
            continue
        mid = act.inputs[0]
        if mid in tg.outputs or len(tg.consumers(mid)) != 1:  # type: ignore[arg-type]
            continue
        src.options["fused_activation_function"] = code
        src.outputs[0] = act.outputs[0]
        tg.ops.remove(act)
        del tg.tensors[mid]  # type: ignore[arg-type]


def prune(tg: TGraph) -> None:
    """Drop tensors no op or graph input/output mentions."""
    used = set(tg.inputs) | set(tg.outputs)
    for op in tg.ops:
        used.update(n for n in op.inputs if n)
        used.update(op.outputs)
    for name in [n for n in tg.tensors if n not in used]:
        del tg.tensors[name]


FLOAT_VERSION = 1


def emit_float(tg: TGraph, *, extra_outputs: bool = False) -> Any:
    """The float32 model (``extra_outputs``: every activation is also a model output, for calibration)."""
    from mcuml.ir.build import ModelBuilder

    b = ModelBuilder(description="mcuml onnx converter (float32)")
    made: dict[str, Any] = {}
    for name in tg.inputs:
        made[name] = b.input(name, tg.tensors[name].shape, "float32")
    for t in tg.tensors.values():
        if t.name in made:
            continue
        if t.data is not None:
            arr = t.data.astype(np.int32) if t.role == INT else t.data.astype(np.float32)
            made[t.name] = b.const(t.name, arr)
        else:
            made[t.name] = b.tensor(t.name, t.shape, "float32")
    for op in tg.ops:
        b.op(op.op, [made[i] if i else None for i in op.inputs], [made[o] for o in op.outputs], op.kind,
             version=FLOAT_VERSION, **op.options)
    outs = list(tg.outputs)
    if extra_outputs:
        outs += [n for n in tg.activations() if n not in tg.outputs and n not in tg.inputs]
    b.output(*[made[o] for o in outs])
    return b.build()
