"""EQUAL, NOT_EQUAL, GREATER, GREATER_EQUAL, LESS, LESS_EQUAL with broadcasting; bool output.

Ports ``tensorflow/lite/micro/kernels/comparisons.cc`` and ``reference/comparisons.h``. float32,
int32 and int64 compare raw values (EQUAL/NOT_EQUAL also bool). int8 compares after rescaling
both operands (``ComparisonWithScaling``): ``MBQM_SmallerThanOneExp((x - zp) << 8, m, s)`` with
``(m, s) = QuantizeMultiplierSmallerThanOneExp(scale)`` of each input. TFLM's int16 GREATER path
reads scaling parameters it never computes, so int16 is rejected here.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.kernels.quant import rdbpot, srdhm
from mcuml.ops import OpContext, register
from mcuml.ops._pointwise import BinaryOp, BinaryParams, binary_params, io, require_quantized, require_types
from mcuml.ops.add import smaller_than_one

FUNCS = {"EQUAL": np.equal, "NOT_EQUAL": np.not_equal, "GREATER": np.greater, "GREATER_EQUAL": np.greater_equal,
         "LESS": np.less, "LESS_EQUAL": np.less_equal}


def scaled_compare(fn, off1: int, m1: int, s1: int, off2: int, m2: int, s2: int, a: np.ndarray,
                   b: np.ndarray) -> np.ndarray:
    sa = rdbpot(srdhm((a.astype(np.int64) + off1) << 8, m1), -s1)
    sb = rdbpot(srdhm((b.astype(np.int64) + off2) << 8, m2), -s2)
    return fn(sa, sb)


def raw_compare(fn, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return fn(a, b)


class Comparison(BinaryOp):
    # comparisons.cc: each Eval's type switch
    _EQ = frozenset({DType.float32, DType.int8, DType.int32, DType.int64, DType.bool})
    _ORD = frozenset({DType.float32, DType.int8, DType.int32, DType.int64})
    tflm_types = {"EQUAL": _EQ, "NOT_EQUAL": _EQ, "GREATER": _ORD | {DType.int16}, "GREATER_EQUAL": _ORD,
                  "LESS": _ORD, "LESS_EQUAL": _ORD}

    def prepare(self, node: Operator, ctx: OpContext) -> BinaryParams:
        (x1, x2), (y,) = io(node, ctx, 2)
        types = [DType.float32, DType.int32, DType.int64, DType.int8]
        if self.name in ("EQUAL", "NOT_EQUAL"):
            types.append(DType.bool)
        require_types(ctx, x1, types)
        if x2.dtype != x1.dtype:
            ctx.fail(f"inputs have different types ({x1.dtype.name}, {x2.dtype.name})")
        require_types(ctx, y, (DType.bool,))
        fn = FUNCS[self.name]
        if x1.dtype != DType.int8:
            return binary_params(ctx, x1, x2, y, partial(raw_compare, fn))
        require_quantized(ctx, x1, x2)
        m1, s1 = smaller_than_one(ctx, float(x1.scale), "input1 scale")
        m2, s2 = smaller_than_one(ctx, float(x2.scale), "input2 scale")
        f = partial(scaled_compare, fn, -x1.zero_point, m1, s1, -x2.zero_point, m2, s2)
        return binary_params(ctx, x1, x2, y, f, lut_dtype=np.bool_)


for _name in FUNCS:
    register(_name)(type(_name.title().replace("_", ""), (Comparison,), {"name": _name}))
