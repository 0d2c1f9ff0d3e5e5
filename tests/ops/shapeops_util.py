"""Helpers for the shape/data-movement/reduction op tests: single-op models and batched checks."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from mcuml.ir.build import ModelBuilder
from oracle import assert_same, differential, random_input, tflm_run

QUANT = {"int8": dict(scale=0.05, zero_point=3), "int16": dict(scale=0.01, zero_point=0)}


def qkw(dtype: str, scale: float | None = None, zero_point: int | None = None) -> dict[str, Any]:
    if dtype not in QUANT:
        return {}
    kw = dict(QUANT[dtype])
    if scale is not None:
        kw["scale"] = scale
    if zero_point is not None:
        kw["zero_point"] = zero_point
    return kw


def check(b: ModelBuilder, inputs: Sequence[np.ndarray], batch_samples: int = 3, seed: int = 1) -> list[np.ndarray]:
    """Differential single invoke, then the batched ``run()`` path against TFLM per sample."""
    data = b.build().to_bytes()
    got = differential(data, inputs)
    if batch_samples:
        from mcuml import Interpreter

        rng = np.random.default_rng(seed)
        sg = b.model.main
        samples = [[random_input(t.shape, t.dtype.numpy, rng) for t in sg.inputs] for _ in range(batch_samples)]
        it = Interpreter(model_content=data)
        outs = it.run([np.stack([s[k] for s in samples]) for k in range(len(sg.inputs))])
        for i, s in enumerate(samples):
            want = tflm_run(data, s)
            assert_same([o[i] for o in outs], want)
    return got


def tflm_refuses(b: ModelBuilder, inputs: Sequence[np.ndarray]) -> bool:
    try:
        tflm_run(b.build().to_bytes(), inputs)
    except Exception:
        return True
    return False
