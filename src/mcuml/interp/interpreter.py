"""``mcuml.Interpreter``: shaped like ``tf.lite.Interpreter``, bit-exact with TFLM's reference kernels.

All non-constant tensors of a single ``invoke()`` live in one ``bytearray`` arena at the offsets of
TFLM's greedy planner, so tensor reuse behaves as on the device (an input may be overwritten once
its last reader has run). Constants are read-only views on the model's buffers (the "flash").
Variable tensors (RNN/LSTM state) live outside the planned head, like TFLM's persistent tail.

``run()`` is the batched path: the same kernels over arrays with a leading sample axis; its
tensors are allocated once per batch size and reused by later calls.

Both paths run BLAS on ``num_threads`` threads (default 1, like TFLM; see ``mcuml.kernels.blas``).
"""

from __future__ import annotations

import os
import threading
from typing import Any, Callable, Sequence

import numpy as np

from mcuml.compile import BoundNode, CompiledModel, compile
from mcuml.errors import ArenaTooSmallError, InputError, InternalError, McumlError
from mcuml.interp.api import TfLiteApi
from mcuml.ir.dtypes import DType
from mcuml.ir.model import Model, Tensor
from mcuml.kernels.blas import BlasThreads
from mcuml.kernels.workers import default_workers, run_parallel
from mcuml.tflite.reader import load_model

RUN_CHUNKS_PER_WORKER = 1  # run() chunks per worker (measured: 2 or 4 smaller chunks balance a loaded machine
# better but cost more than they save: each op then makes more, shorter NumPy calls and the workers wait on the GIL)
MIN_RUN_CHUNK = 16  # fewer samples per chunk pay more in per-node call overhead than they gain
THREADS_MIN_NODE_ELEMENTS = 1024  # run(workers=None) uses one thread below this mean output size per node and
# sample (measured, 256 samples on 2 cores: ad01 (167) as fast on 1 thread as on 2, and 4x slower on 2 under load:
# its NumPy calls are too short to hide the GIL hand-offs; kws (5550) 1.6x faster on 2)

Hook = Callable[[BoundNode, list[np.ndarray]], None]
Call = tuple[Callable[[Any, list, list], None], Any, list, list]  # (eval, params, inputs, outputs) of one node


def _tensor_details(i: int, t: Tensor) -> dict[str, Any]:
    q = t.quantization
    scales = np.array(q.scale if q else (), dtype=np.float32)
    zps = np.array(q.zero_point if q else (), dtype=np.int32)
    return {
        "name": t.name,
        "index": i,
        "shape": np.array(t.shape, dtype=np.int32),
        "shape_signature": np.array(t.shape_signature if t.shape_signature is not None else t.shape, dtype=np.int32),
        "dtype": t.dtype.numpy.type,
        "quantization": (t.scale, t.zero_point),
        "quantization_parameters": {"scales": scales, "zero_points": zps,
                                    "quantized_dimension": q.quantized_dimension if q else 0},
        "sparsity_parameters": {},
    }


def quantize_input(x: np.ndarray, t: Tensor) -> np.ndarray:
    """Float data -> the integer input type with the tensor's scale/zero point (TFLM ``AffineQuantize``)."""
    from mcuml.kernels.quant import round_half_away

    info = np.iinfo(t.dtype.numpy)
    q = round_half_away(np.asarray(x, np.float32) / np.float32(t.scale)) + t.zero_point
    return np.clip(q, info.min, info.max).astype(t.dtype.numpy)


def dequantize_output(y: np.ndarray, t: Tensor) -> np.ndarray:
    """Integer output -> float with the tensor's scale/zero point."""
    return (t.scale * (y.astype(np.float64) - t.zero_point)).astype(np.float32)


