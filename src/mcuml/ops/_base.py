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

The op also owns what TFLM's kernel does with memory and types, so that no per-op table lives
outside ``mcuml.ops`` (``mcuml.plan.arena``, ``mcuml.plan.records`` and ``mcuml.check`` ask the op):

* ``tflm_rejects(node, kernels)``: why TFLM's kernel refuses the node in Prepare (its own message), or None;
* ``persistent(node, target, kernels)``: its ``AllocatePersistentBuffer`` calls (:class:`Persistent`);
* ``scratch(node, target, kernels)``: its ``RequestScratchBufferInArena`` sizes, in request order;
* ``prepare_temps(node)``: the temporary tensors its Prepare holds at once;
* ``cmsis_nn``: whether TFLM built with ``OPTIMIZED_KERNEL_DIR=cmsis_nn`` takes the kernel from
  ``kernels/cmsis_nn/`` (otherwise the reference kernel runs in a CMSIS-NN build too).

All three take the node (one ``Op`` may serve several builtins: ``node.name`` says which), the
target ABI (``"host"`` = the x86-64 wheel, ``"cortex-m"`` = 32-bit) and the kernel set.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, NoReturn, Sequence

import numpy as np

from mcuml.errors import (InvalidModelError, ResourceLimitError, ShapeError, UnsupportedOpError, UnsupportedTypeError,
                          node_context)
from mcuml.ir.dtypes import DType
from mcuml.ir.model import Model, Operator, Subgraph, Tensor
from mcuml.ops._facts import Persistent, opdata


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
    cmsis_nn: ClassVar[bool] = False  # TFLM's kernels/cmsis_nn/ has this kernel
    subgraph_options: ClassVar[tuple[str, ...]] = ()  # options naming subgraphs it calls (IF/WHILE/CALL_ONCE)
    type_boundary: ClassVar[bool] = False  # converts between types (QUANTIZE, DEQUANTIZE, CAST, SHAPE)
    filter_channel_axis: ClassVar[int | None] = None  # output-channel axis of a conv filter (input 1)
    # Data types TFLM's kernel accepts for its main operand (input ``tflm_type_operand``; -1 = output 0),
    # per builtin name when one class serves several; None = not modelled (no type refusal).
    tflm_types: ClassVar[frozenset[DType] | dict[str, frozenset[DType]] | None] = None
    tflm_type_operand: ClassVar[int] = 0
    aliases_input: ClassVar[bool] = False  # output holds exactly input 0's bytes (RESHAPE, SQUEEZE, EXPAND_DIMS)
    # TFLM Prepare's NumInputs/NumOutputs and null-input checks, plus the ranks mcuml's arena model reads:
    # (allowed input counts or None for "at least one", output count or -1 for any, inputs that must be
    # present, {input position: minimum rank}, minimum rank of output 0). Checked by mcuml.validate.
    tflm_arity: ClassVar[tuple[tuple[int, ...] | None, int, tuple[int, ...], dict[int, int], int] | None] = None

    def prepare(self, node: Operator, ctx: OpContext) -> Any:
        raise NotImplementedError

    # True where TFLM's Prepare neither rejects nor rewrites a stored output shape that differs from what the op
    # computes, and Eval loops over the stored shape (from the kernel sources; tests/ops/test_stored_shapes.py);
    # mcuml then runs the stored shape too and ``check`` warns, via ``computed_output_shape``.
    trusts_stored_output_shape: ClassVar[bool] = False

    def computed_output_shape(self, node: Operator) -> tuple[int, ...] | None:
        """The output shape the op computes from its inputs and options (TFLite's resize), or None if unknown."""
        return None

    def eval(self, params: Any, inputs: list[np.ndarray | None], outputs: list[np.ndarray]) -> None:
        raise NotImplementedError

    def reset(self, params: Any, batch: int | None = None) -> None:
        """Optional: clear state the op keeps in ``params`` between invokes (TFLM's ``Reset`` callback).

        ``batch``: the run() batch size whose state to clear (None: invoke()'s). Ops that override
        it are :attr:`stateful`; the interpreter calls it on reset() and before each run() chunk."""

    def bind(self, params: Any, graph: Any, subgraph: int, node: int) -> Any:
        """Optional: the params eval gets once the node sits in a ``mcuml.interp.graph.Graph`` (control
        flow, resource variables: ops that reach other subgraphs or the graph's state). Ops that
        override it make the model :attr:`needs_graph`."""
        return params

    @property
    def stateful(self) -> bool:
        """Whether the op holds state across invokes (overrides :meth:`reset`)."""
        return type(self).reset is not Op.reset

    @property
    def needs_graph(self) -> bool:
        """Whether eval needs :meth:`bind` (overrides it)."""
        return type(self).bind is not Op.bind

    def cost(self, node: Operator) -> Cost:
        outs = sum(t.size for t in node.outputs)
        return Cost(elementwise=outs, param_bytes=param_bytes(node), bytes_in=io_bytes(node.inputs),
                    bytes_out=io_bytes(node.outputs))

    # -- TFLM facts: support and memory -------------------------------------------------------------
    def tflm_rejects(self, node: Operator, kernels: str = "reference") -> str | None:
        """Why TFLM's kernel for ``node`` fails in Prepare or Eval (types, options), quoting TFLM's message;
        None if it accepts the node. The default checks ``tflm_types``."""
        types = self.tflm_types
        if isinstance(types, dict):
            types = types.get(node.name)
        if types is None:
            return None
        from mcuml.ops._facts import type_refusal

        return type_refusal(node, types, self.tflm_type_operand)

    def persistent(self, node: Operator, target: str = "host", kernels: str = "reference") -> Persistent:
        """The node's ``AllocatePersistentBuffer`` sizes: Init's OpData (from ``struct_sizes.json``,
        the CMSIS-NN struct for a CMSIS-NN kernel) and Prepare's extra buffers. The default is the
        OpData alone; ops with Prepare-time buffers override it."""
        return opdata(node.name, target, kernels, self.cmsis_nn)

    def prepare_temps(self, node: Operator) -> list[Tensor | None]:
        """The tensors whose temporary ``TfLiteTensor`` (``AllocateTempInputTensor``/``...OutputTensor``) the
        kernel's Prepare holds at the same time; default: every input and output once."""
        return [*node.inputs, *node.outputs]

    def scratch(self, node: Operator, target: str = "host", kernels: str = "reference") -> list[int]:
        """Bytes of each ``RequestScratchBufferInArena`` call of the node's Prepare, in request order."""
        return []


def param_bytes(node: Operator) -> int:
    """Bytes of the constant inputs (weights, biases, shapes) of one node."""
    return sum(len(t.buffer.data) for t in node.inputs if t is not None and t.is_constant)


def io_bytes(tensors: Sequence[Tensor | None]) -> int:
    return sum(t.nbytes for t in tensors if t is not None and not t.is_constant)
