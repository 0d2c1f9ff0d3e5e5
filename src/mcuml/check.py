"""Can stock TFLM run this model? Every problem at once, with node context.

What TFLM checks, and where (tflite-micro):

* operators: ``MicroMutableOpResolver`` looks builtins up by code only (op versions are ignored),
  custom ops by name (``micro_op_resolver.cc``); the table is :mod:`mcuml.ops._tflm`.
* data types: each kernel's Prepare/Eval switch, stated by the op module itself
  (``Op.tflm_rejects``, citing its TFLM kernel); float activations with int8 weights fail with
  "Hybrid models are not supported on TFLite Micro." (tflm-reference §3/§4).
* schema version 3 (``micro_interpreter.cc``), static shapes (TFLM has no dynamic tensors and
  uses ``shape``; a -1 in ``shape_signature`` outside the batch dimension means the stored
  shape is a placeholder), and subgraphs beyond 0 only as IF/WHILE/CALL_ONCE bodies.
* stored output shapes: where the kernel trusts the flatbuffer's output shape (``Op.trusts_stored_output_shape``)
  and the op computes another one, TFLM runs a different computation than TFLite: a warning.

Custom ops TFLM ships as optional libraries (Signal, CIRCULAR_BUFFER...) are "needs
registration" notes, not failures.

With ``interpreter=True`` every node is also prepared by mcuml's own kernels; what mcuml lacks is
explained from :func:`mcuml.ops._coverage.op_coverage`, the source of ``docs/ops.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mcuml.errors import McumlError, OpProblem
from mcuml.ir.dtypes import DType
from mcuml.ir.model import Model, Operator
from mcuml.ops._tflm import (ACCELERATOR_CUSTOM_OPS, MISSING_HINTS, OPTIONAL_CUSTOM_OPS, SIGNAL_CUSTOM_OPS,
                            TFLM_BUILTINS)

F32, I8 = DType.float32, DType.int8
_NO_IO_TYPES = frozenset(d for d in DType if d.name in ("string", "resource", "variant"))
LARGE_MODEL_BYTES = 1 << 20


def _kernel(name: str):
    from mcuml.ops import lookup

    return lookup(name)


@dataclass(frozen=True, slots=True)
class CheckResult:
    """``problems`` block TFLM; ``registrations`` and ``warnings`` do not."""

    runs_on_tflm: bool
    problems: tuple[OpProblem, ...]
    registrations: tuple[OpProblem, ...]
    warnings: tuple[OpProblem, ...]
    custom_ops: tuple[str, ...]
    runs_on_mcuml: bool | None = None  # None unless the interpreter was checked
    interpreter_problems: tuple[OpProblem, ...] = ()
    mcuml_missing_ops: tuple[str, ...] = ()  # ops of the model mcuml has no kernel for (see docs/ops.md)

    @property
    def ok(self) -> bool:
        return self.runs_on_tflm and self.runs_on_mcuml is not False


def _check_types(node: Operator) -> str | None:
    """Why TFLM's kernel for ``node`` rejects its tensor types, or None (the op module's own fact)."""
    from mcuml.validate import arity_refusal

    kernel = _kernel(node.name)
    if kernel is None or arity_refusal(node):  # a count/missing-input refusal is reported by mcuml.validate
        return None
    from mcuml.errors import InvalidModelError
    from mcuml.ops._facts import node_fact

    try:
        return node_fact(kernel.tflm_rejects, node)
    except InvalidModelError as e:  # a tensor its Prepare needs is missing: TFLM refuses the node
        return e.message


def _check_op(node: Operator, si: int, ni: int, problems: list, registrations: list, custom: list) -> None:
    name = node.name
    if name.startswith("CUSTOM:"):
        code = name[7:]
        custom.append(code)
        if code in OPTIONAL_CUSTOM_OPS:
            lib = "the Signal library (signal/micro/kernels)" if code in SIGNAL_CUSTOM_OPS else "TFLM's optional kernels"
            registrations.append(OpProblem(name, ni, f"custom op {code!r} is in {lib}: register it with your op "
                                           "resolver (AddCustom) and link its kernel", si, "needs-registration"))
            why = _check_types(node)
            if why:
                problems.append(OpProblem(name, ni, why, si))
        elif code in ACCELERATOR_CUSTOM_OPS:
            problems.append(OpProblem(name, ni, f"custom op {code!r} needs the {ACCELERATOR_CUSTOM_OPS[code]}; "
                                      "it cannot run on a CPU-only TFLM build", si))
        else:
            problems.append(OpProblem(name, ni, f"custom op {code!r} is not part of TFLM: you must write and "
                                      "register a kernel for it", si))
        return
    if name not in TFLM_BUILTINS:
        hint = MISSING_HINTS.get(name)
        reason = f"TFLM has no kernel for builtin {name} (version {node.version})"
        problems.append(OpProblem(name, ni, reason + (f"; {hint}" if hint else ""), si))
        return
    why = _check_types(node)
    if why:
        problems.append(OpProblem(name, ni, why, si))


def _model_warnings(model: Model, size: int | None, warnings: list) -> None:
    if not model.subgraphs:
        return
    sg = model.subgraphs[0]
    if size is not None and size > LARGE_MODEL_BYTES:
        warnings.append(OpProblem("", -1, f"model is {size} bytes (over 1 MB): check your board's flash", 0, "warning"))
    boundary = {n.name for n in sg.operators if (k := _kernel(n.name)) is not None and k.type_boundary}
    compute = [(i, n) for i, n in enumerate(sg.operators) if n.name not in boundary and n.inputs
               and n.inputs[0] is not None and isinstance(n.inputs[0].dtype, DType)]
    n_int8 = sum(1 for _, n in compute if n.inputs[0].dtype == I8)
    if compute and n_int8 * 2 >= len(compute):
        for i, n in compute:
            if n.inputs[0].dtype == F32:
                warnings.append(OpProblem(n.name, i, "runs in float32 inside an otherwise int8 model", 0, "warning"))
    per_tensor = [i for i, n in enumerate(sg.operators) if _per_tensor_conv(n)]
    if per_tensor:
        warnings.append(OpProblem("", -1, f"per-tensor (not per-channel) int8 conv weights at nodes {per_tensor}: "
                                  "usually less accurate", 0, "warning"))


def _per_tensor_conv(n: Operator) -> bool:
    kernel = _kernel(n.name)
    axis = None if kernel is None else kernel.filter_channel_axis
    w = n.inputs[1] if axis is not None and len(n.inputs) > 1 else None
    return (w is not None and w.dtype == I8 and w.quantization is not None and len(w.quantization.scale) == 1
            and len(w.shape) > axis and w.shape[axis] > 1)


def _check_structure(model: Model, problems: list, warnings: list) -> None:
    if model.version != 3:
        problems.append(OpProblem("", -1, f"schema version {model.version}; TFLM only loads version 3", 0))
    if not model.subgraphs:
        problems.append(OpProblem("", -1, "model has no subgraphs", 0))
        return
    called = {0}
    for sg in model.subgraphs:
        for node in sg.operators:
            kernel = _kernel(node.name)
            for field in () if kernel is None else kernel.subgraph_options:
                v = node.options.get(field) if node.options is not None else None
                if isinstance(v, int):
                    called.add(v)
    for si in range(1, len(model.subgraphs)):
        if si not in called:
            problems.append(OpProblem("", -1, f"subgraph {si} ({model.subgraphs[si].name!r}) is not an IF/WHILE/"
                                      "CALL_ONCE body; TFLM only runs subgraph 0", si))
    for si, sg in enumerate(model.subgraphs):
        dynamic = [i for i, t in enumerate(sg.tensors) if t.shape_signature and -1 in t.shape_signature[1:]]
        if dynamic:
            t = sg.tensors[dynamic[0]]
            problems.append(OpProblem("", -1, f"{len(dynamic)} tensor(s) have dynamic dimensions, e.g. {t.name!r} "
                                      f"shape_signature {list(t.shape_signature)}; TFLM needs static shapes", si))
        if si == 0:  # the interpreter's model inputs/outputs (micro_interpreter.cc / the Python wrapper)
            for kind, group in (("input", sg.inputs), ("output", sg.outputs)):
                for t in group:
                    if t.dtype in _NO_IO_TYPES:
                        problems.append(OpProblem("", -1, f"model {kind} {t.name!r} is a {t.dtype.name} tensor: "
                                                  "\"TFLM doesn't support strings, resource variables, or variants "
                                                  "as outputs.\"", si))
        for t in sg.inputs:  # TFLM allocates it (nothing to plan); any op reading it sees no data
            if t.size == 0:
                warnings.append(OpProblem("", -1, f"input {t.name!r} has an empty shape {list(t.shape)}", si,
                                          "warning"))


def _no_kernel_reason(name: str) -> str:
    """Why mcuml's interpreter has no kernel for ``name``, from the same source as docs/ops.md."""
    from mcuml.ops._coverage import op_coverage

    cov = op_coverage()
    if name.startswith("CUSTOM:"):
        return f"mcuml has no kernel for custom op {name[7:]!r}"
    if name in cov.missing:
        return (f"mcuml has no kernel for {name} yet (a TFLM builtin; mcuml runs {cov.tflm_covered} of TFLM's "
                f"{cov.tflm_total}, see docs/ops.md)")
    return f"mcuml has no kernel for {name} (stock TFLM has none either)"


