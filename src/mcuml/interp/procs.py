"""Worker processes for ``Interpreter.run(mode="process")``.

Threads share one GIL: two of them give 1.2-1.7x on two cores, two processes nearly 2x. Each
worker process compiles the same model bytes into its own :class:`Interpreter` and runs a
contiguous range of the batch with ``workers=1``; the calling process runs the first range itself
(its core would otherwise wait). Inputs and outputs travel through two ``shared_memory`` blocks,
kept by the pool and grown when a batch needs more, so a call copies only the workers' input
slices in and their output slices out; the pipes carry a small request per range.

Workers are fresh interpreters (``subprocess``, like multiprocessing's "spawn": the parent has BLAS
and pool threads, whose locks a forked child would inherit in any state), started with ``-c`` so
that, unlike "spawn", they never re-import the caller's ``__main__`` (a script without a
``__name__ == "__main__"`` guard would start workers again from each worker). The pool lives as long as its interpreter
(``Interpreter.close()``, garbage collection, or interpreter exit shut it down).
"""

from __future__ import annotations

import atexit
import contextlib
import pickle
import socket
import subprocess
import sys
import threading
import traceback
import weakref
from multiprocessing import shared_memory
from multiprocessing.connection import Connection
from typing import Any

import numpy as np

from mcuml.errors import McumlError

MIN_RANGE = 16  # fewer samples per process cost more in copies and pipe round trips than they save
ALIGN = 64  # tensor slots in a shared block start on cache lines
Spec = tuple[int, tuple[int, ...], str]  # (byte offset in the block, full array shape, dtype.str)

_CHILD = "import sys; from mcuml.interp.procs import _worker_main; _worker_main(int(sys.argv[1]))"
_pools: weakref.WeakSet[ProcessPool] = weakref.WeakSet()


