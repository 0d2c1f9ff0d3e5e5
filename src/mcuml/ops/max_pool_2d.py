"""MAX_POOL_2D: maximum over the in-image part of each window; float32, int8, int16.

Ports ``tensorflow/lite/micro/kernels/pooling.cc`` (``MaxEval``) with ``reference/pooling.h`` and
``reference/integer_ops/pooling.h``: the running max starts at the type's lowest value, so
padding with that value leaves it unchanged; the activation clamp follows.
"""

from __future__ import annotations

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.kernels import conv as K
from mcuml.kernels.pool import PoolParams, fold_batch
from mcuml.ops import register
from mcuml.ops._pool_common import Pool2D


@register("MAX_POOL_2D")
class MaxPool2D(Pool2D):

    tflm_arity = ((1,), 1, (0,), {0: 4}, 4)  # TFLM Prepare's tensor counts; ranks the arena model reads
    types = (DType.float32, DType.int8, DType.int16)

    cmsis_nn = True  # kernels/cmsis_nn/ has it

    def eval(self, p: PoolParams, inputs, outputs) -> None:
        x = inputs[0]
        bsz = x.shape[0]
        x = fold_batch(x, p.win)
        lowest = -np.inf if p.dtype == np.float32 else np.iinfo(p.dtype).min
        view = K.windows(K.pad_input(x, p.win, lowest), p.win)
        m = view.max(axis=(3, 4))
        outputs[0][...] = np.clip(m, p.act_min, p.act_max).reshape((bsz, *p.out_shape))

    trusts_stored_output_shape = True  # pooling_common.cc: padding from the computed size, loops over the stored one
