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
