"""Shared prepare of AVERAGE_POOL_2D / MAX_POOL_2D / L2_POOL_2D.

Ports ``tensorflow/lite/micro/kernels/pooling_common.cc`` (``CalculateOpDataPooling``,
``PoolingPrepare``: padding from ``ComputePaddingHeightWidth`` with dilation 1, equal input/output
quantization, activation range) for the reference kernels in ``reference/pooling.h`` and
``reference/integer_ops/pooling.h``. Those kernels clip each window to the image
(``filter_x_start``/``filter_x_end``), which is what ``valid_tap_counts`` and a neutral padding
value reproduce.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.kernels import conv as K
from mcuml.kernels import quant


@dataclass(frozen=True, slots=True)
class PoolParams:
    win: K.Window
    counts: np.ndarray  # (OH, OW, 1) in-image taps per output position
    act_min: float | int
    act_max: float | int
    dtype: np.dtype
    out_shape: tuple[int, ...]


def prepare_pool(node: Operator, ctx, allowed: tuple[DType, ...]) -> PoolParams:
    if not (len(node.inputs) == 1 and len(node.outputs) == 1 and node.inputs[0] is not None):
        ctx.invalid(f"{ctx.op_name} takes 1 input and 1 output")  # pooling_common.cc
    x, y = node.inputs[0], node.outputs[0]
    if x.dtype not in allowed:
        ctx.unsupported_type(x, allowed)
    if y.dtype != x.dtype:
        ctx.fail(f"input type {x.dtype.name} differs from output type {y.dtype.name}")
    if len(x.shape) != 4 or len(y.shape) != 4 or x.shape[0] != y.shape[0] or x.shape[3] != y.shape[3]:
        ctx.shape_error(f"input {list(x.shape)} and output {list(y.shape)} must be 4-D NHWC with equal N, C")
    o = node.options
    get = (lambda k, d: o.get(k, d)) if o is not None else (lambda k, d: d)  # noqa: E731
    stride_h, stride_w = int(get("stride_h", 1)), int(get("stride_w", 1))
    f_h, f_w = int(get("filter_height", 1)), int(get("filter_width", 1))
    if min(stride_h, stride_w, f_h, f_w) < 1:
        ctx.fail(f"strides ({stride_h}, {stride_w}) and filter ({f_h}, {f_w}) must be >= 1")
    act = int(get("fused_activation_function", 0))
    win = K.make_window(int(get("padding", 0)), x.shape[1], x.shape[2], f_h, f_w, stride_h, stride_w, 1, 1,
                        y.shape[1], y.shape[2])
    ctx.budget(8 * win.span_h * win.span_w * max(x.shape[3], 1), "the padded pooling input")
    counts = K.valid_tap_counts(win)
    if counts.size and counts.min() == 0:
        ctx.fail("a pooling window lies entirely outside the input")
    if x.dtype == DType.float32:
        lo, hi = quant.activation_range_float(act)
    else:
        if not abs(float(np.float32(x.scale) - np.float32(y.scale))) <= 1.0e-6 or x.zero_point != y.zero_point:
            ctx.invalid("input and output quantization must be equal")  # pooling_common.cc
        qmin, qmax = quant.type_range(y.dtype.numpy)
        lo, hi = quant.activation_range_quantized(act, y.scale, y.zero_point, qmin, qmax)
    return PoolParams(win, counts[:, :, None], lo, hi, x.dtype.numpy, tuple(y.shape))


def fold_batch(x: np.ndarray, win: K.Window) -> np.ndarray:
    """(B, N, H, W, C) -> (B*N, H, W, C)."""
    return x.reshape(x.shape[0] * x.shape[1], win.in_h, win.in_w, x.shape[-1])


def float_tap_sum(xp: np.ndarray, win: K.Window, square: bool = False) -> np.ndarray:
    """Sequential float32 sum over taps in (filter_y, filter_x) order, as the float kernels do."""
    acc = None
    for ky in range(win.k_h):
        for kx in range(win.k_w):
            t = K.tap(xp, win, ky, kx)
            if square:
                t = t * t
            acc = t.copy() if acc is None else acc.__iadd__(t)
    return acc


def pool_cost_elementwise(node: Operator) -> int:
    o = node.options
    f_h = int(o.get("filter_height", 1)) if o is not None else 1
    f_w = int(o.get("filter_width", 1)) if o is not None else 1
    return node.outputs[0].size * f_h * f_w
