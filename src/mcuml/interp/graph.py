"""The interpreter's runtime for control flow and resource variables (TFLM's ``MicroGraph``).

One :class:`Graph` exists per set of tensor views (``invoke()``'s arena, ``run()``'s batch arena).
It binds every node of every compiled subgraph to its views, runs subgraphs for IF/WHILE/CALL_ONCE
(``InvokeSubgraph`` in ``tensorflow/lite/micro/micro_interpreter_graph.cc``) and holds the resource
variables (``tensorflow/lite/micro/micro_resource_variable.cc``) and CALL_ONCE's has-run flags.

Batches: a control-flow op may send only some samples into a subgraph (IF's condition or WHILE's
loop condition differs per sample). :meth:`Graph.invoke` then runs the subgraph on the first ``k``
samples of its views (disjoint, like ``run()``'s smaller last chunk) and keeps the absolute sample
indices, so resource variables are read and written for the right samples.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from mcuml.compile import CompiledModel
from mcuml.ir.dtypes import DType

Call = tuple[Callable[[Any, list, list], None], Any, list, list]


class Graph:
    """Bound calls of every compiled subgraph over ``views`` (per subgraph, per tensor)."""

    def __init__(self, c: CompiledModel, views: list[list[np.ndarray]], batch: int) -> None:
        self.compiled = c
        self.views = views
        self.batch = batch
        self.resources = [np.full((batch, r.nbytes), r.default, dtype=np.uint8) for r in c.resources]
        self.done: set[tuple[int, int]] = set()  # CALL_ONCE nodes (subgraph, node) that have run
        self._idx: np.ndarray | None = None  # absolute samples of the running sub-batch (None: all)
        self._k = batch
        self._calls: dict[tuple[int, int], list[Call]] = {}

    # -- binding -------------------------------------------------------------------------------
    def calls(self, s: int, k: int | None = None) -> list[Call]:
        """Subgraph ``s`` bound to the first ``k`` samples of its views (cached)."""
        k = self.batch if k is None else k
        key = (s, k)
        got = self._calls.get(key)
        if got is None:
            cs = self.compiled.subgraphs[s]
            assert cs is not None
            views = self.views[s] if k == self.batch else [v[:k] for v in self.views[s]]
            got = [(bn.op.eval, bn.op.bind(bn.params, self, s, bn.index),
                    [None if i < 0 else views[i] for i in bn.inputs], [views[i] for i in bn.outputs])
                   for bn in cs.nodes]
            self._calls[key] = got
        return got

    # -- state -----------------------------------------------------------------------------------
    def reset(self, *, fresh: bool = False) -> None:
        """``ResetVariableTensors`` of the called subgraphs and ``MicroResourceVariables::ResetAll``.

        TFLM's reset leaves CALL_ONCE done (its kernel has no reset); ``fresh`` also forgets that,
        giving the state of a newly allocated interpreter (``run()``'s per-sample start).
        """
        for s, cs in enumerate(self.compiled.subgraphs):
            if cs is None or s == 0:  # subgraph 0's variables are the interpreter's
                continue
            for i, t in enumerate(cs.subgraph.tensors):
                if t.is_variable:
                    self.views[s][i][...] = t.zero_point if t.dtype == DType.int8 else 0
        for arr, spec in zip(self.resources, self.compiled.resources):
            arr[...] = spec.default
        if fresh:
            self.done.clear()

    # -- control flow ----------------------------------------------------------------------------
    @property
    def samples(self) -> int:
        """Samples of the running (sub-)batch."""
        return self._k

    def invoke(self, s: int, inputs: Sequence[np.ndarray], sel: np.ndarray | None = None) -> list[np.ndarray]:
        """Copy ``inputs`` into subgraph ``s``'s inputs, run it, return views of its outputs.

        ``sel`` picks samples of the running batch (``inputs`` then hold just those); the output
        views stay valid until the next subgraph runs.
        """
        prev = self._idx, self._k
        if sel is not None:
            self._idx = sel if self._idx is None else self._idx[sel]
            self._k = len(sel)
        try:
            k = self._k
            cs = self.compiled.subgraphs[s]
            views = self.views[s]
            for i, x in zip(cs.inputs, inputs):
                dst = views[i] if k == self.batch else views[i][:k]
                dst[...] = x.reshape((x.shape[0], *dst.shape[1:]))
            for ev, params, ins, outs in self.calls(s, k):
                ev(params, ins, outs)
            return [views[i] if k == self.batch else views[i][:k] for i in cs.outputs]
        finally:
            self._idx, self._k = prev

    # -- resource variables ------------------------------------------------------------------------
    def read(self, rid: int) -> np.ndarray:
        """The variable's bytes for the running samples, ``(k, nbytes)`` uint8."""
        vals = self.resources[rid]
        return vals if self._idx is None else vals[self._idx]

    def assign(self, rid: int, value: np.ndarray) -> None:
        """Store ``value`` (``(k, ...)``, or ``(1, ...)`` for a constant) as the variable's bytes."""
        raw = np.ascontiguousarray(value).reshape(value.shape[0], -1).view(np.uint8)
        vals = self.resources[rid]
        if self._idx is None:
            vals[...] = raw
        else:
            vals[self._idx] = raw
