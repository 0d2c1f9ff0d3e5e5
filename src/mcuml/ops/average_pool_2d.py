"""AVERAGE_POOL_2D: mean over the in-image part of each window; float32, int8, int16.

Ports ``tensorflow/lite/micro/kernels/pooling.cc`` (``AverageEval``) with the reference kernels
``reference/pooling.h`` (float: sequential float32 sum / count) and
``reference/integer_ops/pooling.h`` (int32 sum, then division rounding half away from zero:
``(acc +- count/2) / count`` with C's truncating division).
"""

from __future__ import annotations

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.kernels import conv as K
from mcuml.kernels.pool import PoolParams, float_tap_sum, fold_batch
from mcuml.ops import register
from mcuml.ops._pool_common import Pool2D
from mcuml.ir.model import Operator


@register("AVERAGE_POOL_2D")
class AveragePool2D(Pool2D):

    tflm_arity = ((1,), 1, (0,), {0: 4}, 4)  # TFLM Prepare's tensor counts; ranks the arena model reads
    types = (DType.float32, DType.int8, DType.int16)

    cmsis_nn = True

    def scratch(self, node: Operator, target: str = "host", kernels: str = "reference") -> list[int]:
        """cmsis_nn/pooling.cc: int8/int16 request ``arm_avgpool_s8/s16_get_buffer_size`` bytes."""
        x = node.inputs[0]
        if kernels != "cmsis-nn" or x.dtype not in (DType.int8, DType.int16):
            return []
        from mcuml.plan.cmsis import TARGET_ISA, avgpool_buffer_size

        n = avgpool_buffer_size(x.shape[3], TARGET_ISA.get(target, target))
        return [n] if n > 0 else []

    def eval(self, p: PoolParams, inputs, outputs) -> None:
        x = inputs[0]
        bsz = x.shape[0]
        x = fold_batch(x, p.win)
        shape = (bsz, *p.out_shape)
        if p.dtype == np.float32:
            total = float_tap_sum(K.pad_input(x, p.win, 0.0), p.win)
            avg = total / p.counts.astype(np.float32)
            outputs[0][...] = np.clip(avg, p.act_min, p.act_max).reshape(shape)
            return
        view = K.windows(K.pad_input(x, p.win, 0), p.win)
        acc = view.sum(axis=(3, 4), dtype=np.int32)
        n = p.counts.astype(np.int32)
        half = n // 2
        acc = np.where(acc > 0, (acc + half) // n, -((half - acc) // n))
        outputs[0][...] = np.clip(acc, p.act_min, p.act_max).astype(p.dtype).reshape(shape)

    trusts_stored_output_shape = True  # pooling_common.cc, as MAX_POOL_2D
