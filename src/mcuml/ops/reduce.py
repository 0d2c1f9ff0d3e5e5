"""MEAN, SUM, REDUCE_MAX, REDUCE_MIN, REDUCE_ALL.

Ports ``tensorflow/lite/micro/kernels/reduce.cc`` / ``reduce_common.cc`` and
``tensorflow/lite/kernels/internal/reference/reduce.h``:

* int8/int16 MEAN and SUM (``QuantizedMeanOrSum``): int32 sum over the axes, minus
  ``input_zp * N``, requantized with ``QuantizeMultiplier(input_scale / output_scale)``; MEAN
  folds the division by N into the multiplier: ``k = min(floor(log2 N), 32, 31 + shift)``,
  ``multiplier' = (multiplier << k) / N``, ``shift' = shift - k``.
* float32 MEAN/SUM accumulate in float32 in input (row-major) order, like the reference loop, and
  MEAN divides the float32 sum by N.
* REDUCE_MAX/MIN: float32 and int8 (int8 needs equal input/output quantization).
* REDUCE_ALL: bool.

Axes must be constant (mcuml's shapes are static); negative and repeated axes resolve like
``ResolveAxis`` (wrapped, duplicates dropped).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.kernels.quant import mbqm, quantize_multiplier, type_range, wrap_int32
from mcuml.ops import Cost, Op, OpContext, register
from mcuml.ops._base import io_bytes, param_bytes
from mcuml.ops._shape_util import const_ints, n_inputs, require_dtype, same_dtype, same_quant, tensor_in
from mcuml.ops._facts import F32, I8, I16, inp

# above this many reduced elements the float sum runs in float64 instead of the sequential
# float32 loop (more accurate than TFLM, much faster)
_SEQUENTIAL_LIMIT = 4096


@dataclass(frozen=True, slots=True)
class ReduceParams:
    kind: str  # "mean" | "sum" | "max" | "min" | "all"
    axes: tuple[int, ...]  # resolved, sorted, in batched coordinates (sample axis is 0)
    count: int  # N: number of reduced elements per output
    out_shape: tuple[int, ...]
    integer: bool
    input_zp: int = 0
    output_zp: int = 0
    output_multiplier: int = 0
    output_shift: int = 0
    qmin: int = 0
    qmax: int = 0


_KIND = {"MEAN": "mean", "SUM": "sum", "REDUCE_MAX": "max", "REDUCE_MIN": "min", "REDUCE_ALL": "all"}


@register("MEAN", "SUM", "REDUCE_MAX", "REDUCE_MIN", "REDUCE_ALL")
class Reduce(Op):

    tflm_arity = ((2,), 1, (0, 1), {}, 0)  # TFLM Prepare's tensor counts; ranks the arena model reads
    # reduce.cc / reduce_common.cc: the Prepare checks and Eval type switches
    tflm_types = {"MEAN": frozenset({F32, I8, I16}), "SUM": frozenset({F32, I8, I16}), "REDUCE_MAX": frozenset({F32, I8}),
                  "REDUCE_MIN": frozenset({F32, I8}), "REDUCE_ALL": frozenset({DType.bool})}

    def prepare_temps(self, node: Operator) -> list:
        """reduce_common.cc: PrepareSimple (input, axis, output) and the Mean/Sum or Min/Max helper (input,
        output, axis again) each take their temps; nothing is reclaimed before the next reset."""
        x, axis, y = node.inputs[0], inp(node, 1), node.outputs[0]
        return [x, axis, y, x, y, axis]

    def scratch(self, node: Operator, target: str = "host", kernels: str = "reference") -> list[int]:
        """reduce_common.cc: MEAN/SUM int8/int16 an int32 accumulator per output element; then the
        ``resolved_axis`` and ``temp_index`` index arrays (``4·num_axis``, ``4·input_rank``; MAX/MIN/ALL
        ``4·input_rank``, ``4·axis_elems``)."""
        x, axis, y = node.inputs[0], inp(node, 1), node.outputs[0]
        n_axis = 0 if axis is None else axis.size
        if node.name in ("MEAN", "SUM"):
            out = [4 * y.size] if x.dtype in (I8, I16) else []
            return out + [4 * len(x.shape), 4 * n_axis]
        return [4 * len(x.shape), 4 * n_axis]

    def prepare(self, node: Operator, ctx: OpContext) -> ReduceParams:
        kind = _KIND[node.name]
        n_inputs(node, ctx, 2)
        x, y = tensor_in(node, 0, ctx), node.outputs[0]
        axis_t = tensor_in(node, 1, ctx, "axis")
        if axis_t.dtype != DType.int32:
            ctx.unsupported_type(axis_t, (DType.int32,))
        if kind in ("mean", "sum"):
            require_dtype(ctx, x, (DType.float32, DType.int8, DType.int16))
        elif kind == "all":
            require_dtype(ctx, x, (DType.bool,))
        else:
            require_dtype(ctx, x, (DType.float32, DType.int8))
        same_dtype(ctx, x, y)
        rank = len(x.shape)
        axes: list[int] = []
        for a in const_ints(node, 1, ctx, "axis").ravel():
            r = int(a) + rank if a < 0 else int(a)
            if not 0 <= r < rank:
                ctx.shape_error(f"axis {int(a)} out of range for rank {rank}")
            if r not in axes:
                axes.append(r)
        keep = bool(node.options.get("keep_dims", False)) if node.options is not None else False
        want = [1 if i in axes else d for i, d in enumerate(x.shape)] if keep else \
            [d for i, d in enumerate(x.shape) if i not in axes]
        if int(np.prod(want, dtype=np.int64)) != y.size:
            ctx.shape_error(f"output {y.name!r} has shape {list(y.shape)}, expected {want}")
        count = int(np.prod([x.shape[a] for a in axes], dtype=np.int64))
        base = dict(kind=kind, axes=tuple(sorted(a + 1 for a in axes)), count=count, out_shape=tuple(y.shape),
                    integer=x.dtype in (DType.int8, DType.int16))
        if kind in ("max", "min") and x.dtype == DType.int8:
            same_quant(ctx, x, y)
        if kind in ("mean", "sum") and base["integer"]:
            mult, shift = quantize_multiplier(float(np.float64(np.float32(x.scale)) / np.float64(np.float32(y.scale))))
            if kind == "mean" and count > 0:
                k = min(count.bit_length() - 1, 32, 31 + shift)
                mult = (mult << k) // count  # C truncation; both operands are positive
                shift -= k
            qmin, qmax = type_range(x.dtype.numpy)
            return ReduceParams(**base, input_zp=x.zero_point, output_zp=y.zero_point, output_multiplier=mult,
                                output_shift=shift, qmin=qmin, qmax=qmax)
        return ReduceParams(**base)

    def eval(self, p: ReduceParams, inputs, outputs) -> None:
        x, y = inputs[0], outputs[0]
        out = y.reshape((y.shape[0], -1))
        if p.kind in ("max", "min", "all"):
            f = {"max": np.max, "min": np.min, "all": np.all}[p.kind]
            out[...] = f(x, axis=p.axes).reshape(out.shape) if x.size else out
            return
        if p.integer:
            # the int32 sum wraps exactly like TFLM's int32 accumulator
            acc = wrap_int32(x.sum(axis=p.axes, dtype=np.int32).astype(np.int64) - p.input_zp * p.count)
            r = mbqm(acc, p.output_multiplier, p.output_shift) + p.output_zp
            out[...] = np.clip(r, p.qmin, p.qmax).reshape(out.shape)
            return
        acc = _float_sum(x, p.axes, p.count)
        if p.kind == "mean" and p.count > 0:
            acc = acc / np.float32(p.count)
        out[...] = acc.reshape(out.shape)

    def cost(self, node: Operator) -> Cost:
        return Cost(elementwise=node.inputs[0].size, param_bytes=param_bytes(node), bytes_in=io_bytes(node.inputs),
                    bytes_out=io_bytes(node.outputs))


def _float_sum(x: np.ndarray, axes: tuple[int, ...], count: int) -> np.ndarray:
    """Sum in the reference kernel's order: float32, one reduced element after the other."""
    keep = [a for a in range(x.ndim) if a not in axes]
    xt = x.transpose((*keep, *axes)).reshape((*[x.shape[a] for a in keep], count))
    if count > _SEQUENTIAL_LIMIT:
        return xt.sum(axis=-1, dtype=np.float64).astype(np.float32)
    acc = np.zeros(xt.shape[:-1], dtype=np.float32)
    for i in range(count):
        acc += xt[..., i]
    return acc
