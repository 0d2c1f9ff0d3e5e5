"""What TFLM's kernels allocate and accept: the shared vocabulary of the op modules' memory/support facts.

Every op module answers three questions about one node through its :class:`mcuml.ops.Op` (see
``Op.tflm_rejects``, ``Op.persistent``, ``Op.scratch``): does TFLM's kernel accept it (and with which
Prepare message does it refuse), which ``AllocatePersistentBuffer`` calls does it make (Init, then
Prepare), and which ``RequestScratchBufferInArena`` calls. ``mcuml.plan.arena``, ``mcuml.plan.records``
and ``mcuml.check`` only ask the op. This module holds the helpers those answers share: the struct
sizes data file (``mcuml/data/struct_sizes.json``, one entry per target ABI, with provenance), the
OpData lookup, and small tensor predicates.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator, Tensor

TARGETS = ("host", "cortex-m")
KERNEL_SETS = ("reference", "cmsis-nn")
POINTER_BYTES = {"host": 8, "cortex-m": 4}
F32, I8, I16, I32, I64, I4, U8, BOOL = (DType.float32, DType.int8, DType.int16, DType.int32, DType.int64,
                                        DType.int4, DType.uint8, DType.bool)


@lru_cache(maxsize=None)
def struct_sizes() -> dict[str, Any]:
    """The whole ``struct_sizes.json`` (``provenance`` and ``targets``)."""
    return json.loads(resources.files("mcuml.data").joinpath("struct_sizes.json").read_text())


def table(target: str) -> dict[str, Any]:
    """One target ABI's entry of ``struct_sizes.json``."""
    return struct_sizes()["targets"][target]


@dataclass(frozen=True, slots=True)
class Persistent:
    """A node's ``AllocatePersistentBuffer`` calls (bytes, in call order; each is 16-aligned in the arena).

    ``init``: from the kernel's Init (the OpData struct, run for every node before any Prepare);
    ``prepare``: from its Prepare (per-channel multiplier/shift arrays, LUTs, persistent copies).
    ``modelled`` is False when mcuml does not know the kernel's allocations (the arena is then approximate).
    """

    init: tuple[int, ...] = ()
    prepare: tuple[int, ...] = ()
    modelled: bool = True


def opdata(name: str, target: str, kernels: str = "reference", cmsis_nn: bool = False) -> Persistent:
    """The Init-time OpData allocation of ``name`` from the data file (CMSIS-NN's struct when it has one)."""
    t = table(target)
    if name.startswith("CUSTOM:"):  # Signal library ops: their Init's params struct
        sig, code = t.get("signal", {}), name[len("CUSTOM:"):]
        if code in sig.get("opdata", {}):
            return Persistent(init=(sig["opdata"][code],))
        return Persistent(modelled=code in sig.get("no_opdata", ()))
    if kernels == "cmsis-nn" and cmsis_nn and name in t.get("opdata_cmsis", {}):
        return Persistent(init=(t["opdata_cmsis"][name],))
    n = t["opdata"].get(name)
    if n:
        return Persistent(init=(n,))
    return Persistent(modelled=name in t["opdata"] or name in t.get("no_opdata", ()))


def inp(node: Operator, i: int) -> Tensor | None:
    return node.inputs[i] if i < len(node.inputs) else None


def quantized(t: Tensor | None) -> bool:
    q = None if t is None else t.quantization
    return q is not None and len(q.scale) > 0 and len(q.zero_point) > 0


def per_channel(t: Tensor | None) -> bool:
    q = None if t is None else t.quantization
    return q is not None and len(q.scale) > 1


def dt_name(t: Tensor | None) -> str:
    if t is None:
        return "none"
    return t.dtype.name if isinstance(t.dtype, DType) else f"type {t.dtype}"


def type_refusal(node: Operator, allowed: frozenset[DType] | tuple[DType, ...], index: int = 0,
                 tflm_message: str = "") -> str | None:
    """A refusal when input ``index`` of ``node`` is not one of ``allowed`` (None when it is, or absent)."""
    x = inp(node, index) if index >= 0 else (node.outputs[0] if node.outputs else None)
    if x is None or x.dtype in allowed:
        return None
    names = ", ".join(sorted(d.name for d in allowed))
    msg = f"input type {dt_name(x)} is not supported (TFLM accepts {names})"
    return msg + (f": \"{tflm_message}\"" if tflm_message else "")


