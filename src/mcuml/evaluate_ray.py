"""``mcuml eval --ray ADDRESS``: the samples sharded over a Ray cluster (optional extra ``mcuml[ray]``).

Each worker is a Ray actor holding its own compiled :class:`mcuml.Interpreter` (built from the
model's bytes, put once in the object store). The samples are cut into contiguous chunks, dealt to
the actors in turn, and the outputs put back in sample order, so the result is the local run's,
bit for bit, whatever the number of workers or the order in which chunks finish.

``address``: ``"local"`` starts a local Ray instance for this call (``workers`` CPUs); anything else
goes to ``ray.init(address=...)`` (``"auto"``, ``"ray://HOST:10001"``). When Ray is already
initialised in this process, that instance is used and left running.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable

import numpy as np

from mcuml.errors import InputError, McumlError, MissingDependencyError
from mcuml.ir.model import Model

CHUNKS_PER_WORKER = 4  # chunks per actor: progress steps, and a little balancing on uneven nodes
MIN_CHUNK = 32


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise MissingDependencyError("--ray needs Ray", hint='pip install "mcuml[ray]"') from None
    return ray


@lru_cache(maxsize=1)
def _actor_class() -> Any:
    ray = _ray()

    @ray.remote(num_cpus=1)
    class EvalWorker:
        """One compiled interpreter; evaluates the chunks it is given."""

        def __init__(self, model_bytes: bytes, batch_size: int) -> None:
            from mcuml.interp.interpreter import Interpreter

            self.it = Interpreter(model_content=model_bytes)
            self.batch_size = batch_size

        def run(self, xs: list[np.ndarray]) -> tuple[list[np.ndarray], float]:
            """The chunk's outputs and the CPU seconds this actor's process spent on them."""
            import time

            t0 = time.process_time()
            ys = self.it.run(xs, batch_size=self.batch_size, workers=1)
            return ys, time.process_time() - t0

    return EvalWorker


def chunks(n: int, workers: int) -> list[tuple[int, int]]:
    """Contiguous (start, stop) chunks, about CHUNKS_PER_WORKER per worker."""
    step = max(MIN_CHUNK, -(-n // (workers * CHUNKS_PER_WORKER)))
    return [(s, min(n, s + step)) for s in range(0, n, step)]


def _reachable(address: str, timeout: float = 5.0) -> str | None:
    """For ``[ray://]HOST:PORT`` addresses, why the port cannot be reached (Ray itself retries for minutes)."""
    import socket

    hostport = address.split("://", 1)[-1]
    host, _, port = hostport.rpartition(":")
    if not host or not port.isdigit():
        return None  # "auto" and the like: Ray resolves them
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except OSError as e:
        return f"{hostport}: {e.strerror or e}"
    return None


def _connect(ray: Any, address: str, workers: int | None) -> bool:
    """Initialise Ray unless it already is; True when this call started it (and so shuts it down)."""
    if ray.is_initialized():
        return False
    why = None if address == "local" else _reachable(address)
    if why is not None:
        raise McumlError(f"could not connect to the Ray cluster at {address!r} ({why})",
                         hint="start one with `ray start --head`, or use --ray local")
    kw: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, "logging_level": "error"}
    try:
        if address == "local":
            ray.init(num_cpus=workers, **kw)
        else:
            ray.init(address=address, **kw)
    except (ConnectionError, RuntimeError, ValueError) as e:
        raise McumlError(f"could not connect to the Ray cluster at {address!r}: {str(e).splitlines()[0]}",
                         hint="start one with `ray start --head`, or use --ray local") from None
    return True


def run_ray(model: Model, xs: list[np.ndarray], *, address: str, workers: int | None = None, batch_size: int = 256,
            progress: Callable[[int, int], None] | None = None,
            cpu_seconds: list[tuple[int, float]] | None = None) -> tuple[list[np.ndarray], str]:
    """Outputs of ``model`` on ``xs`` computed by Ray actors; returns (outputs, backend description).

    ``cpu_seconds``, when given, receives (actor, CPU seconds) per chunk (for benchmarks).
    """
    if workers is not None and workers < 1:
        raise InputError(f"--ray-workers must be >= 1, got {workers}")
    ray = _ray()
    started = _connect(ray, address, workers)
    actors: list[Any] = []
    try:
        n = xs[0].shape[0]
        cpus = int(ray.cluster_resources().get("CPU", 1))
        nw = max(1, min(workers or cpus, n))
        blob = ray.put(model.to_bytes())
        cls = _actor_class()
        actors = [cls.remote(blob, batch_size) for _ in range(nw)]
        parts = chunks(n, nw)
        futures = [actors[i % nw].run.remote([x[lo:hi] for x in xs]) for i, (lo, hi) in enumerate(parts)]
        index = {f: i for i, f in enumerate(futures)}
        results: list[Any] = [None] * len(futures)
        pending, done = list(futures), 0
        while pending:
            ready, pending = ray.wait(pending, num_returns=1)
            for f in ready:
                i = index[f]
                results[i], cpu = ray.get(f)
                if cpu_seconds is not None:
                    cpu_seconds.append((i % nw, cpu))
                done += parts[i][1] - parts[i][0]
            if progress is not None:
                progress(done, n)
        ys = [np.concatenate([r[k] for r in results]) for k in range(len(results[0]))]
        return ys, f"ray {address} ({nw} worker{'s' if nw > 1 else ''})"
    finally:
        for a in actors:
            ray.kill(a)
        if started:
            ray.shutdown()


__all__ = ["chunks", "run_ray"]
