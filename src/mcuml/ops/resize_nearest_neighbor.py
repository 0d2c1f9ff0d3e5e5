"""RESIZE_NEAREST_NEIGHBOR on NHWC tensors.

Ports ``tensorflow/lite/micro/kernels/resize_nearest_neighbor.cc`` and
``reference/resize_nearest_neighbor.h`` (``GetNearestNeighbor``): the scale is computed in
float32, ``align_corners`` rounds (``TfLiteRound``, half away from zero) and otherwise floors,
``half_pixel_centers`` adds 0.5 before scaling and clamps at 0; indices clamp at ``size - 1``.
The size tensor must be constant (as in TFLM) and match the output's H and W.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.kernels.quant import round_half_away
from mcuml.ops import Op, OpContext, register
from mcuml.ops._shape_util import check_shape, resize_io


@dataclass(frozen=True, slots=True)
class ResizeNearestParams:
    rows: tuple[int, ...]
    cols: tuple[int, ...]


def nearest_indices(out_size: int, in_size: int, align_corners: bool, half_pixel_centers: bool) -> np.ndarray:
    """``GetNearestNeighbor`` for every output index at once, in float32 like the C++."""
    if align_corners and out_size > 1:
        scale = np.float32(in_size - 1) / np.float32(out_size - 1)
    else:
        scale = np.float32(in_size) / np.float32(out_size)
    offset = np.float32(0.5 if half_pixel_centers else 0.0)
    v = (np.arange(out_size, dtype=np.float32) + offset) * scale
    idx = round_half_away(v) if align_corners else np.floor(v)
    idx = np.minimum(idx.astype(np.int64), in_size - 1)
    if half_pixel_centers:
        idx = np.maximum(idx, 0)
    return idx


@register("RESIZE_NEAREST_NEIGHBOR")
class ResizeNearestNeighbor(Op):
    tflm_types = frozenset({DType.float32, DType.int8, DType.int16})

    def prepare(self, node: Operator, ctx: OpContext) -> ResizeNearestParams:
        x, y, oh, ow, ac, hp = resize_io(node, ctx, (DType.float32, DType.int8, DType.int16))
        check_shape(ctx, y, [x.shape[0], oh, ow, x.shape[3]])
        return ResizeNearestParams(tuple(nearest_indices(oh, x.shape[1], ac, hp).tolist()),
                                   tuple(nearest_indices(ow, x.shape[2], ac, hp).tolist()))

    def eval(self, p: ResizeNearestParams, inputs, outputs) -> None:
        x = inputs[0]
        outputs[0][...] = x[:, :, p.rows][:, :, :, p.cols]
