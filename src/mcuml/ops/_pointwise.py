"""Shared machinery of the element-wise ops (binary arithmetic, activations, conversions).

* Broadcasting: TFLM's ``BroadcastBinaryOpSimple`` (``reference/binary_function.h``, up to 6-D)
  right-aligns the two input shapes. Arrays here carry a leading sample axis, so each input is
  reshaped to ``(n, *shape extended to the output rank)`` before NumPy broadcasting.
* Lookup tables: an int8 element-wise kernel is a pure function of its (one or two) int8
  operands, so ``prepare`` evaluates the exact TFLM formula once on every possible operand
  (256 values, or 256 x 256 pairs) and ``eval`` is a single gather. The table *is* the formula:
  bit-exactness is tested by feeding all 256 values (or random pairs) through the wheel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator, Tensor
from mcuml.kernels.quant import (ACT_NONE, ACT_RELU, ACT_RELU6, ACT_RELU_N1_TO_1, activation_range_float,
                                 activation_range_quantized, type_range)
from mcuml.kernels.scratch import buffer
from mcuml.ops import Op, OpContext

MAX_BROADCAST_RANK = 6
INT8_VALUES = np.arange(256, dtype=np.uint8).view(np.int8)  # table order: index = uint8 bit pattern
INT16_VALUES = np.arange(65536, dtype=np.uint16).view(np.int16)


def fused_activation(node: Operator) -> int:
    opts = node.options
    return int(opts.get("fused_activation_function", ACT_NONE) or ACT_NONE) if opts is not None else ACT_NONE


def option(node: Operator, name: str, default: Any) -> Any:
    opts = node.options
    if opts is None:
        return default
    v = opts.get(name, default)
    return default if v is None else v


def io(node: Operator, ctx: OpContext, n_in: int, n_out: int = 1) -> tuple[list[Tensor], list[Tensor]]:
    """Check the input/output counts; returns the (non-None) tensors."""
    ins = list(node.inputs)
    if len(ins) != n_in or any(t is None for t in ins):
        ctx.invalid(f"expects {n_in} input(s), got {len(ins)}")
    if len(node.outputs) != n_out:
        ctx.invalid(f"expects {n_out} output(s), got {len(node.outputs)}")
    return ins, list(node.outputs)  # type: ignore[return-value]


def require_types(ctx: OpContext, t: Tensor, allowed: Sequence[DType]) -> None:
    if t.dtype not in allowed:
        ctx.unsupported_type(t, allowed)


def require_quantized(ctx: OpContext, *tensors: Tensor, tflm_checks: bool = False) -> None:
    """``tflm_checks``: the TFLM kernel's Prepare refuses (or aborts on) a missing quantization too."""
    for t in tensors:
        q = t.quantization
        if q is None or not q.scale:
            why = f"{t.dtype.name} tensor {t.name!r} has no quantization parameters"
            ctx.invalid(why) if tflm_checks else ctx.fail(why)


def int_activation_range(act: int, dtype: DType) -> tuple[int, int]:
    """``CalculateActivationRange<int32_t>`` (un-quantized integer outputs)."""
    lo, hi = type_range(dtype.numpy)
    if act == ACT_RELU:
        return 0, hi
    if act == ACT_RELU6:
        return 0, 6
    if act == ACT_RELU_N1_TO_1:
        return -1, 1
    return lo, hi


def quant_activation_range(act: int, out: Tensor) -> tuple[int, int]:
    lo, hi = type_range(out.dtype.numpy)
    return activation_range_quantized(act, out.scale, out.zero_point, lo, hi)


def float_activation_range(act: int) -> tuple[np.float32, np.float32]:
    lo, hi = activation_range_float(act)
    return np.float32(lo), np.float32(hi)


def wrap(x: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Two's complement wrap of int64 values into ``dtype`` (C integer overflow on x86)."""
    return np.asarray(x, dtype=np.int64).astype(dtype)


# --- binary element-wise ----------------------------------------------------------------------

BinaryFn = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True, slots=True)
class BinaryParams:
    shape1: tuple[int, ...]
    shape2: tuple[int, ...]
    fn: BinaryFn  # exact formula on broadcast operands; returns values castable to the output type
    lut: np.ndarray | None = None  # int8 x int8 -> out table, indexed (u8(a) << 8) | u8(b)


def broadcast_shapes(ctx: OpContext, x1: Tensor, x2: Tensor, out: Tensor) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Validate NumPy/TFLite broadcasting of x1, x2 to out; return both shapes extended to out's rank."""
    s1, s2 = tuple(x1.shape), tuple(x2.shape)
    try:
        full = np.broadcast_shapes(s1, s2)
    except ValueError:
        ctx.shape_error(f"shapes {list(s1)} and {list(s2)} do not broadcast")
    if tuple(full) != tuple(out.shape):
        ctx.shape_error(f"broadcast shape {list(full)} differs from output shape {list(out.shape)}")
    rank = len(full)
    if rank > MAX_BROADCAST_RANK:
        ctx.shape_error(f"rank {rank} exceeds TFLM's {MAX_BROADCAST_RANK}-D broadcasting")
    return (1,) * (rank - len(s1)) + s1, (1,) * (rank - len(s2)) + s2


