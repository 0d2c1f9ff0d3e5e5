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
from mcuml.ops._shape_util import check_shape, const_ints, n_inputs, require_dtype, same_dtype, tensor_in


@dataclass(frozen=True, slots=True)
class ResizeBilinearParams:
    is_float: bool
    y0: np.ndarray
    y1: np.ndarray
    x0: np.ndarray
    x1: np.ndarray
    wy0: np.ndarray  # (OH, 1, 1) weight of row y0 (Q10 int64, or float32)
    wy1: np.ndarray
    wx0: np.ndarray  # (OW, 1) weight of column x0
    wx1: np.ndarray


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
    def prepare(self, node: Operator, ctx: OpContext) -> ResizeBilinearParams:
        n_inputs(node, ctx, 2)
        x, y = tensor_in(node, 0, ctx), node.outputs[0]
        require_dtype(ctx, x, (DType.float32, DType.int8))
        same_dtype(ctx, x, y)
        if len(x.shape) != 4:
            ctx.shape_error("RESIZE_BILINEAR needs a 4-D NHWC input")
        size_t = tensor_in(node, 1, ctx, "size")
        if size_t.dtype != DType.int32:
            ctx.unsupported_type(size_t, (DType.int32,))
        size = const_ints(node, 1, ctx, "size").ravel()
        if len(size_t.shape) != 1 or size.size != 2:
            ctx.shape_error("size must be a 1-D tensor with 2 elements")
        oh, ow = int(size[0]), int(size[1])
        if oh <= 0 or ow <= 0:
            ctx.shape_error(f"output size {oh}x{ow} must be positive")
        check_shape(ctx, y, [x.shape[0], oh, ow, x.shape[3]])
        o = node.options
        ac = bool(o.get("align_corners", False)) if o is not None else False
        hp = bool(o.get("half_pixel_centers", False)) if o is not None else False
        if ac and hp:
            ctx.fail("half_pixel_centers requires align_corners to be False (as in TFLM)")
        is_float = x.dtype == DType.float32
        interp = interpolation_float if is_float else interpolation_integer
        y0, y1, wy0, wy1 = interp(oh, x.shape[1], ac, hp)
        x0, x1, wx0, wx1 = interp(ow, x.shape[2], ac, hp)
        return ResizeBilinearParams(is_float, y0, y1, x0, x1, wy0.reshape(-1, 1, 1), wy1.reshape(-1, 1, 1),
                                    wx0.reshape(-1, 1), wx1.reshape(-1, 1))

    def eval(self, p: ResizeBilinearParams, inputs, outputs) -> None:
        x = inputs[0]
        if p.is_float:
            x = x.astype(np.float32, copy=False)
            r0, r1 = x[:, :, p.y0], x[:, :, p.y1]
            outputs[0][...] = (r0[:, :, :, p.x0] * p.wy0 * p.wx0 + r1[:, :, :, p.x0] * p.wy1 * p.wx0
                               + r0[:, :, :, p.x1] * p.wy0 * p.wx1 + r1[:, :, :, p.x1] * p.wy1 * p.wx1)
            return
        x = x.astype(np.int64)
        r0, r1 = x[:, :, p.y0], x[:, :, p.y1]
        output_20 = ((r0[:, :, :, p.x0] * p.wy0 * p.wx0 + r1[:, :, :, p.x0] * p.wy1 * p.wx0)
                     + (r0[:, :, :, p.x1] * p.wy0 * p.wx1 + r1[:, :, :, p.x1] * p.wy1 * p.wx1))
        rounded = output_20 + np.where(output_20 > 0, 1 << 19, -(1 << 19))
        outputs[0][...] = _c_div(rounded, 1 << 20).astype(np.int8)
