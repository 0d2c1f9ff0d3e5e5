"""BATCH_MATMUL: ``out[..., i, j] = sum_k lhs'[..., i, k] * rhs'[..., k, j]`` with broadcast batch dims.

Ports ``tensorflow/lite/micro/kernels/batch_matmul.cc`` and ``reference/batch_matmul.h``: ranks 2..5,
``adj_x``/``adj_y`` transpose the last two dims, batch dims broadcast. float32 sums sequentially
over k; int8 accumulates ``(lhs - lhs_zp) * (rhs - rhs_zp)`` in int32 and requantizes with one
multiplier from ``GetQuantizedConvolutionMultipler`` over the full int8
range (no fused activation); int16 requires zero points 0 and accumulates in int64
(``MultiplyByQuantizedMultiplier`` int64 overload).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.kernels import conv as K
from mcuml.kernels import quant
from mcuml.ops import Cost, Op, OpContext, register
from mcuml.ops._base import io_bytes, param_bytes
from mcuml.ops._facts import F32, I8, I16, weighted_refusal
from mcuml.ops._facts import Persistent, opdata, table, writable_dims


@dataclass(frozen=True, slots=True)
class BatchMatMulParams:
    lhs_shape: tuple[int, ...]  # extended to the output rank
    rhs_shape: tuple[int, ...]
    adj_x: bool
    adj_y: bool
    lhs_const: np.ndarray | None  # (1, *lhs_shape), zero point removed, in the compute dtype
    rhs_const: np.ndarray | None
    lhs_zp: int
    rhs_zp: int
    requant: K.Requant | None
    out_shape: tuple[int, ...]


@register("BATCH_MATMUL")
class BatchMatMul(Op):
    cmsis_nn = True

    def persistent(self, node: Operator, target: str = "host", kernels: str = "reference") -> Persistent:
        """batch_matmul.cc ``InitializeTemporaries``: int8/int16 a ``QuantizationOpDataBatchMatmul``; a
        transposed copy (``TfLiteEvalTensor`` + dims array + the operand's data) of the LHS when adj_x and
        of the RHS unless adj_y, whether or not the operand is constant; then a writable copy of the
        output's dims."""
        base = opdata(node.name, target, kernels)
        t = table(target)
        prep: list[int] = []
        a, b = node.inputs[0], node.inputs[1]
        if a.dtype in (I8, I16):
            prep.append(t["opdata_prepare"]["BATCH_MATMUL"])
        opts = node.options
        copies = ([a] if opts is not None and opts.get("adj_x", False) else []) + \
            ([b] if opts is None or not opts.get("adj_y", False) else [])
        for x in copies:
            prep += [t["structs"]["TfLiteEvalTensor"][0], writable_dims(x), x.nbytes]
        prep.append(writable_dims(node.outputs[0]))  # ReshapeOutputTensor (batch_matmul_common.cc)
        return Persistent(base.init, tuple(prep))

    def tflm_rejects(self, node: Operator, kernels: str = "reference") -> str | None:
        return weighted_refusal(node, 0, 1, frozenset({(F32, F32), (I8, I8), (I16, I16)}))

    def scratch(self, node: Operator, target: str = "host", kernels: str = "reference") -> list[int]:
        if kernels != "cmsis-nn" or node.inputs[0].dtype != I8:
            return []
        from mcuml.plan.cmsis import TARGET_ISA, fully_connected_s8_buffer_size

        n = fully_connected_s8_buffer_size(node.outputs[0].shape[-1], TARGET_ISA.get(target, target))
        return [n] if n > 0 else []

    def prepare(self, node: Operator, ctx: OpContext) -> BatchMatMulParams:
        ctx.require(len(node.inputs) == 2 and len(node.outputs) == 1 and None not in node.inputs,
                    "BATCH_MATMUL takes 2 inputs and 1 output")
        lhs, rhs = node.inputs
        y = node.outputs[0]
        allowed = (DType.float32, DType.int8, DType.int16)
        for t in (lhs, rhs):
            if t.dtype not in allowed:
                ctx.unsupported_type(t, allowed)
        if not (lhs.dtype == rhs.dtype == y.dtype):
            ctx.fail(f"lhs {lhs.dtype.name}, rhs {rhs.dtype.name} and output {y.dtype.name} types must match")
        if not (2 <= len(lhs.shape) <= 5 and 2 <= len(rhs.shape) <= 5):
            ctx.shape_error("BATCH_MATMUL operands must have rank 2..5")
        o = node.options
        adj_x = bool(o.get("adj_x", False)) if o is not None else False
        adj_y = bool(o.get("adj_y", False)) if o is not None else False
        rank = max(len(lhs.shape), len(rhs.shape))
        ls = (1,) * (rank - len(lhs.shape)) + tuple(lhs.shape)
        rs = (1,) * (rank - len(rhs.shape)) + tuple(rhs.shape)
        for a, b in zip(ls[:-2], rs[:-2]):
            if a != b and a != 1 and b != 1:
                ctx.shape_error(f"batch dims of {list(lhs.shape)} and {list(rhs.shape)} do not broadcast")
        depth_l = ls[-2] if adj_x else ls[-1]
        depth_r = rs[-1] if adj_y else rs[-2]
        if depth_l != depth_r:
            ctx.shape_error(f"accumulation depths differ: {depth_l} vs {depth_r}")
        rows = ls[-1] if adj_x else ls[-2]
        cols = rs[-2] if adj_y else rs[-1]
        batch = tuple(max(a, b) for a, b in zip(ls[:-2], rs[:-2]))
        if tuple(y.shape) != batch + (rows, cols):
            ctx.shape_error(f"output shape {list(y.shape)} should be {list(batch + (rows, cols))}")

        requant = None
        lzp = rzp = 0
        dtype = np.float32
        if lhs.dtype != DType.float32:
            dtype = np.float64
            m, s = K.per_tensor_multiplier(lhs.scale, rhs.scale, y.scale)
            qmin, qmax = quant.type_range(y.dtype.numpy)
            if lhs.dtype == DType.int16 and (lhs.zero_point or rhs.zero_point or y.zero_point):
                ctx.fail("int16 BATCH_MATMUL needs zero points of 0")
            lzp, rzp = lhs.zero_point, rhs.zero_point
            requant = K.Requant(np.array([m], np.int64), np.array([s], np.int64), y.zero_point, qmin, qmax,
                                lhs.dtype == DType.int16, y.dtype.numpy)

        def const(t, shape, zp):
            if not t.is_constant:
                return None
            return (t.data.astype(dtype) - zp).reshape((1, *shape))

        return BatchMatMulParams(ls, rs, adj_x, adj_y, const(lhs, ls, lzp), const(rhs, rs, rzp), lzp, rzp, requant,
                                 tuple(y.shape))

    def eval(self, p: BatchMatMulParams, inputs, outputs) -> None:
        dtype = np.float32 if p.requant is None else np.float64
        lhs = p.lhs_const
        if lhs is None:
            lhs = inputs[0].reshape((inputs[0].shape[0], *p.lhs_shape)).astype(dtype) - p.lhs_zp
        rhs = p.rhs_const
        if rhs is None:
            rhs = inputs[1].reshape((inputs[1].shape[0], *p.rhs_shape)).astype(dtype) - p.rhs_zp
        if p.adj_x:
            lhs = np.swapaxes(lhs, -1, -2)
        if p.adj_y:
            rhs = np.swapaxes(rhs, -1, -2)
        if p.requant is None:
            out = K.seq_dot(lhs, rhs)
        else:
            out = p.requant.apply(np.matmul(lhs, rhs).astype(np.int64))
        bsz = max(lhs.shape[0], rhs.shape[0])
        outputs[0][...] = np.broadcast_to(out, (bsz, *p.out_shape))

    def cost(self, node: Operator) -> Cost:
        lhs, y = node.inputs[0], node.outputs[0]
        o = node.options
        adj_x = bool(o.get("adj_x", False)) if o is not None else False
        depth = lhs.shape[-2] if adj_x else lhs.shape[-1]
        return Cost(macs=y.size * depth, param_bytes=param_bytes(node), bytes_in=io_bytes(node.inputs),
                    bytes_out=io_bytes(node.outputs))
