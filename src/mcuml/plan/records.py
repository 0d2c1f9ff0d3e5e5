"""Usage records exactly as TFLM hands them to its planner: planned tensors, then kernel scratch buffers.

Order and lifetimes follow ``AllocationInfoBuilder`` in ``tensorflow/lite/micro/micro_allocation_info.cc``
(tflm-reference §1.2–1.3): every non-constant, non-variable, non-empty tensor in tensor-index order,
then one record per ``RequestScratchBufferInArena`` call in request (= operator) order, each scratch
buffer living only during its operator's step. Sizes are rounded up to 16 (``CreatePlan``).

Scratch formulas, by kernel set (the file each comes from is named beside it):

reference (``tensorflow/lite/micro/kernels/``)
  * CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED with int4 filters: filter element count
    (``conv_common.cc``, ``depthwise_conv_common.cc``, ``fully_connected.cc``)
  * MEAN / SUM: int8/int16 ``4·out_elems``; always ``4·input_rank`` and ``4·num_axis`` (``reduce_common.cc``)
  * REDUCE_MAX / REDUCE_MIN / REDUCE_ALL: ``4·input_rank``, ``4·axis_elems`` (``reduce_common.cc``)
  * SVDF: ``4·batch·filters``; int8 adds ``4·batch·units`` (``svdf_common.cc``)
  * UNIDIRECTIONAL_SEQUENCE_LSTM: 4 × ``batch·state_dim·sizeof(cell state)`` (``unidirectional_sequence_lstm.cc``)
  * TRANSPOSE_CONV: int8 ``4·out_elems``; int16 ``8·out_elems`` then ``8·bias_elems`` for an int16 bias
    (``transpose_conv.cc``)
  * MIRROR_PAD: 2 × ``4·input_rank`` (``mirror_pad.cc``); ADD_N float/int8: ``8·num_inputs`` (``add_n.cc``)
  * Signal custom ops (``signal/micro/kernels/``): SignalRfft ``fft_length·sizeof(T)`` (``rfft.cc``); the other
    Signal ops mcuml models request none

cmsis-nn: the ops TFLM takes from ``kernels/cmsis_nn/`` follow :func:`mcuml.plan.cmsis.cmsis_scratch`
(CMSIS-NN ``arm_*_get_buffer_size`` for the target's DSP/MVE features); the rest use the rules above.
"""

from __future__ import annotations

from typing import Callable

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Model, Operator, Subgraph, Tensor
from mcuml.plan.core import UsageRecord, align_up, model_lifetimes, needs_allocating, tensor_lifetimes

KERNEL_SETS = ("reference", "cmsis-nn")
POINTER_BYTES = {"host": 8, "cortex-m": 4}

ScratchRule = Callable[[Operator], list[int]]


def _elems(t: Tensor | None) -> int:
    return 0 if t is None else t.size


def _inp(op: Operator, i: int) -> Tensor | None:
    return op.inputs[i] if i < len(op.inputs) else None


def _int4_filter(op: Operator) -> list[int]:
    f = _inp(op, 1)
    return [f.size] if f is not None and f.dtype == DType.int4 else []


def _mean_sum(op: Operator) -> list[int]:
    x, axis, y = op.inputs[0], _inp(op, 1), op.outputs[0]
    out = [4 * y.size] if x.dtype in (DType.int8, DType.int16) else []
    return out + [4 * len(x.shape), 4 * _elems(axis)]


def _min_max(op: Operator) -> list[int]:
    return [4 * len(op.inputs[0].shape), 4 * _elems(_inp(op, 1))]


def _svdf(op: Operator) -> list[int]:
    x, wf = op.inputs[0], op.inputs[1]
    batch, filters = x.shape[0], wf.shape[0]
    rank = int(op.options.rank) if op.options is not None else 1
    if x.dtype == DType.int8:
        return [4 * batch * filters, 4 * batch * (filters // max(rank, 1))]
    return [4 * batch * filters]


def _lstm(op: Operator) -> list[int]:
    cell = _inp(op, 19)
    if cell is None:
        return []
    return [cell.nbytes] * 4  # cell state is [batch, state_dim]


def _transpose_conv(op: Operator) -> list[int]:
    x, y = op.inputs[2], op.outputs[0]
    bias = _inp(op, 3)
    if x.dtype == DType.int8:
        return [4 * y.size]
    if x.dtype == DType.int16:
        out = [8 * y.size]
        if bias is not None and bias.dtype == DType.int16:
            out.append(8 * bias.size)
        return out
    return []


def _mirror_pad(op: Operator) -> list[int]:
    return [4 * len(op.inputs[0].shape)] * 2


def _add_n(op: Operator, pointer: int = 8) -> list[int]:
    y = op.outputs[0]
    return [pointer * len(op.inputs)] if y.dtype in (DType.float32, DType.int8) else []


def custom_options(op: Operator) -> dict:
    """A custom op's FlexBuffer options map ({} when absent or unreadable)."""
    if not op.custom_options:
        return {}
    from flatbuffers import flexbuffers

    try:
        opts = flexbuffers.Loads(bytes(op.custom_options))
    except Exception:  # noqa: BLE001 - a malformed map just means no options to size by
        return {}
    return opts if isinstance(opts, dict) else {}


def _signal_rfft(op: Operator) -> list[int]:
    n = int(custom_options(op).get("fft_length", 0))
    return [n * op.inputs[0].dtype.itemsize] if n > 0 else []


REFERENCE_SCRATCH: dict[str, ScratchRule] = {
    "CONV_2D": _int4_filter,
    "DEPTHWISE_CONV_2D": _int4_filter,
    "FULLY_CONNECTED": _int4_filter,
    "MEAN": _mean_sum,
    "SUM": _mean_sum,
    "REDUCE_MAX": _min_max,
    "REDUCE_MIN": _min_max,
    "REDUCE_ALL": _min_max,
    "SVDF": _svdf,
    "UNIDIRECTIONAL_SEQUENCE_LSTM": _lstm,
    "TRANSPOSE_CONV": _transpose_conv,
    "MIRROR_PAD": _mirror_pad,
    "ADD_N": _add_n,
    "CUSTOM:SignalRfft": _signal_rfft,
}


def scratch_requests(sg: Subgraph, kernels: str = "reference", target: str = "host") -> list[tuple[int, int]]:
    """``(op index, bytes)`` for every scratch request, in TFLM's request order."""
    if kernels not in KERNEL_SETS:
        raise ValueError(f"kernels must be one of {KERNEL_SETS}, not {kernels!r}")
    cmsis = None
    if kernels == "cmsis-nn":
        from mcuml.plan.cmsis import cmsis_scratch as cmsis
    out = []
    for i, op in enumerate(sg.operators):
        sizes = cmsis(op, target) if cmsis is not None else None
        if sizes is None:
            rule = REFERENCE_SCRATCH.get(op.name)
            if rule is None:
                continue
            sizes = _add_n(op, POINTER_BYTES.get(target, 8)) if op.name == "ADD_N" else rule(op)
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
