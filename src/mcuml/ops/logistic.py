"""LOGISTIC (sigmoid): int8, int16 and float32.

Ports ``tensorflow/lite/micro/kernels/logistic.cc`` / ``logistic_common.cc``
(``CalculateArithmeticOpDataLogistic``), ``reference/integer_ops/logistic.h`` and
``reference/logistic.h`` (float, with TFLM's cut-offs at -9 and 16.619...).

* int8: output zero point must be -128 (scale 1/256 assumed). ``d = x - zp``; outside
  ``±input_range_radius`` saturate; else ``MBQM(d)`` as Q4.27 -> gemmlowp ``logistic`` -> Q0.31,
  ``RDBPOT(·, 23) - 128``.
* int16: zero points 0, output scale 2^-15; input rescaled to 1/(3·4096) units and interpolated in
  TFLM's ``sigmoid_table_uint16``.
Both integer paths are evaluated once on every input value in prepare (a 256/65536 table).
"""

from __future__ import annotations

from functools import partial

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.kernels import fixedpoint as fp
from mcuml.kernels.lstm import logistic_f32
from mcuml.kernels.quant import mbqm, rdbpot
from mcuml.ops import OpContext, register
from mcuml.ops._pointwise import UnaryOp, UnaryParams, require_quantized, unary_params
from mcuml.ops._sigmoid import int8_input_params, int16_input_params, logistic_int16
from mcuml.ops._unary import unary_io
from mcuml.ops._facts import F32, I8, I16, type_refusal

TYPES = (DType.float32, DType.int8, DType.int16)


def logistic_int8(zp: int, mult: int, shift: int, radius: int, x: np.ndarray) -> np.ndarray:
    d = x.astype(np.int64) - zp
    y = fp.logistic(mbqm(d, mult, shift), 4)
    out = np.clip(rdbpot(y, 23) - 128, -128, 127)
    return np.where(d <= -radius, -128, np.where(d >= radius, 127, out))


def logistic_float(x: np.ndarray) -> np.ndarray:
    """``reference_ops::Logistic<float>`` with glibc's ``expf`` (bit-exact with the wheel)."""
    return logistic_f32(x)


@register("LOGISTIC")
class Logistic(UnaryOp):
    def tflm_rejects(self, node: Operator, kernels: str = "reference") -> str | None:
        return type_refusal(node, (F32, I8, I16))

    def prepare(self, node: Operator, ctx: OpContext) -> UnaryParams:
        x, y = unary_io(node, ctx, TYPES, same_size=True)
        if x.dtype == DType.float32:
            return unary_params(logistic_float, x.dtype, y.dtype)
        require_quantized(ctx, x, y, tflm_checks=True)  # logistic_common.cc
        if x.dtype == DType.int8:
            if y.zero_point != -128:
                ctx.fail(f"int8 output zero point must be -128, got {y.zero_point}")
            mult, shift, radius = int8_input_params(x.scale)
            return unary_params(partial(logistic_int8, x.zero_point, mult, shift, radius), x.dtype, y.dtype)
        mult, shift = int16_input_params(ctx, x, y, pot_shifts=(0,))
        return unary_params(partial(logistic_int16, mult, shift), x.dtype, y.dtype)
