"""Builders of random single-op NN models (conv family, FC, pooling) for the differential tests."""

from __future__ import annotations

from typing import Sequence

import numpy as np
from oracle import tflm_run

from mcuml import Interpreter
from mcuml.ir.build import ModelBuilder

HYBRID_ERROR = "Hybrid models are not supported on TFLite Micro"

INT_RANGE = {"int8": (-128, 127), "int16": (-32768, 32767)}


def qtensor_kwargs(dtype: str, scale: float, zp: int) -> dict:
    if dtype == "float32":
        return {}
    return {"scale": scale, "zero_point": zp if dtype == "int8" else 0}


def rand_weights(rng: np.random.Generator, shape, dtype: str) -> np.ndarray:
    if dtype == "float32":
        return rng.standard_normal(shape).astype(np.float32)
    return rng.integers(-127, 128, size=shape).astype(np.int8)


def filter_quant(rng: np.random.Generator, n_ch: int, per_channel: bool, qdim: int) -> dict:
    if per_channel:
        scales = rng.uniform(0.002, 0.02, size=n_ch)
        return {"scale": scales, "zero_point": [0] * n_ch, "quantized_dimension": qdim}
    return {"scale": float(rng.uniform(0.002, 0.02)), "zero_point": 0, "quantized_dimension": qdim}


def out_scale_for(in_scale: float, w_scale: float, depth: int, gain: float) -> float:
    """An output scale that puts typical accumulators in range; ``gain`` > 1 forces saturation."""
    return in_scale * w_scale * np.sqrt(depth) * 64.0 / gain


def bias_for(rng: np.random.Generator, n: int, dtype: str, act_dtype: str, typical: float) -> tuple[np.ndarray, str]:
    if act_dtype == "float32":
        return rng.standard_normal(n).astype(np.float32), "float32"
    vals = rng.integers(-int(typical), int(typical) + 1, size=n)
    return vals.astype({"int64": np.int64, "int16": np.int16}.get(dtype, np.int32)), dtype


def conv_like_model(op: str, *, act_dtype: str, in_shape, w_shape, out_shape, options: dict, options_kind: str,
                    rng: np.random.Generator, per_channel: bool = True, qdim: int = 0, n_out_ch: int,
                    in_zp: int = 0, out_zp: int = 0, gain: float = 1.0, bias: bool = True,
                    bias_dtype: str = "int32", depth: int = 1, in_scale: float = 0.05,
                    extra_first: list | None = None) -> bytes:
    """One CONV_2D/DEPTHWISE_CONV_2D/FULLY_CONNECTED/TRANSPOSE_CONV node (``extra_first``: leading inputs)."""
    b = ModelBuilder()
    wdtype = "float32" if act_dtype == "float32" else "int8"
    if act_dtype == "int16":
        in_zp = out_zp = 0
    x = b.input("x", in_shape, act_dtype, **qtensor_kwargs(act_dtype, in_scale, in_zp))
    wq = filter_quant(rng, n_out_ch, per_channel, qdim) if wdtype == "int8" else {}
    w = b.const("w", rand_weights(rng, w_shape, wdtype), **wq)
    mean_ws = float(np.mean(wq["scale"])) if wq else 1.0
    lead = [b.const(name, arr) for name, arr in (extra_first or [])]
    ins = lead + ([w, x] if extra_first else [x, w])
    if bias:
        typical = 64 * 127 * np.sqrt(depth) * (1 if act_dtype == "int8" else 256)
        bv, bt = bias_for(rng, n_out_ch, bias_dtype, act_dtype, min(typical, 30000 if bias_dtype == "int16" else typical))
        bscale = in_scale * np.asarray(wq["scale"]) if wq else None
        kw = {"scale": bscale, "zero_point": [0] * n_out_ch if np.ndim(bscale) else 0} if wq else {}
        ins.append(b.const("b", bv, bt, **kw))
    y = b.tensor("y", out_shape, act_dtype, **qtensor_kwargs(act_dtype, out_scale_for(in_scale, mean_ws, depth, gain),
                                                             out_zp))
    b.op(op, ins, [y], options_kind, **options)
    b.output(y)
    return b.build().to_bytes()


def rand_input(rng: np.random.Generator, shape, dtype: str) -> np.ndarray:
    if dtype == "float32":
        return rng.standard_normal(shape).astype(np.float32)
    lo, hi = INT_RANGE[dtype]
    return rng.integers(lo, hi + 1, size=shape).astype(dtype)


def pool_model(op: str, dtype: str, in_shape, filt, stride, padding: int, act: int, scale: float = 0.05,
               zp: int = 0) -> bytes:
    from mcuml.kernels.conv import compute_out_size

    n, h, w, c = in_shape
    oh = compute_out_size(padding, h, filt[0], stride[0])
    ow = compute_out_size(padding, w, filt[1], stride[1])
    b = ModelBuilder()
    kw = qtensor_kwargs(dtype, scale, zp)
    x = b.input("x", in_shape, dtype, **kw)
    y = b.tensor("y", (n, oh, ow, c), dtype, **kw)
    b.op(op, [x], [y], "Pool2DOptions", padding=padding, stride_h=stride[0], stride_w=stride[1],
         filter_height=filt[0], filter_width=filt[1], fused_activation_function=act)
    b.output(y)
    return b.build().to_bytes()


def assert_run_matches_invokes(model: bytes, inputs: Sequence[np.ndarray]) -> None:
    """``Interpreter.run`` on inputs with a leading sample axis equals TFLM invoked on each sample."""
    got = Interpreter(model_content=model).run(list(inputs))[0]
    for i in range(inputs[0].shape[0]):
        assert np.array_equal(got[i], tflm_run(model, [x[i] for x in inputs])[0])


def hybrid_model(op: str, in_shape, w_shape, out_shape, options_kind: str, **options) -> bytes:
    """float32 activations with int8 weights (a hybrid model, which TFLM rejects)."""
    b = ModelBuilder()
    x = b.input("x", in_shape, "float32")
    w = b.const("w", np.ones(w_shape, np.int8), scale=0.1, zero_point=0)
    y = b.tensor("y", out_shape, "float32")
    b.op(op, [x, w], [y], options_kind, **options)
    b.output(y)
    return b.build().to_bytes()


def small_int8_conv(rng: np.random.Generator) -> bytes:
    """A small per-channel int8 CONV_2D + ReLU model (9x8x5 -> 9x8x6) for interpreter-path tests."""
    opts = {"padding": 0, "stride_h": 1, "stride_w": 1, "dilation_h_factor": 1, "dilation_w_factor": 1,
            "fused_activation_function": 1}
    return conv_like_model("CONV_2D", act_dtype="int8", in_shape=(1, 9, 8, 5), w_shape=(6, 3, 3, 5),
                           out_shape=(1, 9, 8, 6), options=opts, options_kind="Conv2DOptions", rng=rng,
                           per_channel=True, qdim=0, n_out_ch=6, in_zp=-7, out_zp=3, gain=1.0, bias=True,
                           bias_dtype="int32", depth=45)
