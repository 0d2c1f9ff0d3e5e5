"""RELU, RELU6 (TFLM) and RELU_N1_TO_1 (TFLite reference; TFLM has no kernel for it).

Ports ``tensorflow/lite/micro/kernels/activations.cc`` / ``activations_common.cc`` /
``activations.h``:

* RELU int8/int16: ``clamp(zp_out + MBQM(x - zp_in, m, s), max(qmin, zp_out), qmax)`` with
  ``m = in_scale / out_scale`` (``CalculateReluOpData``); int16 needs zero points 0. The source
  divides in float32, but the wheel's results match a double quotient (checked on all int16
  inputs), so mcuml divides in double.
* RELU6 int8/int16: clamps the *input* codes to ``[zp_in, FloatToQuantizedType(6, in_scale, zp_in)]``
  without rescaling (TFLM ignores the output quantization).
* RELU_N1_TO_1: TFLite's ``Relu1Eval`` (``tensorflow/lite/kernels/activations.cc``, ``QuantizedReluX``
  with [-1, 1]): ``clamp(zp_out + MBQM(x - zp_in, m, s), zp_out + round(-1/s_out),
  zp_out + round(1/s_out))`` limited to the type range, with ``m = in_scale / out_scale``; float
  clamps to [-1, 1]. It is checked against that formula, not against the TFLM wheel.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.kernels.quant import mbqm, quantize_multiplier, round_half_away, type_range
from mcuml.ops import OpContext, register
from mcuml.ops._pointwise import UnaryOp, UnaryParams, require_quantized, unary_params
from mcuml.ops._unary import unary_io

TYPES = (DType.float32, DType.int8, DType.int16)


def relu_x(in_zp: int, out_zp: int, mult: int, shift: int, lo: int, hi: int, x: np.ndarray) -> np.ndarray:
    return np.clip(out_zp + mbqm(x.astype(np.int64) - in_zp, mult, shift), lo, hi)


def clamp_codes(lo, hi, x: np.ndarray) -> np.ndarray:
    return np.minimum(np.maximum(x, lo), hi)


@register("RELU")
class Relu(UnaryOp):
    tflm_types = frozenset({DType.float32, DType.int8, DType.int16})

    def prepare_temps(self, node: Operator) -> list:
        """activations_common.cc ReluPrepare: Prepare holds only these temporary tensors."""
        return [node.inputs[0], node.outputs[0]]

    def prepare(self, node: Operator, ctx: OpContext) -> UnaryParams:
        x, y = unary_io(node, ctx, TYPES, same_size=True)
        if x.dtype == DType.float32:
            return unary_params(partial(clamp_codes, np.float32(0), np.float32(np.inf)), x.dtype, y.dtype)
        require_quantized(ctx, x, y)
        if x.dtype == DType.int16 and (x.zero_point or y.zero_point):
            ctx.fail("int16 RELU needs zero points of 0")
        mult, shift = quantize_multiplier(float(x.scale) / float(y.scale))
        qmin, qmax = type_range(y.dtype.numpy)
        lo = max(qmin, y.zero_point)  # zp + roundf(0 / scale)
        return unary_params(partial(relu_x, x.zero_point, y.zero_point, mult, shift, lo, qmax), x.dtype, y.dtype)


@register("RELU6")
class Relu6(UnaryOp):
    tflm_types = frozenset({DType.float32, DType.int8, DType.int16})

    def prepare_temps(self, node: Operator) -> list:
        """activations_common.cc Relu6Prepare (the input): Prepare holds only these temporary tensors."""
        return [node.inputs[0]]

    def prepare(self, node: Operator, ctx: OpContext) -> UnaryParams:
        x, y = unary_io(node, ctx, TYPES, same_size=True)
        if x.dtype == DType.float32:
            return unary_params(partial(clamp_codes, np.float32(0), np.float32(6)), x.dtype, y.dtype)
        require_quantized(ctx, x)
        qmin, qmax = type_range(x.dtype.numpy)
        # FloatToQuantizedType(6.0f, scale, zp): round(float 6 / float scale) + zp, clamped
        six = int(round_half_away(np.float32(6.0) / np.float32(x.scale))) + x.zero_point
        six = min(max(six, qmin), qmax)
        return unary_params(partial(clamp_codes, x.zero_point, six), x.dtype, y.dtype)


@register("RELU_N1_TO_1")
class ReluN1To1(UnaryOp):
    def prepare(self, node: Operator, ctx: OpContext) -> UnaryParams:
        x, y = unary_io(node, ctx, TYPES, same_size=True)
        if x.dtype == DType.float32:
            return unary_params(partial(clamp_codes, np.float32(-1), np.float32(1)), x.dtype, y.dtype)
        require_quantized(ctx, x, y)
        mult, shift = quantize_multiplier(float(x.scale) / float(y.scale))
        qmin, qmax = type_range(y.dtype.numpy)
        s = np.float32(y.scale)
        lo = max(qmin, y.zero_point + int(round_half_away(np.float32(-1.0) / s)))
        hi = min(qmax, y.zero_point + int(round_half_away(np.float32(1.0) / s)))
        return unary_params(partial(relu_x, x.zero_point, y.zero_point, mult, shift, lo, hi), x.dtype, y.dtype)
