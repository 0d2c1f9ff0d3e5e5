"""Usage records exactly as TFLM hands them to its planner: planned tensors, then kernel scratch buffers.

Order and lifetimes follow ``AllocationInfoBuilder`` in ``tensorflow/lite/micro/micro_allocation_info.cc``
(tflm-reference §1.2–1.3): every non-constant, non-variable, non-empty tensor in tensor-index order,
then one record per ``RequestScratchBufferInArena`` call in request (= operator) order, each scratch
buffer living only during its operator's step. Sizes are rounded up to 16 (``CreatePlan``).

Scratch sizes are the op's own fact: ``Op.scratch(node, target, kernels)`` of the op module
(``mcuml/ops/*.py``, each citing the TFLM kernel whose ``RequestScratchBufferInArena`` calls it ports;
CMSIS-NN kernels use the ``arm_*_get_buffer_size`` ports of :mod:`mcuml.plan.cmsis`). An op mcuml has
no module for requests nothing here (and its arena estimate is marked approximate).
"""

from __future__ import annotations

from mcuml.errors import UsageError
from mcuml.ir.model import Model, Subgraph
from mcuml.ops._facts import KERNEL_SETS, POINTER_BYTES  # noqa: F401 - re-exported
from mcuml.plan.core import UsageRecord, align_up, model_lifetimes, needs_allocating, tensor_lifetimes


def scratch_requests(sg: Subgraph, kernels: str = "reference", target: str = "host") -> list[tuple[int, int]]:
    """``(op index, bytes)`` for every scratch request, in TFLM's request order."""
    if kernels not in KERNEL_SETS:
        raise UsageError(f"kernels must be one of {KERNEL_SETS}, not {kernels!r}")
    from mcuml.ops import lookup
    from mcuml.ops._facts import node_fact

    out = []
    for i, op in enumerate(sg.operators):
        kernel = lookup(op.name)
        sizes = [] if kernel is None else node_fact(kernel.scratch, op, target, kernels)
        out.extend((i, n) for n in sizes)
    return out


def usage_records(model: Model, *, kernels: str = "reference", subgraph: int = 0,
                  target: str = "host") -> list[UsageRecord]:
    """Every buffer TFLM's planner gets for ``model``: planned tensors, then scratch buffers.

    Offline offsets from an ``OfflineMemoryAllocation`` metadata entry are applied (tflm-reference §1.8).
    """
    from mcuml.validate import validate
    validate(model, guards=False)  # nothing below may meet what TFLM's allocator refuses
    if subgraph == 0 and len(model.subgraphs) > 1:
        return _all_subgraph_records(model, kernels, target)
    sg = model.subgraphs[subgraph]
    lifetimes = tensor_lifetimes(sg)
    offline = offline_offsets(model)
    recs: list[UsageRecord] = []
    for i, t in enumerate(sg.tensors):
        off = offline[i] if offline is not None and i < len(offline) else -1
        if not needs_allocating(t) and not (t.is_variable and off != -1 and t.nbytes > 0):
            continue
        first, last = lifetimes.get(i, (-1, -1))
        recs.append(UsageRecord(align_up(t.nbytes), first, last, off, tensor=i, label=t.name))
    for op_index, nbytes in scratch_requests(sg, kernels, target):
        step = op_index + 1
        recs.append(UsageRecord(align_up(nbytes), step, step, op=op_index,
                                label=f"scratch:{sg.operators[op_index].name}#{op_index}"))
    return recs


def _all_subgraph_records(model: Model, kernels: str, target: str) -> list[UsageRecord]:
    """TFLM's single plan over every subgraph (``CreateAllocationInfo``): the tensors of subgraph 0,
    1, ... in index order, then the scratch requests in prepare order (subgraph by subgraph), with
    the lifetimes of :func:`mcuml.plan.core.model_lifetimes` (IF/WHILE/CALL_ONCE recursion).
    Tensors of subgraphs that nothing calls keep TFLM's unset lifetime (-1, -1)."""
    requests = [scratch_requests(sg, kernels, target) for sg in model.subgraphs]
    tensor_lt, scratch_lt = model_lifetimes(model, {s: [k for k, _ in r] for s, r in enumerate(requests)})
    offline = offline_offsets(model)
    recs: list[UsageRecord] = []
    base = 0  # offline offsets index every tensor of every subgraph
    for s, sg in enumerate(model.subgraphs):
        prefix = f"sg{s}:" if s else ""
        for i, t in enumerate(sg.tensors):
            off = offline[base + i] if offline is not None and base + i < len(offline) else -1
            if not needs_allocating(t) and not (t.is_variable and off != -1 and t.nbytes > 0):
                continue
            first, last = tensor_lt.get((s, i), (-1, -1))
            recs.append(UsageRecord(align_up(t.nbytes), first, last, off, tensor=i, label=prefix + t.name, subgraph=s))
        base += len(sg.tensors)
    for s, (sg, reqs) in enumerate(zip(model.subgraphs, requests)):
        for op_index, nbytes in reqs:
            first, last = scratch_lt.get((s, op_index), (-1, -1))
            recs.append(UsageRecord(align_up(nbytes), first, last, op=op_index, subgraph=s,
                                    label=f"scratch:{'sg%d:' % s if s else ''}{sg.operators[op_index].name}#{op_index}"))
    return recs


OFFLINE_METADATA = "OfflineMemoryAllocation"


def offline_offsets(model: Model) -> list[int] | None:
    """Per-tensor offsets of the ``OfflineMemoryAllocation`` metadata (subgraph 0 first), or None."""
    data = model.get_metadata(OFFLINE_METADATA)
    if data is None or len(data) < 12:
        return None
    import numpy as np

    words = np.frombuffer(data, dtype="<i4")
    n = int(words[2])
    return [int(v) for v in words[3:3 + n]]
