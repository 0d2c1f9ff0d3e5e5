"""Shared plumbing of the TFLM Signal library custom ops (``signal/micro/kernels/*.cc``).

TFLM's Signal kernels read their options from the node's FlexBuffer map with
``FlexbufferWrapper::ElementAsInt32(index)`` (keys sorted); mcuml reads the same map by key. The
kernels are registered by the Python op resolver of the TFLM wheel
(``python/tflite_micro/python_ops_resolver.cc``), with the custom code ``Signal<Name>``.

Kernels that keep state between invokes in their ``OpData`` (SignalFilterBankSpectralSubtraction,
SignalDelay, SignalFramer, SignalOverlapAdd, SignalStacker) keep it in a :class:`SignalState` held
by their (frozen) params: one set of arrays per batch size, allocated at the first eval of that
size and dropped by ``Op.reset(params)`` (called by ``Interpreter.reset()``), like TFLM's
``Reset`` callback.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator, Tensor
from mcuml.ops import OpContext


def options(node: Operator, ctx: OpContext, *keys: str) -> dict[str, Any]:
    """The node's FlexBuffer options, checked to hold ``keys``."""
    from flatbuffers import flexbuffers

    if not node.custom_options:
        ctx.fail(f"{ctx.op_name} needs custom options ({', '.join(keys)})")
    try:
        opts = flexbuffers.Loads(bytes(node.custom_options))
    except Exception as e:  # noqa: BLE001 - any decoding failure is a malformed model
        ctx.fail(f"custom options are not a FlexBuffer map: {e}")
    if not isinstance(opts, dict):
        ctx.fail("custom options are not a FlexBuffer map")
    missing = [k for k in keys if k not in opts]
    if missing:
        ctx.fail(f"custom options lack {', '.join(missing)}")
    odd = [k for k in keys if not isinstance(opts[k], (int, float)) or opts[k] != opts[k]
           or abs(opts[k]) == float("inf")]
    if odd:
        ctx.fail(f"custom option {odd[0]} is {opts[odd[0]]!r}, not a number")
    return opts


def flex_bytes(opts: dict[str, Any]) -> bytes:
    """A FlexBuffer map as the TF converter writes Signal options (for tests and builders)."""
    from flatbuffers import flexbuffers

    return bytes(flexbuffers.Dumps(opts))


def io(node: Operator, ctx: OpContext, n_in: int, n_out: int) -> tuple[list[Tensor], list[Tensor]]:
    ins, outs = list(node.inputs), list(node.outputs)
    if len(ins) != n_in or any(t is None for t in ins):
        ctx.fail(f"{ctx.op_name} needs {n_in} inputs, got {len([t for t in ins if t is not None])}")
    if len(outs) != n_out:
        ctx.fail(f"{ctx.op_name} needs {n_out} outputs, got {len(outs)}")
    return ins, outs  # type: ignore[return-value]


def require(ctx: OpContext, t: Tensor, allowed: Sequence[DType], ndim: int | None = None) -> None:
    if t.dtype not in allowed:
        ctx.unsupported_type(t, allowed)
    if ndim is not None and len(t.shape) != ndim:
        ctx.shape_error(f"tensor {t.name!r} must have {ndim} dimension(s), has shape {list(t.shape)}")


class SignalState:
    """Per-batch-size state arrays of one stateful node (TFLM: its persistent ``OpData`` buffers).

    ``invoke()`` runs with batch 1 and ``run()`` with its chunk size, so the two keep separate
    state (``run()`` resets its own size before each chunk; a chunk of 1 shares invoke's state).
    """

    __slots__ = ("_by_batch", "_init")

    def __init__(self, init: Callable[[int], dict[str, np.ndarray]]) -> None:
        self._init = init
        self._by_batch: dict[int, dict[str, np.ndarray]] = {}

    def get(self, batch: int) -> dict[str, np.ndarray]:
        s = self._by_batch.get(batch)
        if s is None:
            s = self._by_batch[batch] = self._init(batch)
        return s

    def reset(self, batch: int | None = None) -> None:
        """Drop the state of one batch size, or of all."""
        if batch is None:
            self._by_batch.clear()
        else:
            self._by_batch.pop(batch, None)
