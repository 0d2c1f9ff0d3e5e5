"""BLAS thread control for the interpreter.

mcuml's matrices are small (a single invoke) or medium (a batch slab): a multi-threaded BLAS
spends more time waking and spinning its threads than multiplying, and on a shared machine the
spinning threads fight for cores with everything else (measured: ResNet-8 invoke 108 ms with
OpenBLAS' default threads under load 5 on 2 cores, 5.7 ms with one). TFLM itself is single
threaded, so the interpreter limits BLAS to ``num_threads`` while it runs and restores the
caller's setting afterwards. ``threadpoolctl`` finds the loaded BLAS; without it this is a no-op.
"""

from __future__ import annotations

from typing import Any

_libs: list[Any] | None = None


def _blas_libs() -> list[Any]:
    global _libs
    if _libs is None:
        try:
            from threadpoolctl import ThreadpoolController

            _libs = list(ThreadpoolController().select(user_api="blas").lib_controllers)
        except Exception:  # noqa: BLE001 - missing or broken threadpoolctl: leave BLAS as it is
            _libs = []
    return _libs


class BlasThreads:
    """Context manager: BLAS runs on ``n`` threads inside (``None``: leave it alone)."""

    __slots__ = ("_saved", "n")

    def __init__(self, n: int | None) -> None:
        self.n = n
        self._saved: list[int] = []

    def __enter__(self) -> BlasThreads:  # noqa: PYI034 - a final class in all but name
        if self.n is None:
            return self
        libs = _blas_libs()
        self._saved = [lib.get_num_threads() for lib in libs]
        for lib, cur in zip(libs, self._saved):
            if cur != self.n:
                lib.set_num_threads(self.n)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.n is None:
            return
        for lib, cur in zip(_blas_libs(), self._saved):
            if cur != self.n:
                lib.set_num_threads(cur)