def custom_options(node: Operator) -> dict:
    """A custom op's FlexBuffer options map ({} when absent or unreadable)."""
    if not node.custom_options:
        return {}
    from flatbuffers import flexbuffers

    try:
        opts = flexbuffers.Loads(bytes(node.custom_options))
    except Exception:  # noqa: BLE001 - a malformed map just means no options to size by
        return {}
    return opts if isinstance(opts, dict) else {}


def options(node: Operator, name: str, default: Any) -> Any:
    return node.options.get(name, default) if node.options is not None else default


def weighted_refusal(node: Operator, act: int, weight: int, ok: frozenset[tuple[DType, DType]]) -> str | None:
    """A weighted op's (activation, weight) type check, with TFLM's hybrid-model message."""
    x, w = inp(node, act), inp(node, weight)
    if x is None or w is None or (x.dtype, w.dtype) in ok:
        return None
    if x.dtype == F32 and w.dtype in (I8, I4, U8):
        return (f"hybrid model ({dt_name(x)} activations, {dt_name(w)} weights): \"Hybrid models are not supported "
                "on TFLite Micro.\"; convert with full-integer quantization")
    pairs = ", ".join(f"{a.name}/{b.name}" for a, b in sorted(ok, key=lambda p: (p[0].name, p[1].name)))
    return f"input {dt_name(x)} with weights {dt_name(w)} is not supported (TFLM accepts input/weights {pairs})"


CONV_TYPES = frozenset({(F32, F32), (I8, I8), (I8, I4), (I16, I8)})


def int4_filter_scratch(node: Operator) -> list[int]:
    """conv_common.cc / depthwise_conv_common.cc / fully_connected.cc: an int4 filter is unpacked into a
    scratch buffer of one byte per element."""
    f = inp(node, 1)
    return [f.size] if f is not None and f.dtype == I4 else []


def prepare_opdata(node: Operator, target: str, kernels: str, when: bool) -> Persistent:
    """For kernels that allocate their OpData in Prepare (Init is nullptr), on the condition ``when``."""
    base = opdata(node.name, target, kernels)
    n = table(target)["opdata_prepare"].get(node.name, 0)
    return Persistent(base.init, (n,) if when and n else ())


def writable_dims(t: Tensor) -> int:
    """``CreateWritableTensorDimsWithCopy`` (kernel_util.cc): a persistent ``TfLiteIntArray`` copy of the
    tensor's dims, ``TfLiteIntArrayGetSizeInBytes(rank)`` = 4 + 4·rank."""
    return 4 + 4 * len(t.shape)


def fixed_output_refusal(node: Operator, fixed: dict[DType, tuple[float, int]]) -> str | None:
    """Kernels that pin a quantized output's (scale, zero point) in Prepare (softmax, log_softmax...)."""
    y = node.outputs[0] if node.outputs else None
    if y is None or y.dtype not in fixed or not quantized(y):
        return None
    scale, zp = fixed[y.dtype]
    got_s, got_z = float(y.quantization.scale[0]), int(y.quantization.zero_point[0])
    if got_z != zp or abs(got_s - scale) > scale * 1e-3:
        return (f"output {y.dtype.name} quantization must be scale {scale:g}, zero point {zp} "
                f"(got {got_s:g}, {got_z}): TFLM's Prepare fails")
    return None


def node_fact(method: Any, node: Operator, *args: Any) -> Any:
    """Call one of an op's TFLM-fact methods (``persistent``, ``scratch``, ``prepare_temps``, ``tflm_rejects``).

    The facts read the tensors TFLM's Prepare requires; a node that lacks one (a hostile or broken model:
    TFLM's NumInputs/NumOutputs checks refuse it) is an :class:`~mcuml.errors.InvalidModelError` naming the
    node, never an IndexError from the fact."""
    try:
        return method(node, *args)
    except (IndexError, AttributeError) as e:
        from mcuml.errors import InvalidModelError

        raise InvalidModelError(f"{node.name} with {len(node.inputs)} input(s) and {len(node.outputs)} output(s) "
                                f"lacks a tensor TFLM's Prepare requires ({type(e).__name__}: {e})",
                                op=node.name) from None
