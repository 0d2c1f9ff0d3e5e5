"""Simple unary math: EXP, LOG, SQRT, SIN, COS, SQUARE, FLOOR, CEIL, ROUND (float32), ABS
(float32, int8, int16 quantized or not), NEG (float32; TFLM's NEG has no int8 path).

Ports ``tensorflow/lite/micro/kernels/elementwise.cc`` (ABS/SIN/COS/LOG/SQRT/RSQRT/SQUARE),
``exp.cc``, ``floor.cc``, ``ceil.cc``, ``round.cc`` (``RoundToNearest``: ties to even) and
``neg.cc``. Float results are float32 libm values (NumPy's float32 functions agree with them to
within the float tolerance of the tests). Quantized ABS: ``|x - zp_in|``, rescaled by
``QuantizeMultiplier(in_scale / out_scale)`` only when the scales differ, ``+ zp_out``, clamped;
an int16 tensor without quantization takes the plain ``std::abs``. RSQRT (float32, int8, int16)
lives in ``rsqrt.py``.
"""

from __future__ import annotations

from functools import partial
from typing import Callable

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.kernels.lstm import expf
from mcuml.kernels.quant import mbqm, quantize_multiplier, type_range
from mcuml.ops import OpContext, register
from mcuml.ops._pointwise import UnaryOp, UnaryParams, require_quantized, unary_params
from mcuml.ops._unary import unary_io

F32 = np.float32


def _f(fn: Callable[[np.ndarray], np.ndarray]) -> Callable[[np.ndarray], np.ndarray]:
    def run(x: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            return fn(x.astype(np.float32)).astype(np.float32)

    return run


FLOAT_FUNCS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "EXP": _f(expf),  # glibc's expf, bit-exact; LOG/SIN/COS are NumPy's (<= 2 ulp from libm)
    "LOG": _f(np.log),
    "SQRT": _f(np.sqrt),
    "SIN": _f(np.sin),
    "COS": _f(np.cos),
    "SQUARE": _f(lambda x: x * x),
    "FLOOR": _f(np.floor),
    "CEIL": _f(np.ceil),
    "ROUND": _f(np.rint),  # RoundToNearest: ties to even
}


class FloatUnary(UnaryOp):
    tflm_types = frozenset({DType.float32})  # elementwise.cc / exp.cc / floor.cc / ceil.cc / round.cc: float32 only

    def prepare(self, node: Operator, ctx: OpContext) -> UnaryParams:
        x, y = unary_io(node, ctx, (DType.float32,), same_size=True)
        return unary_params(FLOAT_FUNCS[self.name], x.dtype, y.dtype)


for _name in FLOAT_FUNCS:
    register(_name)(type(f"{_name.title().replace('_', '')}Op", (FloatUnary,), {"name": _name}))


def abs_quantized(in_zp: int, out_zp: int, rescale: tuple[int, int] | None, qmin: int, qmax: int,
                  x: np.ndarray) -> np.ndarray:
    value = np.abs(x.astype(np.int64) - in_zp)
    if rescale is not None:
        value = mbqm(value, *rescale)
    return np.clip(value + out_zp, qmin, qmax)


@register("ABS")
class Abs(UnaryOp):
    tflm_types = frozenset({DType.float32, DType.int8, DType.int16})

    def prepare(self, node: Operator, ctx: OpContext) -> UnaryParams:
        x, y = unary_io(node, ctx, (DType.float32, DType.int8, DType.int16), same_size=True)
        if x.dtype == DType.float32:
            return unary_params(_f(np.abs), x.dtype, y.dtype)
        if x.dtype == DType.int16 and not (x.quantization and x.quantization.scale):
            return unary_params(lambda v: np.abs(v.astype(np.int64)), x.dtype, y.dtype)  # std::abs, wraps at -32768
        require_quantized(ctx, x, y)
        if x.dtype == DType.int16 and (x.zero_point or y.zero_point):
            ctx.fail("quantized int16 ABS needs zero points of 0")
        needs_rescale = np.float32(x.scale) != np.float32(y.scale)
        rescale = quantize_multiplier(float(x.scale) / float(y.scale)) if needs_rescale else None
        qmin, qmax = type_range(x.dtype.numpy)
        return unary_params(partial(abs_quantized, x.zero_point, y.zero_point, rescale, qmin, qmax), x.dtype, y.dtype)


@register("NEG")
class Neg(UnaryOp):
    tflm_types = frozenset({DType.float32})

    def prepare_temps(self, node: Operator) -> list:
        """neg.cc: no Prepare (registered with a nullptr prepare), so no temporary tensors."""
        return []

    def prepare(self, node: Operator, ctx: OpContext) -> UnaryParams:
        x, y = unary_io(node, ctx, (DType.float32,), same_size=True)
        return unary_params(_f(np.negative), x.dtype, y.dtype)
