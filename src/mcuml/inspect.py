"""What is in a model: inputs/outputs, operators with MACs and parameter bytes, tensors, totals.

MACs come from each op's static ``cost()`` (convention in ``mcuml.ops._base.Cost``); an operator
whose op has no mcuml kernel yet counts 0 MACs and is marked ``cost_known=False``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Model, Operator, Tensor


@dataclass(frozen=True, slots=True)
class TensorInfo:
    index: int
    name: str
    shape: tuple[int, ...]
    dtype: str
    scale: tuple[float, ...]
    zero_point: tuple[int, ...]
    quantized_dimension: int
    is_constant: bool
    is_variable: bool
    nbytes: int
    buffer: int | None  # buffer index, None for no buffer


@dataclass(frozen=True, slots=True)
class OpTensor:
    """One input/output of an operator: tensor index (-1 for an omitted optional input)."""

    index: int
    shape: tuple[int, ...]
    dtype: str


@dataclass(frozen=True, slots=True)
class OpInfo:
    index: int
    op: str
    version: int
    inputs: tuple[OpTensor, ...]
    outputs: tuple[OpTensor, ...]
    macs: int
    param_bytes: int
    has_kernel: bool
    cost_known: bool  # False: no mcuml kernel (or its cost() failed), so macs is 0


@dataclass(frozen=True, slots=True)
class Totals:
    weight_bytes: int  # distinct constant buffers used by subgraph 0
    activation_bytes: int  # all non-constant tensors of subgraph 0, summed (the arena peak is `mcuml plan`)
    largest_activation_bytes: int
    macs: int
    operators: int
    tensors: int
    op_histogram: dict[str, int]
    ops_without_cost: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class InspectResult:
    size_bytes: int | None
    version: int
    description: str
    subgraphs: int
    signatures: tuple[str, ...]
    metadata: tuple[str, ...]
    inputs: tuple[TensorInfo, ...]
    outputs: tuple[TensorInfo, ...]
    operators: tuple[OpInfo, ...]
    tensors: tuple[TensorInfo, ...]
    totals: Totals


def _dtype(t: Tensor) -> str:
    return t.dtype.name if isinstance(t.dtype, DType) else f"type{int(t.dtype)}"


def _nbytes(t: Tensor) -> int:
    return t.nbytes if isinstance(t.dtype, DType) else 0


def _tensor_info(i: int, t: Tensor, buf_ix: dict[int, int]) -> TensorInfo:
    q = t.quantization
    return TensorInfo(index=i, name=t.name, shape=tuple(t.shape), dtype=_dtype(t),
                      scale=tuple(q.scale) if q else (), zero_point=tuple(q.zero_point) if q else (),
                      quantized_dimension=q.quantized_dimension if q else 0, is_constant=t.is_constant,
                      is_variable=t.is_variable, nbytes=_nbytes(t),
                      buffer=None if t.buffer is None else buf_ix.get(id(t.buffer)))


def _cost(node: Operator) -> tuple[int, int, bool, bool]:
    """(macs, param_bytes, has_kernel, cost_known)."""
    from mcuml.ops import lookup
    from mcuml.ops._base import param_bytes

    params = param_bytes(node)
    op = lookup(node.name)
    if op is None:
        return 0, params, False, False
    try:
        c = op.cost(node)
    except Exception:  # noqa: BLE001 - a model the op cannot handle still gets inspected
        return 0, params, True, False
    return int(c.macs), int(c.param_bytes or params), True, True


def inspect(model: Model | Any, *, size: int | None = None) -> InspectResult:
    """Describe ``model`` (a Model, a path or bytes); subgraph 0 is the one tabulated."""
    if not isinstance(model, Model):
        from pathlib import Path

        from mcuml.tflite.reader import load_model

        if size is None and isinstance(model, (bytes, bytearray)):
            size = len(model)
        elif size is None and isinstance(model, (str, Path)) and Path(model).is_file():
            size = Path(model).stat().st_size
        model = load_model(model)
    buf_ix = {id(b): i for i, b in enumerate(model.buffers)}
    sg = model.subgraphs[0] if model.subgraphs else None
    tensors = sg.tensors if sg else []
    t_ix = {id(t): i for i, t in enumerate(tensors)}
    infos = tuple(_tensor_info(i, t, buf_ix) for i, t in enumerate(tensors))
    ops = []
    for i, node in enumerate(sg.operators if sg else []):
        macs, params, has_kernel, known = _cost(node)

        def ref(t: Tensor | None) -> OpTensor:
            return OpTensor(-1, (), "none") if t is None else OpTensor(t_ix.get(id(t), -1), tuple(t.shape), _dtype(t))

        ops.append(OpInfo(index=i, op=node.name, version=node.version, inputs=tuple(ref(t) for t in node.inputs),
                          outputs=tuple(ref(t) for t in node.outputs), macs=macs, param_bytes=params,
                          has_kernel=has_kernel, cost_known=known))
    weights = {id(t.buffer): len(t.buffer.data) for t in tensors if t.is_constant}
    acts = [_nbytes(t) for t in tensors if not t.is_constant]
    hist = Counter(o.op for o in ops)
    totals = Totals(weight_bytes=sum(weights.values()), activation_bytes=sum(acts),
                    largest_activation_bytes=max(acts, default=0), macs=sum(o.macs for o in ops),
                    operators=len(ops), tensors=len(tensors), op_histogram=dict(sorted(hist.items())),
                    ops_without_cost=tuple(sorted({o.op for o in ops if not o.cost_known})))
    return InspectResult(size_bytes=size, version=model.version, description=model.description,
                         subgraphs=len(model.subgraphs), signatures=tuple(s.key for s in model.signature_defs),
                         metadata=tuple(m.name for m in model.metadata),
                         inputs=tuple(infos[t_ix[id(t)]] for t in (sg.inputs if sg else []) if id(t) in t_ix),
                         outputs=tuple(infos[t_ix[id(t)]] for t in (sg.outputs if sg else []) if id(t) in t_ix),
                         operators=tuple(ops), tensors=infos, totals=totals)


__all__ = ["InspectResult", "OpInfo", "OpTensor", "TensorInfo", "Totals", "inspect"]

