"""A small process-wide thread pool for ``Interpreter.run()``'s sample chunks.

NumPy's ufunc loops and BLAS release the GIL, so chunks of a batch run on several cores from
plain threads. The pool's threads live as long as the process: each keeps its
``kernels.scratch`` buffers (per thread) from one ``run()`` to the next, which a pool made per
call would throw away (and pay the page faults again). Tasks never wait on other tasks, so
interpreters in different threads may share the pool without deadlock.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable

MAX_WORKERS = 4  # beyond this the batched kernels are memory-bound; more threads only add contention

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pool_size = 0


def default_workers() -> int:
    """Cores this process may run on, capped at ``MAX_WORKERS``."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    return max(1, min(MAX_WORKERS, n))


def run_parallel(task: Callable[[int], None], workers: int) -> None:
    """``task(w)`` for w in range(workers): w = 0 on the calling thread, the others on the pool.

    Re-raises the first exception (after every task has finished, so no task still writes into
    buffers the caller is about to reuse).
    """
    if workers <= 1:
        task(0)
        return
    futures = [_executor(workers - 1).submit(task, w) for w in range(1, workers)]
    err: BaseException | None = None
    try:
        task(0)
    except BaseException as e:  # noqa: BLE001 - re-raised below once the other tasks are done
        err = e
    for f in futures:
        e2 = _wait(f)
        if err is None:
            err = e2
    if err is not None:
        raise err


def _wait(f: Future) -> BaseException | None:
    try:
        f.result()
    except BaseException as e:  # noqa: BLE001 - reported by the caller
        return e
    return None


def _executor(n: int) -> ThreadPoolExecutor:
    global _pool, _pool_size
    with _lock:
        if _pool is None or _pool_size < n:
            # the old pool's threads finish their queued work and exit; its scratch buffers go with them
            old = _pool
            _pool = ThreadPoolExecutor(max_workers=n, thread_name_prefix="mcuml-run")
            _pool_size = n
            if old is not None:
                old.shutdown(wait=False)
        return _pool


class AutoWorkers:
    """Picks run()'s worker count by timing: one worker or ``n``, whichever gives less wall time per sample.

    Threads pay off only while cores are free and a model's NumPy calls are long enough to hide
    the GIL hand-offs between them: on a loaded machine, or for a model of tiny layers, one worker
    is faster (measured: ad01 with 2 workers 4x slower under load 3.5 on 2 cores). Results are
    the same either way, so the first calls take turns with each count (their work is used), the
    faster one is kept, and the choice is timed again every ``RECHECK`` calls as the load changes,
    or sooner when a call with the kept count runs ``SLOWER`` times slower than the other count's
    timing (the machine got busier).
    """

    __slots__ = ("_calls", "_choice", "_trials", "last")

    TRIALS = 2  # timed calls per candidate
    RECHECK = 32
    SLOWER = 1.25

    def __init__(self) -> None:
        self._trials: dict[int, list[float]] = {}
        self._choice: int | None = None
        self._calls = 0
        self.last: int | None = None  # the count the last recorded call used

    @property
    def choice(self) -> int | None:
        """The count kept after the last timing (None while timing)."""
        return self._choice

    def pick(self, n: int) -> int:
        """The worker count for the next call (``n``: the most that are worth trying)."""
        self._calls += 1
        if self._choice is not None and self._calls % self.RECHECK:
            return min(self._choice, n)
        if self._choice is not None:  # time both again
            self._choice = None
            self._trials = {}
        for cand in (1, n):
            if len(self._trials.get(cand, ())) < self.TRIALS:
                return cand
        return min(self._choice or n, n)

    def record(self, used: int, n: int, seconds_per_sample: float) -> None:
        """Time of a call made with ``used`` workers, out of the ``n`` that were possible."""
        self.last = used
        if self._choice is not None:
            other = self._trials.get(n if self._choice == 1 else 1)
            if used == self._choice and other and seconds_per_sample > self.SLOWER * min(other):
                self._choice = None  # time both again from the next call
                self._trials = {}
            return
        if used not in (1, n):
            return
        self._trials.setdefault(used, []).append(seconds_per_sample)
        one, many = self._trials.get(1, ()), self._trials.get(n, ())
        if len(one) >= self.TRIALS and len(many) >= self.TRIALS:
            self._choice = 1 if min(one) <= min(many) else n
