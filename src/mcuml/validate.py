"""Model validation, once, before anything consumes the model (usage records, arena replay, interpreter).

Three kinds of problem, each an :class:`~mcuml.errors.OpProblem` naming subgraph, node, op and the value:

* **TFLM refuses** (:func:`tflm_problems`): what ``MicroInterpreter::AllocateTensors`` rejects or aborts on.
  The allocator part is here (:func:`structural_problems`): no subgraphs (the wheel segfaults), tensor
  types ``ConvertTensorType`` does not know (``flatbuffer_conversions.cc``: "Unsupported data type"), and
  operator outputs with no elements (``MicroInterpreterGraph::PrepareSubgraphs``' ``CheckDynamicTensors``:
  "Dynamic tensors are not supported"). The kernel part is each op's ``prepare``, which raises
  :class:`~mcuml.errors.InvalidModelError` (``OpContext.invalid``) where the TFLM kernel's Prepare fails:
  tensor counts, quantization parameters, per-channel lengths and quantized dimension, option ranges.
  ``check`` reports these as its verdict, all at once; ``compile`` raises them.
  The counts and missing inputs of the ops that declare ``Op.tflm_arity`` are checked here too, so that nothing (the
  arena model, the usage records, the CMSIS-NN scratch formulas) indexes a tensor that is not there.
* **mcuml refuses** (:func:`guard_problems`): models TFLM loads but whose results are undefined there:
  ranks below what a kernel indexes (TFLM reads past ``dims->data``), tensors over 2 GiB (its ``int``
  planner sizes overflow; the wheel then "accepts" a 4 GiB tensor), a non-finite or non-positive scale
  on a quantized tensor (``QuantizeMultiplier`` of inf/NaN), a zero point outside int32 (truncated), an
  operator input or subgraph output that nothing writes (arena garbage). ``check`` lists them as
  warnings; ``compile`` raises :class:`~mcuml.errors.UnsupportedOpError` (:func:`layout_problems`,
  the ranks and sizes, also in ``predict_arena``/``usage_records``, whose formulas index and sum them).
* **resource budget**: ``compile`` refuses a plan, and each kernel's ``prepare`` a scratch or padding
  buffer (``OpContext.budget``), larger than :func:`host_budget` bytes (``MCUML_HOST_BUDGET``, default
  256 MiB) with :class:`~mcuml.errors.ResourceLimitError` instead of allocating it.

:func:`validate` is the one entry point: ``compile``, ``usage_records``, ``predict_arena`` and ``profile`` call it
first (the last three with ``guards=False``: TFLM's arena does not depend on scale values).
"""

from __future__ import annotations

import math
import os

from mcuml.errors import InvalidModelError, McumlError, OpProblem, UnsupportedOpError, node_context
from mcuml.ir.dtypes import DType
from mcuml.ir.model import Model, Tensor

DEFAULT_HOST_BUDGET = 256 << 20
_QUANTIZED = frozenset({DType.int8, DType.int16, DType.uint8, DType.int4})
I32_MIN, I32_MAX = -(1 << 31), (1 << 31) - 1


def host_budget() -> int:
    """Bytes one host-side buffer (plan, scratch, padding) may take: ``MCUML_HOST_BUDGET`` or 256 MiB."""
    v = os.environ.get("MCUML_HOST_BUDGET", "")
    try:
        return int(v) if v else DEFAULT_HOST_BUDGET
    except ValueError:
        raise McumlError(f"MCUML_HOST_BUDGET must be a number of bytes, not {v!r}") from None


def _dtype_name(t: Tensor) -> str:
    return t.dtype.name if isinstance(t.dtype, DType) else f"type {t.dtype}"


def _where(s: int, n: int, op: str) -> str:
    return node_context(s, n, op) if n >= 0 else f"subgraph {s}"


def structural_problems(model: Model) -> list[OpProblem]:
    """What TFLM's allocator and graph preparation refuse, before and around the kernels."""
    if not model.subgraphs:
        return [OpProblem("", -1, "model has no subgraphs (TFLM crashes on it)", 0)]
    out: list[OpProblem] = []
    for s, sg in enumerate(model.subgraphs):
        for i, t in enumerate(sg.tensors):
            if not isinstance(t.dtype, DType):
                out.append(OpProblem("", -1, f"tensor {i} ({t.name!r}) has data type code {t.dtype}, which TFLM "
                                     "does not know (\"Unsupported data type\")", s))
        for n, node in enumerate(sg.operators):
            for t in node.outputs:
                if t.size == 0 and not t.is_constant and isinstance(t.dtype, DType) \
                        and t.dtype not in (DType.resource, DType.variant):
                    out.append(OpProblem(node.name, n, f"output {t.name!r} has shape {list(t.shape)} with no "
                                         "elements: TFLM treats it as a dynamic tensor (\"Dynamic tensors are "
                                         "not supported\")", s))
    return out + arity_problems(model)[0]


