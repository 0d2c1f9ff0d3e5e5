"""ADD_N: element-wise sum of two or more same-shaped tensors (float32, int8).

Ports ``tensorflow/lite/micro/kernels/add_n.cc`` (``CalculateOpData``) and ``reference/add_n.h``.
int8 inputs share one scale and zero point (TFLM checks this). Each term ``x - zp_in`` is shifted
left by 20 and scaled by ``MBQM_SmallerThanOneExp`` with ``s_in / (2 s_in)``; the scaled terms sum
in int32 and the sum is requantized by ``2 s_in / (2^20 s_out)``, ``+ zp_out``, clamped. TFLM
seeds the accumulator with the scaled ``input_offset`` (``-zp_in``) rather than 0 (its comment says
``x = 0``), so the result carries one extra ``-zp_in`` term; mcuml reproduces that. float32: the
inputs are added left to right in float32.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.kernels.quant import rdbpot, srdhm, wrap_int32
from mcuml.ops import Op, OpContext, register
from mcuml.ops._pointwise import INT8_VALUES, require_quantized, require_types
from mcuml.ops.add import smaller_than_one
from mcuml.ops._facts import F32, I8, POINTER_BYTES, Persistent, opdata, table

ADD_N_INTEGER_SHIFT = 20


@dataclass(frozen=True, slots=True)
class AddNParams:
    is_float: bool
    scaled_table: np.ndarray | None = None  # scaled (x - zp_in) indexed by the uint8 bit pattern of x
    seed: int = 0  # TFLM's initial accumulator: the scaled input_offset
    output_multiplier: int = 0
    output_shift: int = 0
    output_offset: int = 0


@register("ADD_N")
class AddN(Op):

    tflm_arity = (None, 1, (), {}, 0)  # TFLM Prepare's tensor counts; ranks the arena model reads
    tflm_types = frozenset({DType.float32, DType.int8})

    def persistent(self, node: Operator, target: str = "host", kernels: str = "reference") -> Persistent:
        """add_n.cc: int8 allocates its ``OpData`` (requantization parameters) in Prepare."""
        base = opdata(node.name, target, kernels)
        n = table(target)["opdata_prepare"].get(node.name, 0)
        if node.outputs[0].dtype == I8 and n:
            return Persistent(base.init, (n,))
        return base

    def scratch(self, node: Operator, target: str = "host", kernels: str = "reference") -> list[int]:
        """add_n.cc: float32/int8 request an array of one input pointer per input."""
        if node.outputs[0].dtype in (F32, I8):
            return [POINTER_BYTES.get(target, 8) * len(node.inputs)]
        return []

    def prepare(self, node: Operator, ctx: OpContext) -> AddNParams:
        ins = list(node.inputs)
        if len(ins) < 2 or any(t is None for t in ins):
            ctx.fail(f"expects at least 2 inputs, got {len(ins)}")
        if len(node.outputs) != 1:
            ctx.fail(f"expects 1 output, got {len(node.outputs)}")
        y, first = node.outputs[0], ins[0]
        require_types(ctx, first, (DType.float32, DType.int8))
        if y.dtype != first.dtype:
            ctx.fail(f"output type {y.dtype.name} differs from input type {first.dtype.name}")
        for t in ins[1:]:
            if t.dtype != first.dtype:
                ctx.fail(f"input {t.name!r} is {t.dtype.name}, the first input is {first.dtype.name}")
            if tuple(t.shape) != tuple(first.shape):
                ctx.shape_error(f"input {t.name!r} has shape {list(t.shape)}, the first input {list(first.shape)}")
        if tuple(y.shape) != tuple(first.shape):
            ctx.shape_error(f"output shape {list(y.shape)} differs from input shape {list(first.shape)}")
        if first.dtype == DType.float32:
            return AddNParams(True)
        require_quantized(ctx, *ins, y)
        for t in ins[1:]:
            if t.zero_point != first.zero_point or np.float32(t.scale) != np.float32(first.scale):
                ctx.fail(f"int8 input {t.name!r} has a different scale or zero point than the first input")
        s_in = float(first.scale)
        twice_max = 2.0 * s_in
        mi, si = smaller_than_one(ctx, s_in / twice_max, "input")
        mo, so = smaller_than_one(ctx, twice_max / ((1 << ADD_N_INTEGER_SHIFT) * float(y.scale)), "output")

        def scaled(v: np.ndarray) -> np.ndarray:
            return rdbpot(srdhm(np.asarray(v, np.int64) << ADD_N_INTEGER_SHIFT, mi), -si)

        table = scaled(INT8_VALUES.astype(np.int64) - first.zero_point)
        return AddNParams(False, table, int(scaled(-first.zero_point)), mo, so, y.zero_point)

    def eval(self, p: AddNParams, inputs, outputs) -> None:
        if p.is_float:
            acc = inputs[0].astype(np.float32)  # 0 + x0 == x0 exactly
            for x in inputs[1:]:
                acc = acc + x
            outputs[0][...] = acc
            return
        acc = p.seed + p.scaled_table[inputs[0].view(np.uint8)]
        for x in inputs[1:]:
            acc = acc + p.scaled_table[x.view(np.uint8)]
        out = rdbpot(srdhm(wrap_int32(acc), p.output_multiplier), -p.output_shift) + p.output_offset
        outputs[0][...] = np.clip(out, -128, 127)
