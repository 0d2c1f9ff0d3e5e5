"""TANH: int8, int16 and float32.

Ports ``tensorflow/lite/micro/kernels/tanh.cc`` (``CalculateArithmeticOpData``),
``reference/integer_ops/tanh.h`` and ``reference/tanh.h`` (float: ``std::tanh``).

* int8: the output quantization is not read (scale 1/128, zero point 0 assumed, as in TFLM).
  ``d = x - zp``; outside ``±input_range_radius`` saturate; else ``MBQM(d)`` as Q4.27 -> gemmlowp
  ``tanh`` -> Q0.31, ``RDBPOT(·, 24)``.
* int16: zero points 0, output scale 2^-15, interpolation in ``sigmoid_table_uint16`` (tanh(x) =
  2·sigmoid(2x) - 1); power-of-two input scales with left shift 0 or 1 skip the rescale.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.kernels import fixedpoint as fp
from mcuml.kernels.lstm import tanhf
from mcuml.kernels.quant import mbqm, rdbpot
from mcuml.ops import OpContext, register
from mcuml.ops._pointwise import UnaryOp, UnaryParams, require_quantized, unary_params
from mcuml.ops._sigmoid import int8_input_params, int16_input_params, tanh_int16
from mcuml.ops._unary import unary_io
from mcuml.ops._facts import F32, I8, I16, type_refusal

TYPES = (DType.float32, DType.int8, DType.int16)


def tanh_int8(zp: int, mult: int, shift: int, radius: int, x: np.ndarray) -> np.ndarray:
    d = x.astype(np.int64) - zp
    y = fp.tanh(mbqm(d, mult, shift), 4)
    out = np.clip(rdbpot(y, 24), -128, 127)
    return np.where(d <= -radius, -128, np.where(d >= radius, 127, out))


def tanh_float(x: np.ndarray) -> np.ndarray:
    """``std::tanh`` as glibc computes it (bit-exact with the wheel)."""
    return tanhf(np.asarray(x, dtype=np.float32))


@register("TANH")
class Tanh(UnaryOp):
    def prepare_temps(self, node: Operator) -> list:
        """tanh.cc: TanhPrepare holds the input while CalculateArithmeticOpData takes input and output again."""
        return [node.inputs[0], node.inputs[0], node.outputs[0]]

    def tflm_rejects(self, node: Operator, kernels: str = "reference") -> str | None:
        return type_refusal(node, (F32, I8, I16))

    def prepare(self, node: Operator, ctx: OpContext) -> UnaryParams:
        x, y = unary_io(node, ctx, TYPES, same_size=True)
        if x.dtype == DType.float32:
            return unary_params(tanh_float, x.dtype, y.dtype)
        require_quantized(ctx, x)
        if x.dtype == DType.int8:
            mult, shift, radius = int8_input_params(x.scale)
            return unary_params(partial(tanh_int8, x.zero_point, mult, shift, radius), x.dtype, y.dtype)
        require_quantized(ctx, y)
        mult, shift = int16_input_params(ctx, x, y, pot_shifts=(0, 1))
        return unary_params(partial(tanh_int16, mult, shift), x.dtype, y.dtype)