def _layout(shapes: list[tuple[tuple[int, ...], np.dtype]]) -> tuple[list[Spec], int]:
    specs, off = [], 0
    for shape, dt in shapes:
        specs.append((off, tuple(int(s) for s in shape), np.dtype(dt).str))
        off += -(-int(np.prod(shape, dtype=np.int64)) * np.dtype(dt).itemsize // ALIGN) * ALIGN
    return specs, max(off, 1)


def _views(buf: Any, specs: list[Spec]) -> list[np.ndarray]:
    return [np.ndarray(shape, dtype=np.dtype(dt), buffer=buf, offset=off) for off, shape, dt in specs]


def _worker_main(fd: int) -> None:
    """A worker process: compile once, then run the ranges the parent sends until told to stop."""
    from multiprocessing import resource_tracker
    from multiprocessing.connection import Connection

    from mcuml.interp.interpreter import Interpreter

    conn = Connection(fd)
    it = None
    blocks: dict[str, shared_memory.SharedMemory] = {}
    try:
        model_bytes, num_threads = conn.recv()
        it = Interpreter(model_content=model_bytes, num_threads=num_threads)
        conn.send(("ok", None))
    except BaseException as e:  # noqa: BLE001 - reported to the parent
        conn.send(("err", _pack(e)))
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            break
        if msg is None:
            break
        try:
            if it is None:
                raise McumlError("worker could not compile the model")
            in_name, in_specs, out_name, out_specs, lo, hi, batch_size = msg
            for name in [k for k in blocks if k not in (in_name, out_name)]:  # the parent grew a block
                blocks.pop(name).close()
            for name in (in_name, out_name):
                if name not in blocks:
                    blocks[name] = shared_memory.SharedMemory(name=name)
                    # the parent owns (and unlinks) the block; this process' own tracker must not
                    resource_tracker.unregister(blocks[name]._name, "shared_memory")
            arrs = _views(blocks[in_name].buf, in_specs)
            result = _views(blocks[out_name].buf, out_specs)
            it._run_range(lo, hi, batch_size, arrs, result)
            del arrs, result  # no exported views left when a block is closed
            conn.send(("ok", None))
        except BaseException as e:  # noqa: BLE001 - reported to the parent
            conn.send(("err", _pack(e)))
    for b in blocks.values():
        b.close()


def _pack(e: BaseException) -> bytes:
    tb = "".join(traceback.format_exception(type(e), e, e.__traceback__))
    try:
        blob = pickle.dumps(e)
        pickle.loads(blob)
    except Exception:  # noqa: BLE001 - an exception that does not survive pickling goes as text
        blob = None
    return pickle.dumps((type(e).__name__, str(e), tb, blob))


def _unpack(packed: bytes) -> McumlError:
    name, text, tb, blob = pickle.loads(packed)
    if blob is not None:
        e = pickle.loads(blob)
        if isinstance(e, McumlError):
            return e
    return McumlError(f"run() worker process failed: {name}: {text}", worker_traceback=tb)


class ProcessPool:
    """Worker processes for one model; ``run_ranges`` runs batch ranges on them."""

    def __init__(self, model_bytes: bytes, num_threads: int | None) -> None:
        self._bytes = model_bytes
        self._num_threads = num_threads
        self._procs: list[tuple[Any, Any]] = []  # (process, parent end of its pipe)
        self._blocks: dict[str, shared_memory.SharedMemory | None] = {"in": None, "out": None}
        self._lock = threading.Lock()
        _pools.add(self)

    @property
    def size(self) -> int:
        return len(self._procs)

    def _grow(self, n: int) -> None:
        started = []
        while len(self._procs) < n:
            ours, theirs = socket.socketpair()
            try:
                p = subprocess.Popen([sys.executable, "-c", _CHILD, str(theirs.fileno())],
                                     pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL)
            finally:
                theirs.close()
            conn = Connection(ours.detach())
            self._procs.append((p, conn))
            conn.send((self._bytes, self._num_threads))
            started.append(conn)
        for conn in started:  # all new workers compile at once, then each is checked
            self._reply(conn)

    def _block(self, key: str, nbytes: int) -> shared_memory.SharedMemory:
        b = self._blocks[key]
        if b is None or b.size < nbytes:
            if b is not None:
                b.close()
                b.unlink()
            b = self._blocks[key] = shared_memory.SharedMemory(create=True, size=nbytes)
        return b

    def _reply(self, conn: Any) -> None:
        try:
            status, payload = conn.recv()
        except (EOFError, OSError) as e:
            self.close()
            raise McumlError("run() worker process died") from e
        if status != "ok":
            raise _unpack(payload)

    def send(self, w: int, msg: Any) -> None:
        self._procs[w][1].send(msg)

    def run_ranges(self, arrs: list[np.ndarray], result: list[np.ndarray], ranges: list[tuple[int, int]],
                   batch_size: int, local: Any) -> None:
        """``ranges[0]`` by ``local(lo, hi)`` in this process, ``ranges[1:]`` on the workers; fills ``result``."""
        with self._lock:
            self._grow(len(ranges) - 1)
            in_specs, in_size = _layout([(a.shape, a.dtype) for a in arrs])
            out_specs, out_size = _layout([(r.shape, r.dtype) for r in result])
            bin_, bout = self._block("in", in_size), self._block("out", out_size)
            sh_in, sh_out = _views(bin_.buf, in_specs), _views(bout.buf, out_specs)
            try:
                sent = []
                for w, (lo, hi) in enumerate(ranges[1:]):
                    for s, a in zip(sh_in, arrs):
                        s[lo:hi] = a[lo:hi]
                    try:
                        self.send(w, (bin_.name, in_specs, bout.name, out_specs, lo, hi, batch_size))
                    except (OSError, ValueError) as e:
                        self.close()
                        raise McumlError("run() worker process died") from e
                    sent.append(w)
                err: BaseException | None = None
                try:
                    local(*ranges[0])
                except BaseException as e:  # noqa: BLE001 - re-raised once the workers are done
                    err = e
                for w in sent:  # every reply is read, so no stale reply waits in a pipe
                    try:
                        self._reply(self._procs[w][1])
                    except BaseException as e:  # noqa: BLE001 - the first error wins
                        if err is None:
                            err = e
                        if not self._procs:  # closed: the other pipes are gone
                            break
                if err is not None:
                    raise err
                for (lo, hi) in ranges[1:]:
                    for r, s in zip(result, sh_out):
                        r[lo:hi] = s[lo:hi]
            finally:
                del sh_in, sh_out

    def close(self) -> None:
        """Stop the workers and free the shared blocks (idempotent)."""
        procs, self._procs = self._procs, []
        for _, conn in procs:
            try:
                conn.send(None)
            except (OSError, ValueError):
                pass
        for p, conn in procs:
            try:
                p.wait(timeout=2)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=2)
            conn.close()
        for key, b in self._blocks.items():
            if b is not None:
                try:
                    b.close()
                    b.unlink()
                except (OSError, BufferError):
                    pass
                self._blocks[key] = None

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # at interpreter shutdown modules may be half torn down
            self.close()


@atexit.register
def _close_all() -> None:
    for pool in list(_pools):
        pool.close()


def split(n: int, parts: int) -> list[tuple[int, int]]:
    """``range(n)`` as ``parts`` contiguous near-equal ranges."""
    bounds = [n * k // parts for k in range(parts + 1)]
    return [(bounds[k], bounds[k + 1]) for k in range(parts) if bounds[k + 1] > bounds[k]]