def _arity_rule(name: str):
    """The op's :attr:`~mcuml.ops.Op.tflm_arity` (its module's fact), or None."""
    from mcuml.ops import lookup

    kernel = lookup(name)
    return None if kernel is None else kernel.tflm_arity


def arity_refusal(node) -> str | None:
    """Why TFLM's Prepare refuses ``node``'s input/output counts or a missing input, or None."""
    rule = _arity_rule(node.name)
    if rule is None:
        return None
    counts, n_out, required = rule[:3]
    ins = node.inputs
    if counts is not None and len(ins) not in counts:
        return f"takes {' or '.join(map(str, counts))} inputs, has {len(ins)}"
    if counts is None and not ins:
        return "has no inputs"
    if n_out >= 0 and len(node.outputs) != n_out:
        return f"takes {n_out} output(s), has {len(node.outputs)}"
    if any(k >= len(ins) or ins[k] is None for k in required) or (counts is None and None in ins):
        k = next((k for k in required if k >= len(ins) or ins[k] is None), -1)
        return f"input {k} is missing (TFLM's Prepare gets a null tensor)"
    return None


def arity_problems(model: Model) -> tuple[list[OpProblem], list[OpProblem]]:
    """(counts and missing inputs TFLM refuses, ranks mcuml refuses) for the ops that declare ``tflm_arity``."""
    refused: list[OpProblem] = []
    ranks: list[OpProblem] = []
    for s, sg in enumerate(model.subgraphs):
        for n, node in enumerate(sg.operators):
            rule = _arity_rule(node.name)
            if rule is None:
                continue
            in_ranks, out_rank = rule[3:]
            ins = node.inputs
            why = arity_refusal(node)
            if why:
                refused.append(OpProblem(node.name, n, why, s))
                continue
            for k, r in in_ranks.items():
                t = ins[k] if k < len(ins) else None
                if t is not None and len(t.shape) < r:
                    ranks.append(OpProblem(node.name, n, f"input {k} ({t.name!r}) has rank {len(t.shape)}, needs "
                                           f"{r}: TFLM reads past its dimensions (undefined)", s, "warning"))
                    break
            else:
                y = node.outputs[0] if node.outputs else None
                if y is not None and len(y.shape) < out_rank:
                    ranks.append(OpProblem(node.name, n, f"output {y.name!r} has rank {len(y.shape)}, needs "
                                           f"{out_rank}: TFLM reads past its dimensions (undefined)", s, "warning"))
    return refused, ranks


def guard_problems(model: Model) -> list[OpProblem]:
    """Models TFLM loads but reads out of bounds or computes garbage on: mcuml refuses them (check warns)."""
    return layout_problems(model) + scale_problems(model) + unwritten_problems(model)


def layout_problems(model: Model) -> list[OpProblem]:
    """Ranks a kernel indexes past, and tensors over 2 GiB (TFLM's planner sizes and offsets are ``int``:
    they overflow). Every consumer of the model's layout (arena, records, offline plans) needs these."""
    out = arity_problems(model)[1]
    for s, sg in enumerate(model.subgraphs):
        for i, t in enumerate(sg.tensors):
            if isinstance(t.dtype, DType) and t.nbytes > I32_MAX:
                out.append(OpProblem("", -1, f"tensor {i} ({t.name!r}) needs {t.nbytes:,} bytes, over 2 GiB: TFLM's "
                                     "planner sizes are int and overflow", s, "warning"))
    return out


def _unset(t: Tensor | None, written: set[int], seen: set[int]) -> bool:
    return (t is not None and id(t) not in written and id(t) not in seen and not t.is_constant
            and not t.is_variable and t.size > 0)


def unwritten_problems(model: Model) -> list[OpProblem]:
    """Operator inputs and subgraph outputs that nothing writes (not a constant, variable or subgraph input, and
    no operator's output: TFLM hands out whatever the arena holds there), and operator outputs that are constants."""
    out: list[OpProblem] = []
    for s, sg in enumerate(model.subgraphs):
        written = {id(t) for t in sg.inputs} | {id(t) for op in sg.operators for t in op.outputs}
        seen: set[int] = set()

        for n, node in enumerate(sg.operators):
            for t in node.outputs:
                if t.is_constant and id(t) not in seen:
                    seen.add(id(t))
                    out.append(OpProblem(node.name, n, f"output {t.name!r} is a constant (it has buffer data): TFLM "
                                         "would write into the model's read-only flash", s, "warning"))
            if node.name.startswith("CUSTOM:"):  # custom kernels may take arena scratch as inputs (Ethos-U)
                continue
            for t in node.inputs:
                if _unset(t, written, seen):
                    seen.add(id(t))
                    out.append(OpProblem(node.name, n, f"input {t.name!r} is written by no operator and is not a "
                                         "constant, variable or subgraph input: TFLM reads arena garbage", s,
                                         "warning"))
        for t in sg.outputs:
            if _unset(t, written, seen):
                seen.add(id(t))
                out.append(OpProblem("", -1, f"output {t.name!r} is written by no operator: TFLM returns arena "
                                     "garbage", s, "warning"))
    return out