def _type_hint(name: str) -> str:
    from mcuml.ops._coverage import op_coverage

    info = op_coverage().get(name)
    return f" (mcuml's {name} kernel runs {', '.join(info.dtypes)})" if info is not None and info.dtypes else ""


def _check_interpreter(model: Model) -> list[OpProblem]:
    from mcuml.errors import UnsupportedOpError
    from mcuml.ops import OpContext, lookup

    out: list[OpProblem] = []
    if not model.subgraphs:
        return [OpProblem("", -1, "model has no subgraphs")]
    from mcuml.validate import validate

    try:  # what compile refuses before any prepare (mcuml.validate): no node is prepared then either
        validate(model)
    except UnsupportedOpError as e:
        return [OpProblem(p.op, p.node, p.reason, p.subgraph) for p in e.problems] or [OpProblem("", -1, e.message)]
    sg = model.subgraphs[0]
    for i, node in enumerate(sg.operators):
        op = lookup(node.name)
        if op is None:
            out.append(OpProblem(node.name, i, _no_kernel_reason(node.name)))
            continue
        try:
            op.prepare(node, OpContext(model, sg, 0, i, node.name))
        except McumlError as e:
            where = OpContext(model, sg, 0, i, node.name).where + ": "
            # type refusals that do not list the supported types themselves (hybrid, mixed types) get them
            refusal = isinstance(e, UnsupportedOpError) and "supported:" not in e.message
            hint = _type_hint(node.name) if refusal else ""
            out.append(OpProblem(node.name, i, e.message.removeprefix(where) + hint))
        except Exception as e:  # noqa: BLE001 - a kernel bug must not hide the other nodes' results
            out.append(OpProblem(node.name, i, f"prepare failed ({type(e).__name__}: {e}); this is an mcuml bug"))
    return out