class Interpreter(TfLiteApi):
    """Run a .tflite model; API of ``tf.lite.Interpreter`` (signatures, batch resizing: ``mcuml.interp.api``)."""

    _procs: Any = None  # run(mode="process")'s mcuml.interp.procs.ProcessPool, started on first use

    def __new__(cls, model_path=None, model_content=None, *args: Any, engine: str = "numpy", model=None, **kw: Any):
        if engine == "c":  # mcuml's compiled C engine, same API (mcuml.cengine.CEngine)
            from mcuml.cengine import CEngine

            return CEngine(model_path, model_content, model=model)
        return super().__new__(cls)

    def __init__(self, model_path: str | os.PathLike[str] | None = None, model_content: bytes | None = None,
                 arena_size: int | None = None, *, model: Model | None = None, check_overlaps: bool = False,
                 num_threads: int | None = 1, engine: str = "numpy") -> None:
        if model is None:
            if (model_path is None) == (model_content is None):
                raise McumlError("give exactly one of model_path or model_content")
            model = load_model(model_path if model_path is not None else model_content)
        self._compiled: CompiledModel = compile(model)
        self._arena_size = arena_size
        self._check_overlaps = check_overlaps
        self._views: list[np.ndarray | None] | None = None
        self._arena: bytearray | None = None
        self._calls: list[Call] = []
        self._num_threads = num_threads
        self._batch: dict[int, tuple[int, list[list[np.ndarray]], list[Call], Any]] = {}  # run()'s tensors per worker
        self._graph: Any = None  # mcuml.interp.graph.Graph of invoke()'s arena (control flow, resources)
        self._batch_graphs: dict[int, Any] = {}  # the same per run() worker, for its current chunk

    # -- tf.lite.Interpreter API -------------------------------------------------------------
    @property
    def compiled(self) -> CompiledModel:
        return self._compiled

    @property
    def model(self) -> Model:
        return self._compiled.model

    @property
    def arena(self) -> bytearray:
        self._ensure()
        assert self._arena is not None
        return self._arena

    def allocate_tensors(self) -> None:
        c = self._compiled
        need = c.plan.size
        if self._arena_size is not None:
            # arena_size means what it means to TFLM: head + persistent tail + the AllocateTensors peak
            from mcuml.plan.arena import predict_arena

            total = predict_arena(c.model, target="host", kernels="reference").arena_bytes
            if self._arena_size < total:
                raise ArenaTooSmallError(total, self._arena_size)
        if self._check_overlaps and c.plan.overlapping_pairs():
            raise InternalError(f"planner produced overlapping live tensors: {c.plan.overlapping_pairs()[:5]}")
        b = self._input_batch_size()  # > 1 after resize_tensor_input: B samples per invoke
        self._arena = bytearray(need * b)
        views = self._arena_views(self._arena, b)
        self._views = views[0]
        self._calls, self._graph = _bind(c, views, b)
        self.reset()

    def get_input_details(self) -> list[dict[str, Any]]:
        sg = self._compiled.subgraph
        return self._resized_details([_tensor_details(sg.index_of(t), t) for t in sg.inputs])

    def get_output_details(self) -> list[dict[str, Any]]:
        sg = self._compiled.subgraph
        return self._resized_details([_tensor_details(sg.index_of(t), t) for t in sg.outputs])

    def get_tensor_details(self) -> list[dict[str, Any]]:
        return self._resized_details([_tensor_details(i, t) for i, t in enumerate(self._compiled.subgraph.tensors)])

    def set_tensor(self, tensor_index: int, value: np.ndarray) -> None:
        self._ensure()
        t = self._tensor(tensor_index)
        if t.is_constant:  # its data is the model's (read-only) buffer, TFLM's flash
            raise InputError(f"tensor {tensor_index} ({t.name!r}) is a constant of the model; it cannot be set")
        self._store(tensor_index, t, np.asarray(value))

    def get_tensor(self, tensor_index: int) -> np.ndarray:
        self._ensure()
        self._tensor(tensor_index)
        return self._load(tensor_index)

    def tensor(self, tensor_index: int) -> Callable[[], np.ndarray]:
        """Like tf.lite: a callable returning a live view (valid until the next allocate)."""
        self._ensure()
        return lambda: self._views[tensor_index][0]  # type: ignore[index]

    def invoke(self, hook: Hook | None = None) -> None:
        self._ensure()
        with BlasThreads(self._num_threads):
            if hook is None:
                for ev, params, ins, outs in self._calls:
                    ev(params, ins, outs)
            else:
                for bn, (ev, params, ins, outs) in zip(self._compiled.nodes, self._calls):
                    ev(params, ins, outs)
                    hook(bn, outs)

    def reset(self) -> None:
        """Reset variable tensors (state) like TFLM's ``ResetVariableTensors``: int8 to its zero point, else 0."""
        self._ensure()
        for i, t in enumerate(self._compiled.subgraph.tensors):
            if t.is_variable:
                self._views[i][...] = _reset_value(t)  # type: ignore[index]
        for bn in self._compiled.nodes:  # state held by ops (TFLM: the kernel's Reset callback)
            if bn.op.stateful:
                b = self._input_batch_size()
                bn.op.reset(bn.params, b if b > 1 else None)
        if self._graph is not None:  # called subgraphs' variables, resource variables (CALL_ONCE stays done)
            self._graph.reset()

    # -- batched path ------------------------------------------------------------------------
    def run(self, inputs: np.ndarray | Sequence[np.ndarray], *, batch_size: int = 256,
            workers: int | None = None, mode: str = "thread") -> list[np.ndarray]:
        """Evaluate many samples at once; each sample starts from a freshly allocated interpreter's state
        (the reset state, except that CALL_ONCE init subgraphs run again).

        ``inputs``: one array per model input (a bare array for single-input models) whose first
        axis is the sample axis: either ``(N, *input.shape)``, or ``(N, *input.shape[1:])`` for
        models with batch dimension 1 (samples stacked on the batch axis). Outputs come back in
        the same convention.

        ``workers`` threads take chunks of at most ``batch_size`` samples in turn, each with its
        own tensors and scratch; BLAS runs on ``num_threads`` threads in each. By default (None)
        the usable cores (at most 4), or one for a model of tiny layers: see :meth:`thread_workers`,
        a fixed rule. Models with op-held state run on one worker. The results never depend on it.

        ``mode="process"``: the workers are processes instead (``mcuml.interp.procs``; no GIL
        between them), started on first use and kept until :meth:`close`; ``workers=None`` means
        the usable cores. Models with op-held state or resource variables, control flow, or too
        few samples stay in this process.
        """
        if mode not in ("thread", "process"):
            raise InputError(f"mode must be 'thread' or 'process', got {mode!r}")
        c = self._compiled
        sg = c.subgraph
        xs, stacked = sample_axis(sg.inputs, inputs)
        arrs = [self._check_input(t, x, batched=True) for t, x in zip(sg.inputs, xs)]
        n = arrs[0].shape[0]
        if any(a.shape[0] != n for a in arrs):
            raise InputError("all inputs must have the same number of samples")
        if batch_size < 1:
            raise InputError(f"batch_size must be >= 1, got {batch_size}")
        from mcuml.validate import host_budget

        batch_size = max(1, min(batch_size, host_budget() // max(c.plan.size, 1)))  # a chunk's arena fits the budget
        result = [np.empty((n, *t.shape), dtype=self._unplanned_view(t, 0).dtype) for t in sg.outputs]
        stateful = any(bn.op.stateful for bn in c.nodes)  # op state is per batch size, not per thread
        if mode == "process" and not stateful and not c.needs_runtime:
            nproc = max(1, default_workers() if workers is None else int(workers))
            from mcuml.interp.procs import MIN_RANGE, split

            ranges = split(n, max(1, min(nproc, n // MIN_RANGE)))
            if len(ranges) > 1:
                self._process_pool().run_ranges(arrs, result, ranges, batch_size,
                                                lambda lo, hi: self._run_range(lo, hi, batch_size, arrs, result))
                return unstack(result) if stacked else result
        nw = self.thread_workers(n, batch_size, workers)
        starts = _chunk_starts(n, batch_size, nw)
        todo = iter(starts)
        lock = threading.Lock()

        def work(w: int) -> None:
            while True:
                with lock:
                    start = next(todo, None)
                if start is None:
                    return
                self._run_chunk(w, start, min(starts.step, n - start), arrs, result)

        with BlasThreads(self._num_threads):
            run_parallel(work, nw)
        return unstack(result) if stacked else result

    def thread_workers(self, n: int, batch_size: int = 256, workers: int | None = None) -> int:
        """The worker threads ``run()`` uses for ``n`` samples: ``workers``, or by default the usable cores
        (at most ``kernels.workers.MAX_WORKERS``) unless the model's layers are tiny
        (``THREADS_MIN_NODE_ELEMENTS``); never more than there are chunks, and 1 for op-held state.

        A fixed rule from the model's shapes, never timed: the same call runs the same way whatever the load."""
        c = self._compiled
        if any(bn.op.stateful for bn in c.nodes):  # op state is per batch size, not per thread
            return 1
        if workers is None:
            elems = sum(c.subgraph.tensors[i].size for bn in c.nodes for i in bn.outputs if i >= 0)
            workers = 1 if elems < THREADS_MIN_NODE_ELEMENTS * max(1, len(c.nodes)) else default_workers()
        nw = max(1, int(workers))
        return min(nw, len(_chunk_starts(n, batch_size, nw)))

    def _run_range(self, lo: int, hi: int, batch_size: int, arrs: list[np.ndarray], result: list[np.ndarray]) -> None:
        """Samples ``lo:hi`` on this thread (worker 0), ``batch_size`` at a time."""
        with BlasThreads(self._num_threads):
            for start in range(lo, hi, batch_size):
                self._run_chunk(0, start, min(batch_size, hi - start), arrs, result)

    def _process_pool(self) -> Any:
        pool = self._procs
        if pool is None:
            from mcuml.interp.procs import ProcessPool

            pool = self._procs = ProcessPool(self.model.to_bytes(), self._num_threads)
        return pool

    def close(self) -> None:
        """Stop run()'s worker processes (``mode="process"``), if any; a later run() starts new ones."""
        pool = self._procs
        if pool is not None:
            self._procs = None
            pool.close()

    def __del__(self) -> None:
        if self._procs is not None:
            self.close()

    def _run_chunk(self, w: int, start: int, b: int, arrs: list[np.ndarray], result: list[np.ndarray]) -> None:
        """Samples ``start:start + b`` on worker ``w``'s tensors."""
        c = self._compiled
        sg = c.subgraph
        views, calls = self._batch_tensors(b, w)
        for i, t in enumerate(sg.tensors):
            if t.is_variable:
                views[i][...] = _reset_value(t)
        for bn in c.nodes:  # op-held state of this batch size (stateful models run on one worker)
            if bn.op.stateful:
                bn.op.reset(bn.params, b)
        graph = self._batch_graphs.get(w)
        if graph is not None:  # resource variables, CALL_ONCE, called subgraphs' variables
            graph.reset(fresh=True)
        for t, a in zip(sg.inputs, arrs):
            views[sg.index_of(t)][...] = a[start:start + b]
        for ev, params, ins, outs in calls:
            ev(params, ins, outs)
        for r, t in zip(result, sg.outputs):
            r[start:start + b] = views[sg.index_of(t)]

    # -- internals ---------------------------------------------------------------------------
    def _arena_views(self, arena: bytearray, b: int) -> list[list[np.ndarray]]:
        """Per subgraph, (b, *shape) views of every tensor; planned ones in ``arena`` at the plan's offsets times b.

        Scaling every planned interval by b keeps disjoint intervals disjoint, so the batched
        arena reuses memory exactly like the single-sample one and stays b x the plan's size.
        """
        c = self._compiled
        sgs = c.model.subgraphs if len(c.subgraphs) > 1 else [c.subgraph]
        views: list[list[np.ndarray | None]] = [[None] * len(sg.tensors) for sg in sgs]
        for rec, off in zip(c.records, c.plan.offsets):
            if rec.tensor is None:  # kernel scratch: planned for fidelity, NumPy kernels need none
                continue
            t = sgs[rec.subgraph].tensors[rec.tensor]
            views[rec.subgraph][rec.tensor] = np.frombuffer(arena, dtype=t.dtype.numpy, count=t.size * b,
                                                            offset=off * b).reshape((b, *t.shape))
        for sg, vs in zip(sgs, views):
            for i, t in enumerate(sg.tensors):
                if vs[i] is None:
                    vs[i] = self._unplanned_view(t, b)
        return views  # type: ignore[return-value]

    def _batch_tensors(self, b: int, w: int = 0) -> tuple[list[np.ndarray], list[Call]]:
        """Worker ``w``'s run() tensors for ``b`` samples: allocated once for the largest b seen, kept.

        A smaller b (the last chunk) takes the first b samples of each tensor, which are disjoint too.
        """
        have = self._batch.get(w)
        if have is None or have[0] < b:
            views = self._arena_views(bytearray(self._compiled.plan.size * b), b)
            have = self._batch[w] = (b, views, *_bind(self._compiled, views, b))
        if have[0] == b:
            self._batch_graphs[w] = have[3]
            return have[1][0], have[2]
        sgs = self._compiled.model.subgraphs if len(have[1]) > 1 else [self._compiled.subgraph]
        views = [[v if t.is_constant else v[:b] for t, v in zip(sg.tensors, vs)]
                 for sg, vs in zip(sgs, have[1])]
        calls, self._batch_graphs[w] = _bind(self._compiled, views, b)
        return views[0], calls

    def _ensure(self) -> None:
        if self._views is None:
            self.allocate_tensors()

    def _tensor(self, index: int) -> Tensor:
        tensors = self._compiled.subgraph.tensors
        if not 0 <= index < len(tensors):
            raise InputError(f"tensor index {index} out of range (0..{len(tensors) - 1})")
        return tensors[index]

    @staticmethod
    def _unplanned_view(t: Tensor, batch: int) -> np.ndarray:
        if t.is_constant:
            arr = t.data.reshape((1, *t.shape))
            return arr
        return np.zeros((batch, *t.shape), dtype=t.dtype.numpy if isinstance(t.dtype, DType) else np.uint8)

    @staticmethod
    def _check_input(t: Tensor, x: np.ndarray, *, batched: bool) -> np.ndarray:
        want_shape = tuple(t.shape)
        got_shape = tuple(x.shape[1:]) if batched else tuple(x.shape)
        want = t.dtype.numpy
        if x.dtype != want:
            if np.issubdtype(x.dtype, np.floating) and np.issubdtype(want, np.integer):
                raise InputError(f"input {t.name!r} is {t.dtype.name} (scale {t.scale:g}, zero point "
                                 f"{t.zero_point}) but got {x.dtype} data: quantize it first",
                                 hint="quantize it first (--quantize-input, or mcuml.interp.quantize_input)")
            if np.can_cast(x.dtype, want, casting="same_kind") and np.issubdtype(x.dtype, np.floating) == \
                    np.issubdtype(want, np.floating) and not np.issubdtype(want, np.integer):
                x = x.astype(want)
            else:
                raise InputError(f"input {t.name!r}: expected dtype {np.dtype(want).name}, got {x.dtype}")
        if got_shape != want_shape:
            lead = "(N, ...) " if batched else ""
            raise InputError(f"input {t.name!r}: expected shape {lead}{list(want_shape)}, got {list(x.shape)}")
        return x


def _chunk_starts(n: int, batch_size: int, workers: int) -> range:
    """run()'s chunks: ``batch_size`` samples on one worker; on several, a few chunks per worker."""
    step = batch_size if workers <= 1 else min(batch_size, -(-n // (workers * RUN_CHUNKS_PER_WORKER)))
    return range(0, n, max(step, min(batch_size, MIN_RUN_CHUNK)))


def sample_axis(tensors: Sequence[Tensor], inputs: np.ndarray | Sequence[np.ndarray]) -> tuple[list[np.ndarray], bool]:
    """run()'s input convention, shared by the C engine's run(): one array per model input, the first axis the
    sample axis. An input of batch dimension 1 may come as ``(N, *shape[1:])`` (samples stacked on the batch
    axis); it is reshaped to ``(N, *shape)`` and ``stacked`` says so (outputs then go back through
    :func:`unstack`)."""
    xs = [inputs] if isinstance(inputs, np.ndarray) else list(inputs)
    if len(xs) != len(tensors):
        raise InputError(f"model has {len(tensors)} inputs, got {len(xs)} arrays")
    stacked = False
    out = []
    for t, x in zip(tensors, xs):
        x = np.asarray(x)
        if x.ndim == len(t.shape) and t.shape and t.shape[0] == 1 and x.shape[1:] == tuple(t.shape[1:]):
            x = x.reshape((x.shape[0], *t.shape))
            stacked = True
        out.append(x)
    return out, stacked


def unstack(result: list[np.ndarray]) -> list[np.ndarray]:
    """The outputs of a run() whose inputs were stacked on the batch axis (:func:`sample_axis`)."""
    return [r.reshape((r.shape[0] * r.shape[1], *r.shape[2:])) if r.ndim > 1 else r for r in result]


def _reset_value(t: Tensor) -> int:
    return t.zero_point if t.dtype == DType.int8 else 0


def _bind(c: CompiledModel, views: list[list[np.ndarray]], b: int) -> tuple[list[Call], Any]:
    """Per node of subgraph 0, the eval call with its input/output arrays resolved, so invoke builds no lists.

    Models with control flow or resource variables get a :class:`mcuml.interp.graph.Graph` over the
    views of every subgraph, and their ops are bound to it (returned second; None otherwise).
    """
    if c.needs_runtime:
        from mcuml.interp.graph import Graph

        graph = Graph(c, views, b)
        return graph.calls(0), graph
    v = views[0]
    return [(bn.op.eval, bn.params, [None if i < 0 else v[i] for i in bn.inputs], [v[i] for i in bn.outputs])
            for bn in c.nodes], None