def binary_params(ctx: OpContext, x1: Tensor, x2: Tensor, out: Tensor, fn: BinaryFn,
                  lut_dtype: np.dtype | None = None) -> BinaryParams:
    """Params of a binary element-wise op; with ``lut_dtype`` (int8 operands) the 64K table is built."""
    s1, s2 = broadcast_shapes(ctx, x1, x2, out)
    lut = None
    if lut_dtype is not None:
        a = INT8_VALUES.astype(np.int64)[:, None]
        b = INT8_VALUES.astype(np.int64)[None, :]
        lut = np.ascontiguousarray(np.asarray(fn(a, b)).astype(lut_dtype).reshape(-1))
    return BinaryParams(s1, s2, fn, lut)


def eval_binary(p: BinaryParams, inputs: list, outputs: list) -> None:
    x1, x2 = inputs[0], inputs[1]
    a = x1.reshape((x1.shape[0], *p.shape1))
    b = x2.reshape((x2.shape[0], *p.shape2))
    if p.lut is not None and a.shape == b.shape and a.flags.c_contiguous and b.flags.c_contiguous \
            and outputs[0].flags.c_contiguous and outputs[0].dtype == p.lut.dtype:
        _lut_binary(p.lut, a.reshape(-1).view(np.uint8), b.reshape(-1).view(np.uint8), outputs[0].reshape(-1))
    elif p.lut is not None:
        # uint16 indices: a quarter of intp's memory traffic, and NumPy gathers with them directly
        idx = a.view(np.uint8).astype(np.uint16)
        idx <<= 8
        outputs[0][...] = p.lut[np.bitwise_or(idx, b.view(np.uint8), out=idx if a.shape == b.shape else None)]
    else:
        outputs[0][...] = p.fn(a, b)


LUT_CHUNK = 1 << 18  # elements per table-lookup slab (measured: 2^16 and 2^20 slower)


def _lut_binary(lut: np.ndarray, a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    """``out = lut[(a << 8) | b]`` over flat uint8 operands, in slabs whose uint16 indices stay in cache.

    ``np.take`` into ``out`` skips the gathered temporary and its copy (mode "wrap" skips the
    bounds check too: a 16-bit index always fits the 64K table).
    """
    n = a.shape[0]
    idx = buffer("binary.lut_idx", (min(n, LUT_CHUNK),), np.uint16)
    for s in range(0, n, LUT_CHUNK):
        e = min(n, s + LUT_CHUNK)
        i = idx[:e - s]
        i[...] = a[s:e]
        i <<= 8
        np.bitwise_or(i, b[s:e], out=i)
        np.take(lut, i, out=out[s:e], mode="wrap")


class BinaryOp(Op):
    """Base of binary element-wise ops: subclasses implement ``prepare`` returning BinaryParams."""

    def eval(self, p: BinaryParams, inputs, outputs) -> None:
        eval_binary(p, inputs, outputs)


# --- unary element-wise -----------------------------------------------------------------------

UnaryFn = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True, slots=True)
class UnaryParams:
    fn: UnaryFn | None  # exact formula; None when a table covers every input
    lut: np.ndarray | None = None  # indexed by the input's unsigned bit pattern (int8/uint8/int16)
    view: Any = None  # unsigned dtype to view the input as for the table lookup


def unary_params(fn: UnaryFn, in_dtype: DType, out_dtype: np.dtype | DType, *, table: bool = True) -> UnaryParams:
    """Params of a unary op; 8-bit and 16-bit integer inputs get an exhaustive table of ``fn``."""
    out_np = out_dtype.numpy if isinstance(out_dtype, DType) else np.dtype(out_dtype)
    if table and in_dtype in (DType.int8, DType.uint8, DType.int16):
        if in_dtype == DType.int16:
            values, view = INT16_VALUES, np.uint16
        elif in_dtype == DType.int8:
            values, view = INT8_VALUES, np.uint8
        else:
            values, view = np.arange(256, dtype=np.uint8), np.uint8
        lut = np.ascontiguousarray(np.asarray(fn(values)).astype(out_np))
        return UnaryParams(None, lut, view)
    return UnaryParams(fn)


def eval_unary(p: UnaryParams, inputs: list, outputs: list) -> None:
    x = inputs[0]
    if p.lut is not None:
        outputs[0][...] = p.lut[x.view(p.view)]
    else:
        outputs[0][...] = p.fn(x)


class UnaryOp(Op):
    def eval(self, p: UnaryParams, inputs, outputs) -> None:
        eval_unary(p, inputs, outputs)