def _missing_kernels(model: Model) -> tuple[str, ...]:
    from mcuml.ops import lookup

    names = [n.name for n in model.subgraphs[0].operators] if model.subgraphs else []
    return tuple(n for n in dict.fromkeys(names) if lookup(n) is None)


def check(model: Model | Any, *, interpreter: bool = False, size: int | None = None) -> CheckResult:
    """Check ``model`` (a Model, a path or bytes) against stock TFLM and optionally mcuml's interpreter."""
    if not isinstance(model, Model):
        from pathlib import Path

        from mcuml.tflite.reader import load_model

        if size is None and isinstance(model, (bytes, bytearray)):
            size = len(model)
        elif size is None and isinstance(model, (str, Path)):
            size = Path(model).stat().st_size if Path(model).is_file() else None
        model = load_model(model)
    problems: list[OpProblem] = []
    registrations: list[OpProblem] = []
    warnings: list[OpProblem] = []
    custom: list[str] = []
    _check_structure(model, problems, warnings)
    for si, sg in enumerate(model.subgraphs):
        for ni, node in enumerate(sg.operators):
            _check_op(node, si, ni, problems, registrations, custom)
    if model.subgraphs:  # what TFLM's allocator and kernels' Prepare refuse (mcuml.validate), all at once
        from mcuml.validate import guard_problems, tflm_problems

        problems.extend(tflm_problems(model))
        warnings.extend(guard_problems(model))
    _model_warnings(model, size, warnings)
    _stored_shape_warnings(model, warnings)
    interp = _check_interpreter(model) if interpreter else []
    return CheckResult(runs_on_tflm=not problems, problems=tuple(problems), registrations=tuple(registrations),
                       warnings=tuple(warnings), custom_ops=tuple(dict.fromkeys(custom)),
                       runs_on_mcuml=(not interp) if interpreter else None, interpreter_problems=tuple(interp),
                       mcuml_missing_ops=_missing_kernels(model) if interpreter else ())


def _stored_shape_warnings(model: Model, warnings: list) -> None:
    """Ops whose TFLM kernel trusts a stored output shape that differs from the one the op computes."""
    from mcuml.ops import lookup

    for si, sg in enumerate(model.subgraphs):
        for ni, node in enumerate(sg.operators):
            op = lookup(node.name)
            if op is None or not op.trusts_stored_output_shape or not node.outputs or node.outputs[0] is None:
                continue
            computed, stored = op.computed_output_shape(node), tuple(node.outputs[0].shape)
            if computed is not None and tuple(computed) != stored:
                warnings.append(OpProblem(node.name, ni, f"stored output shape {list(stored)} differs from the "
                                          f"computed shape {list(computed)}: TFLM trusts the stored shape and runs "
                                          "it, so the device output will differ from TFLite's", si, "warning"))


__all__ = ["CheckResult", "check"]

