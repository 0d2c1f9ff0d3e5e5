"""RESIZE_BILINEAR on NHWC tensors: int8 (integer path) and float32.

Ports ``tensorflow/lite/micro/kernels/resize_bilinear.cc`` and ``reference/resize_bilinear.h``
(``ResizeBilinearInteger`` with ``ComputeInterpolationValuesInteger``; float ``ResizeBilinear``
with ``ComputeInterpolationValues``). TFLM's kernel takes float32 and int8 only, needs a constant
size tensor and rejects ``align_corners`` together with ``half_pixel_centers``.

* int8: scales in Q10 (``scale_10 = (1024 * in + out / 2) / out``, or the align-corners form);
  ``input_y = y * scale_10 (+ scale_10 / 2 - 512)``; ``y0 = max(input_y / 1024, 0)``,
  ``y1 = min((input_y + 1023) / 1024, in - 1)`` (C division truncates toward zero); the four
  products of the value and the Q10 weights ``1024 - (input_y - 1024 y0)`` / ``input_y - 1024 y0``
  sum in int64 to a Q20 value, rounded half away from zero (``(v ± 2^19) / 2^20``, truncating).
* float32: ``input_y = y * scale`` (or ``(y + 0.5) * scale - 0.5``), ``y0 = max(floor, 0)``,
  ``y1 = min(ceil, in - 1)``; the four terms summed left to right in float32.

The per-row and per-column indices and weights depend only on the static shapes, so prepare
computes them; eval is four gathers and a weighted sum.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.ops import Op, OpContext, register
from mcuml.ops._shape_util import check_shape, resize_io


@dataclass(frozen=True, slots=True)
class ResizeBilinearParams:
    is_float: bool
    out_hw: tuple[int, int]
    corners: tuple[np.ndarray, ...]  # flat H*W indices of (y0,x0), (y1,x0), (y0,x1), (y1,x1) per output pixel
    weights: tuple[np.ndarray, ...]  # float32: (wy, wx) pairs per corner; int8: one Q20 weight per corner


def _c_div(a: np.ndarray, b: int) -> np.ndarray:
    """C's integer division (truncates toward zero) for a positive divisor."""
    return np.where(a >= 0, a // b, -((-a) // b))


def interpolation_integer(out_size: int, in_size: int, align_corners: bool,
                          half_pixel_centers: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``ComputeInterpolationValuesInteger`` for every output index: (i0, i1, w0, w1), weights in Q10."""
    if align_corners and out_size > 1:
        scale_10 = ((1 << 10) * (in_size - 1) + (out_size - 1) // 2) // (out_size - 1)
    else:
        scale_10 = ((1 << 10) * in_size + out_size // 2) // out_size
    v = np.arange(out_size, dtype=np.int64) * scale_10
    if half_pixel_centers:
        v = v + scale_10 // 2 - (1 << 9)
    lower = np.maximum(_c_div(v, 1 << 10), 0)
    upper = np.minimum(_c_div(v + (1 << 10) - 1, 1 << 10), in_size - 1)
    frac = v - (1 << 10) * lower
    return lower, upper, (1 << 10) - frac, frac


def interpolation_float(out_size: int, in_size: int, align_corners: bool,
                        half_pixel_centers: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``ComputeInterpolationValues`` in float32: (i0, i1, 1 - (v - i0), v - i0)."""
    f32 = np.float32
    scale = f32(in_size) / f32(out_size)
    if align_corners and out_size > 1:
        scale = f32(in_size - 1) / f32(out_size - 1)
    idx = np.arange(out_size, dtype=np.float32)
    v = (idx + f32(0.5)) * scale - f32(0.5) if half_pixel_centers else idx * scale
    lower = np.maximum(np.floor(v).astype(np.int64), 0)
    upper = np.minimum(np.ceil(v).astype(np.int64), in_size - 1)
    frac = (v - lower.astype(np.float32)).astype(np.float32)
    return lower, upper, (f32(1) - frac).astype(np.float32), frac


@register("RESIZE_BILINEAR")
class ResizeBilinear(Op):
    tflm_types = frozenset({DType.float32, DType.int8})

    def prepare(self, node: Operator, ctx: OpContext) -> ResizeBilinearParams:
        x, y, oh, ow, ac, hp = resize_io(node, ctx, (DType.float32, DType.int8))
        if oh <= 0 or ow <= 0:
            ctx.shape_error(f"output size {oh}x{ow} must be positive")
        check_shape(ctx, y, [x.shape[0], oh, ow, x.shape[3]])
        if ac and hp:
            ctx.fail("half_pixel_centers requires align_corners to be False (as in TFLM)")
        is_float = x.dtype == DType.float32
        interp = interpolation_float if is_float else interpolation_integer
        y0, y1, wy0, wy1 = interp(oh, x.shape[1], ac, hp)
        x0, x1, wx0, wx1 = interp(ow, x.shape[2], ac, hp)
        w = x.shape[2]
        corners = tuple((ys[:, None] * w + xs[None, :]).reshape(-1) for ys, xs in
                        ((y0, x0), (y1, x0), (y0, x1), (y1, x1)))
        pairs = ((wy0, wx0), (wy1, wx0), (wy0, wx1), (wy1, wx1))
        if is_float:
            weights = tuple(np.broadcast_to(a[:, None], (oh, ow)).reshape(-1, 1).astype(np.float32) if k == 0 else
                            np.broadcast_to(a[None, :], (oh, ow)).reshape(-1, 1).astype(np.float32)
                            for wy, wx in pairs for k, a in ((0, wy), (1, wx)))
        else:
            # Q10 x Q10 x int8 products and their sum stay below 2^31: exact in float64
            weights = tuple((wy[:, None] * wx[None, :]).reshape(-1, 1).astype(np.float64) for wy, wx in pairs)
        return ResizeBilinearParams(is_float, (oh, ow), corners, weights)

    def eval(self, p: ResizeBilinearParams, inputs, outputs) -> None:
        x = inputs[0]
        s, b, h, w, c = x.shape
        flat = x.reshape(s, b, h * w, c)
        g = [np.take(flat, idx, axis=2) for idx in p.corners]  # take: much faster than fancy indexing
        if p.is_float:
            wt = p.weights  # the C++ order: ((v * wy) * wx) summed left to right, in float32
            out = g[0] * wt[0] * wt[1] + g[1] * wt[2] * wt[3] + g[2] * wt[4] * wt[5] + g[3] * wt[6] * wt[7]
        else:
            wt = p.weights
            output_20 = g[0] * wt[0] + g[1] * wt[1] + g[2] * wt[2] + g[3] * wt[3]
            # (v +- 2^19) / 2^20 truncated toward zero: half away from zero (0 maps to 0 either way)
            out = np.trunc(output_20 * (2.0 ** -20) + np.copysign(0.5, output_20))
        outputs[0][...] = out.reshape(s, b, *p.out_hw, c)
