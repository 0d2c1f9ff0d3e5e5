"""Helpers for the element-wise op tests: single-op models, differential + batched checks."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from mcuml.ir.build import ModelBuilder
from oracle import assert_same, differential, tflm_run

INT8_ALL = np.arange(-128, 128, dtype=np.int8)


def qkw(dtype: str, scale: float | None, zp: int | None) -> dict[str, Any]:
    if dtype in ("int8", "int16", "uint8", "int32") and scale is not None:
        return {"scale": scale, "zero_point": zp or 0}
    return {}


def binary_model(op: str, s1: Sequence[int], s2: Sequence[int], dtype: str, q1=(None, None), q2=(None, None),
                 qo=(None, None), options_kind: str | None = None, out_shape: Sequence[int] | None = None,
                 out_dtype: str | None = None, const2: np.ndarray | None = None, **opts: Any) -> bytes:
    b = ModelBuilder()
    x1 = b.input("x1", s1, dtype, **qkw(dtype, *q1))
    if const2 is not None:
        x2 = b.const("x2", const2.astype(dtype), **qkw(dtype, *q2))
    else:
        x2 = b.input("x2", s2, dtype, **qkw(dtype, *q2))
    if out_shape is None:
        out_shape = np.broadcast_shapes(tuple(s1), tuple(s2))
    od = out_dtype or dtype
    y = b.tensor("y", out_shape, od, **qkw(od, *qo))
    b.op(op, [x1, x2], [y], options_kind, **opts)
    b.output(y)
    return b.build().to_bytes()


def unary_model(op: str, shape: Sequence[int], dtype: str, out_dtype: str | None = None, qi=(None, None),
                qo=(None, None), options_kind: str | None = None, **opts: Any) -> bytes:
    b = ModelBuilder()
    od = out_dtype or dtype
    x = b.input("x", shape, dtype, **qkw(dtype, *qi))
    y = b.tensor("y", shape, od, **qkw(od, *qo))
    b.op(op, [x], [y], options_kind, **opts)
    b.output(y)
    return b.build().to_bytes()


def check(model: bytes, inputs: Sequence[np.ndarray], batch: bool = True) -> list[np.ndarray]:
    """Exact differential test against TFLM, plus the batched path on 2 samples (second = first reversed)."""
    got = differential(model, inputs)
    if batch:
        from mcuml import Interpreter

        second = [np.ascontiguousarray(x.reshape(-1)[::-1].reshape(x.shape)) for x in inputs]
        want2 = tflm_run(model, second)
        it = Interpreter(model_content=model)
        outs = it.run([np.stack([a, b]) for a, b in zip(inputs, second)])
        assert_same([o[0] for o in outs], got)
        assert_same([o[1] for o in outs], want2)
    return got


def rand(shape: Sequence[int], dtype: str, rng: np.random.Generator, scale: float = 1.0) -> np.ndarray:
    dt = np.dtype(dtype)
    if np.issubdtype(dt, np.integer):
        info = np.iinfo(dt)
        return rng.integers(info.min, info.max, size=shape, endpoint=True).astype(dt)
    if dt == np.bool_:
        return rng.integers(0, 2, size=shape).astype(bool)
    return (rng.standard_normal(size=shape) * scale).astype(dt)


def all_int8(shape_len: int = 256) -> np.ndarray:
    """All 256 int8 values, shaped (1, 256)."""
    return INT8_ALL.reshape(1, shape_len)


def all_int8_pairs() -> tuple[np.ndarray, np.ndarray]:
    """Every int8 pair as two (1, 256, 256) operands: a varies along axis 1, b along axis 2."""
    a = np.repeat(np.arange(-128, 128), 256).astype(np.int8).reshape(1, 256, 256)
    b = np.tile(np.arange(-128, 128), 256).astype(np.int8).reshape(1, 256, 256)
    return a, b


def pair_quant(rng: np.random.Generator, seed: int, out_log10: tuple[float, float] = (-2.5, 0.5)):
    """(scale, zero point) of input1, input2 and output for an all-pairs test: random scales (the
    output's 10^uniform(*out_log10)), zero points rotating through -128, 127, 0 and a random one."""
    zps = [-128, 127, 0, int(rng.integers(-128, 128))]
    q1 = (float(10 ** rng.uniform(-3, 0)), zps[seed % 4])
    q2 = (float(10 ** rng.uniform(-3, 0)), zps[(seed + 1) % 4])
    qo = (float(10 ** rng.uniform(*out_log10)), zps[(seed + 2) % 4])
    return q1, q2, qo
