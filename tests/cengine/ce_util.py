"""Helpers of the C engine tests: build a model's C engine, compare it with the TFLM wheel."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from oracle import assert_same, tflm_run

from mcuml.cengine import CEngine


def check_c(model: bytes, inputs: Sequence[np.ndarray], batch: bool = True, **options) -> CEngine:
    """C engine == TFLM exactly (float: 1e-5 relative) on ``inputs``; with ``batch`` also ``run()`` on 2 samples."""
    e = CEngine(model_content=model, **options)
    for d, x in zip(e.get_input_details(), inputs):
        e.set_tensor(d["index"], x)
    e.invoke()
    got = [e.get_tensor(d["index"]) for d in e.get_output_details()]
    want = tflm_run(model, inputs)
    assert_same(got, want)
    assert e.generated.arena_bytes <= e.generated.tflm_arena_bytes
    if batch:
        second = [np.ascontiguousarray(x.reshape(-1)[::-1].reshape(x.shape)) for x in inputs]
        want2 = tflm_run(model, second)
        outs = e.run([np.stack([a, b]) for a, b in zip(inputs, second)])
        assert_same([o[0] for o in outs], want)
        assert_same([o[1] for o in outs], want2)
    return e
