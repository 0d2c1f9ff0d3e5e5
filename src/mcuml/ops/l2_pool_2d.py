"""L2_POOL_2D: ``sqrt(mean(x^2))`` over the in-image part of each window; float32 only (as TFLM).

Ports ``tensorflow/lite/micro/kernels/l2_pool_2d.cc`` and ``reference/pooling.h`` (``L2Pool``):
sequential float32 sum of squares, division by the tap count, float sqrt, activation clamp.
"""

from __future__ import annotations

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.kernels import conv as K
from mcuml.kernels.pool import PoolParams, float_tap_sum, fold_batch
from mcuml.ops import register
from mcuml.ops._pool_common import Pool2D
from mcuml.ir.model import Operator
from mcuml.ops._facts import Persistent, opdata, writable_dims


@register("L2_POOL_2D")
class L2Pool2D(Pool2D):

    tflm_arity = ((1,), 1, (0,), {0: 4}, 4)  # TFLM Prepare's tensor counts; ranks the arena model reads
    types = (DType.float32,)

    tflm_types = (DType.float32,)  # l2_pool_2d.cc

    def persistent(self, node: Operator, target: str = "host", kernels: str = "reference") -> Persistent:
        """Prepare makes the output dims writable (``CreateWritableTensorDimsWithCopy``, l2_pool_2d.cc)."""
        base = opdata(node.name, target, kernels)
        return Persistent(base.init, (writable_dims(node.outputs[0]),))

    def eval(self, p: PoolParams, inputs, outputs) -> None:
        x = inputs[0]
        bsz = x.shape[0]
        x = fold_batch(x, p.win)
        total = float_tap_sum(K.pad_input(x, p.win, 0.0), p.win, square=True)
        res = np.sqrt(total / p.counts.astype(np.float32))
        outputs[0][...] = np.clip(res, p.act_min, p.act_max).reshape((bsz, *p.out_shape))
