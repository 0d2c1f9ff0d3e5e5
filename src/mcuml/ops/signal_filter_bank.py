"""SignalFilterBank: triangular mel filter bank over uint32 energies, uint64 accumulators.

Ports ``signal/micro/kernels/filter_bank.cc`` and ``signal/src/filter_bank.cc``
(``FilterbankAccumulateChannels``): channel i sums ``weights * energy`` over its band plus the
``unweights * energy`` of channel i-1's band, in uint64 (int16 weights sign-extend, sums wrap mod
2**64); the output drops channel 0 (``work_area + 1``). Prepare folds the five constant tables into
one dense (channels, bins) uint64 matrix, so eval is a single integer matmul.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.ops import Cost, Op, OpContext, register
from mcuml.ops._base import io_bytes, param_bytes
from mcuml.ops._signal import io, options, require
from mcuml.ops._facts import Persistent, custom_options, opdata


@dataclass(frozen=True, slots=True)
class FilterBankParams:
    matrix: np.ndarray  # (num_channels, bins) uint64: output channel c = work_area[c + 1]


@register("CUSTOM:SignalFilterBank")
class SignalFilterBank(Op):

    tflm_arity = (None, -1, (0,), {}, 0)  # the Signal kernels read input 0 (TF_LITE_ENSURE(input))
    tflm_types = frozenset({DType.int16})
    tflm_type_operand = 1

    def persistent(self, node: Operator, target: str = "host", kernels: str = "reference") -> Persistent:
        """filter_bank.cc Init: the params struct and a ``uint64`` work area of ``num_channels + 1``."""
        base = opdata(node.name, target, kernels)
        return Persistent(base.init + (8 * (int(custom_options(node).get("num_channels", 0)) + 1),))

    def prepare(self, node: Operator, ctx: OpContext) -> FilterBankParams:
        ins, (y,) = io(node, ctx, 6, 1)
        x, weights, unweights, freq_starts, weight_starts, widths = ins
        opts = options(node, ctx, "num_channels")
        require(ctx, x, (DType.uint32,), 1)
        for t in ins[1:]:
            require(ctx, t, (DType.int16,), 1)
            if not t.is_constant:
                ctx.fail(f"filter bank table {t.name!r} must be constant")
        require(ctx, y, (DType.uint64,), 1)
        c = int(opts["num_channels"])
        if min(freq_starts.shape[0], weight_starts.shape[0], widths.shape[0]) < c + 1 or y.shape[0] > c:
            ctx.shape_error(f"{c} channels need {c + 1} band entries and at most {c} outputs")
        w, u = weights.data.astype(np.int64), unweights.data.astype(np.int64)
        fs, ws, wd = (t.data.astype(np.int64) for t in (freq_starts, weight_starts, widths))
        bins = x.shape[0]
        ctx.budget(16 * (c + 2) * bins, "the channel x bin weight matrix")
        acc = np.zeros((c + 2, bins), dtype=np.int64)  # row i: channel i's weights + channel i-1's unweights
        for i in range(c + 1):  # static tables, once per model
            j = np.arange(max(int(wd[i]), 0))
            f, k = fs[i] + j, ws[i] + j
            if j.size and (f.min() < 0 or f.max() >= bins or k.min() < 0 or k.max() >= min(w.size, u.size)):
                ctx.shape_error(f"channel {i}'s band leaves the energy or weight tables")
            np.add.at(acc[i], f, w[k])
            np.add.at(acc[i + 1], f, u[k])
        matrix = acc[1:1 + y.shape[0]].astype(np.uint64)  # two's complement: negative weights wrap
        return FilterBankParams(np.ascontiguousarray(matrix.T))

    def eval(self, p: FilterBankParams, inputs, outputs) -> None:
        outputs[0][...] = inputs[0].astype(np.uint64) @ p.matrix

    def cost(self, node: Operator) -> Cost:
        widths = node.inputs[5].data.astype(np.int64)
        return Cost(macs=int(2 * np.maximum(widths, 0).sum()), param_bytes=param_bytes(node),
                    bytes_in=io_bytes(node.inputs), bytes_out=io_bytes(node.outputs))
