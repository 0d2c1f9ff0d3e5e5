"""The op contract: one TFLite operator = one module under ``mcuml.ops`` with one ``Op`` class.

TFLM splits a kernel into Prepare (validate, precompute) and Eval (run blind); mcuml keeps that
split:

* ``prepare(node, ctx)`` validates types/shapes/options of one node and returns a frozen params
  object (the equivalent of TFLM's ``OpData``). All errors surface here, raised through
  ``ctx.fail(...)``/``ctx.unsupported_type(...)`` so that they carry node context.
* ``eval(params, inputs, outputs)`` does the arithmetic and writes into ``outputs[i][...]``.
  **Batch contract**: every array has a leading *sample* axis in front of the tensor's own shape:
  ``(B, *tensor.shape)`` for activations, ``(1, *tensor.shape)`` for constants (``None`` for an
  omitted optional input). B is 1 for ``Interpreter.invoke()`` and the batch size for
  ``Interpreter.run()``. Outputs are views into the arena; eval must not keep references to them.
  Variable tensors (state) arrive as inputs and are updated in place.
* ``cost(node)`` is static: MACs and bytes, used by ``inspect``/``profile``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, NoReturn, Sequence

import numpy as np

from mcuml.errors import (InvalidModelError, ResourceLimitError, ShapeError, UnsupportedOpError, UnsupportedTypeError,
                          node_context)
from mcuml.ir.dtypes import DType
from mcuml.ir.model import Model, Operator, Subgraph, Tensor


@dataclass(frozen=True, slots=True)
class Cost:
    """Static cost of one node.

    MAC convention (documented once, used everywhere): one multiply-accumulate of the op's inner
    product counts 1 — CONV_2D: out_elems x KH x KW x IC/groups; DEPTHWISE_CONV_2D: out_elems x KH
    x KW; FULLY_CONNECTED/BATCH_MATMUL: out_elems x depth; TRANSPOSE_CONV: in_elems x KH x KW x OC;
    SVDF/LSTM: their matrix products. Element-wise ops, pooling, reductions and data movement
    have 0 MACs and report their work in ``elementwise`` (output elements, or input elements
    visited for pooling/reductions).
    """

    macs: int = 0
    elementwise: int = 0
    param_bytes: int = 0
    bytes_in: int = 0
    bytes_out: int = 0


@dataclass(frozen=True)
class OpContext:
    """Where a node sits, for error messages."""

    model: Model
    subgraph: Subgraph
    subgraph_index: int
    node_index: int
    op_name: str

    @property
    def where(self) -> str:
        return node_context(self.subgraph_index, self.node_index, self.op_name)

    def fail(self, reason: str, cls: type = UnsupportedOpError) -> NoReturn:
        raise cls(f"{self.where}: {reason}", subgraph=self.subgraph_index, node=self.node_index, op=self.op_name)

    def shape_error(self, reason: str) -> NoReturn:
        self.fail(reason, ShapeError)

    def invalid(self, reason: str) -> NoReturn:
        """TFLM's Prepare refuses (or aborts on) this node too: ``check`` reports it as a TFLM problem."""
        self.fail(reason, InvalidModelError)

    def budget(self, nbytes: int, what: str) -> None:
        """Refuse a kernel buffer (scratch, padding) beyond the host budget before anything allocates it."""
        from mcuml.validate import host_budget

        limit = host_budget()
        if nbytes > limit:
            self.fail(f"{what} would need {nbytes:,} bytes, over the host memory budget of {limit:,} bytes "
                      "(MCUML_HOST_BUDGET)", ResourceLimitError)

    def unsupported_type(self, tensor: Tensor, allowed: Sequence[DType]) -> NoReturn:
        names = ", ".join(d.name for d in allowed)
        dt = tensor.dtype.name if isinstance(tensor.dtype, DType) else str(tensor.dtype)
        self.fail(f"{dt} tensor {tensor.name!r} not supported (supported: {names})", UnsupportedTypeError)

    def require(self, cond: bool, reason: str) -> None:
        if not cond:
            self.fail(reason)


class Op:
    """Base class of every operator; subclasses are registered with :func:`mcuml.ops.register`."""

    name: ClassVar[str] = ""

    def prepare(self, node: Operator, ctx: OpContext) -> Any:
        raise NotImplementedError

    def eval(self, params: Any, inputs: list[np.ndarray | None], outputs: list[np.ndarray]) -> None:
        raise NotImplementedError

    def cost(self, node: Operator) -> Cost:
        outs = sum(t.size for t in node.outputs)
        return Cost(elementwise=outs, param_bytes=param_bytes(node), bytes_in=io_bytes(node.inputs),
                    bytes_out=io_bytes(node.outputs))


def param_bytes(node: Operator) -> int:
    """Bytes of the constant inputs (weights, biases, shapes) of one node."""
    return sum(len(t.buffer.data) for t in node.inputs if t is not None and t.is_constant)


def io_bytes(tensors: Sequence[Tensor | None]) -> int:
    return sum(t.nbytes for t in tensors if t is not None and not t.is_constant)
