"""kernels.scratch: one reusable block per key and thread."""

from __future__ import annotations

import threading

import numpy as np

from mcuml.kernels import scratch


def test_same_key_reuses_memory_and_grows() -> None:
    scratch.release()
    a = scratch.buffer("t.a", (4, 8), np.float64)
    b = scratch.buffer("t.a", (2, 3), np.float32)
    assert a.flags.c_contiguous and b.shape == (2, 3) and b.dtype == np.float32
    assert np.shares_memory(a, b)
    c = scratch.buffer("t.a", (100, 100), np.float64)  # larger: a new block
    assert c.shape == (100, 100) and not np.shares_memory(a, c)
    assert not np.shares_memory(c, scratch.buffer("t.other", (100, 100), np.float64))


def test_pools_are_per_thread() -> None:
    mine = scratch.buffer("t.thread", (64,), np.float64)
    theirs = []
    th = threading.Thread(target=lambda: theirs.append(scratch.buffer("t.thread", (64,), np.float64)))
    th.start()
    th.join()
    assert not np.shares_memory(mine, theirs[0])