def scale_problems(model: Model) -> list[OpProblem]:
    """Non-finite or non-positive scales on quantized tensors of any operator."""
    out: list[OpProblem] = []
    for s, sg in enumerate(model.subgraphs):
        seen: set[int] = set()
        for n, node in enumerate(sg.operators):
            for t in (*node.inputs, *node.outputs):
                if t is None or id(t) in seen or t.dtype not in _QUANTIZED or t.quantization is None:
                    continue
                seen.add(id(t))
                bad = [v for v in t.quantization.scale if not (math.isfinite(v) and v > 0)]
                if bad:
                    out.append(OpProblem(node.name, n, f"{_dtype_name(t)} tensor {t.name!r} has scale {bad[0]!r}: "
                                         "TFLM loads it but its requantization multipliers are undefined "
                                         "(QuantizeMultiplier of inf/NaN/negative)", s, "warning"))
        for i, t in enumerate(sg.tensors):
            q = t.quantization
            wide = [z for z in (q.zero_point if q is not None else ()) if not I32_MIN <= z <= I32_MAX]
            if wide:
                out.append(OpProblem("", -1, f"tensor {i} ({t.name!r}) has zero point {wide[0]}, outside int32: TFLM "
                                     "truncates it (static_cast<int32_t>)", s, "warning"))
    return out


def prepare_problems(model: Model) -> list[OpProblem]:
    """Every node's ``prepare`` (where mcuml has a kernel): the refusals TFLM's Prepare makes too."""
    from mcuml.ops import OpContext, lookup

    out: list[OpProblem] = []
    skip = {(p.subgraph, p.node) for p in arity_problems(model)[0]}  # each prepare checks ranks itself
    for s, sg in enumerate(model.subgraphs):
        for n, node in enumerate(sg.operators):
            op = lookup(node.name)
            ts = [t for t in (*node.inputs, *node.outputs) if t is not None]
            if op is None or (s, n) in skip or any(not isinstance(t.dtype, DType) for t in ts) \
                    or any(t.nbytes > I32_MAX for t in ts):  # over 2 GiB: a guard problem; prepare would size by it
                continue
            ctx = OpContext(model, sg, s, n, node.name)
            try:
                op.prepare(node, ctx)
            except InvalidModelError as e:
                out.append(OpProblem(node.name, n, e.message.removeprefix(ctx.where + ": "), s))
            except McumlError:
                pass  # mcuml's own limits: reported by check(interpreter=True), not a TFLM verdict
    return out


def tflm_problems(model: Model) -> list[OpProblem]:
    """Everything TFLM's ``AllocateTensors`` would refuse, all at once (``check``'s verdict)."""
    found = structural_problems(model)
    if not model.subgraphs:
        return found
    return found + prepare_problems(model)


def _message(problems: list[OpProblem]) -> str:
    parts = [f"{_where(p.subgraph, p.node, p.op)}: {p.reason}" for p in problems[:5]]
    more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
    return f"invalid model: {'; '.join(parts)}{more}"


def validate(model: Model, *, guards: bool = True) -> None:
    """Raise before anything consumes ``model``: :class:`InvalidModelError` for what TFLM's allocator refuses,
    :class:`UnsupportedOpError` for ranks TFLM reads past, and (``guards``) for scales it computes garbage from.
    ``predict_arena``/``usage_records`` pass ``guards=False``: TFLM's arena does not depend on scale values."""
    found = structural_problems(model)
    if found:
        raise InvalidModelError(_message(found), problems=tuple(found))
    bad = guard_problems(model) if guards else layout_problems(model)  # the arena model indexes and sums these
    if bad:
        raise UnsupportedOpError(_message(bad).replace("invalid model", "mcuml refuses this model", 1),
                                 problems=tuple(bad))


def check_plan_budget(nbytes: int, what: str = "the arena plan") -> None:
    limit = host_budget()
    if nbytes > limit:
        from mcuml.errors import ResourceLimitError

        raise ResourceLimitError(f"{what} needs {nbytes:,} bytes, over the host memory budget of {limit:,} bytes",
                                 hint="set MCUML_HOST_BUDGET (bytes) to allow more")


__all__ = ["DEFAULT_HOST_BUDGET", "arity_refusal", "host_budget", "structural_problems", "arity_problems", "guard_problems",
           "layout_problems", "scale_problems", "unwritten_problems", "prepare_problems",
           "tflm_problems", "validate", "check_plan_budget"]
