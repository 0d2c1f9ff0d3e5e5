"""Shared geometry and arithmetic of the convolution/pooling family.

Ports the padding rules of ``tensorflow/lite/kernels/padding.h`` (``ComputeOutSize``,
``ComputePaddingWithOffset``) and the per-channel setup of ``PopulateConvolutionQuantizationParams``
(``tensorflow/lite/kernels/kernel_util.cc``). The sliding-window view replaces the kernels'
``for filter_y/filter_x`` loops: TFLM skips taps that fall outside the image, which for an
integer kernel equals a tap whose ``input + input_offset`` is zero, so the input is padded with
its own zero point and a constant correction keeps the arithmetic exact.

Integer inner products are done in floating point BLAS: float32 when every partial sum is
provably below 2^24 (then each one is an exact integer), float64 otherwise (exact below 2^53).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import as_strided

from mcuml.kernels import quant
from mcuml.kernels.scratch import buffer

PADDING_SAME, PADDING_VALID = 0, 1  # schema Padding enum


@dataclass(frozen=True, slots=True)
class Window:
    """Geometry of one 2-D sliding window (TFLM ``padding_values`` + the loop bounds)."""

    in_h: int
    in_w: int
    out_h: int
    out_w: int
    k_h: int
    k_w: int
    stride_h: int
    stride_w: int
    dil_h: int
    dil_w: int
    pad_h: int  # TFLM padding_values.height: rows cut off the top
    pad_w: int

    @property
    def span_h(self) -> int:
        """Rows of the padded input the window visits."""
        return (self.out_h - 1) * self.stride_h + (self.k_h - 1) * self.dil_h + 1

    @property
    def span_w(self) -> int:
        return (self.out_w - 1) * self.stride_w + (self.k_w - 1) * self.dil_w + 1

    @property
    def needs_pad(self) -> bool:
        return (self.pad_h > 0 or self.pad_w > 0 or self.span_h - self.pad_h > self.in_h
                or self.span_w - self.pad_w > self.in_w)

    @property
    def is_pointwise(self) -> bool:
        """1x1 window, stride 1, no padding: the input already is the im2col matrix."""
        return (self.k_h == 1 and self.k_w == 1 and self.stride_h == 1 and self.stride_w == 1
                and not self.needs_pad and self.out_h == self.in_h and self.out_w == self.in_w)


CHUNK_BYTES = 1 << 23  # working-set target of one batched slab: keeps im2col/accumulators in cache


def sample_chunks(n: int, bytes_per_sample: int, target: int = CHUNK_BYTES):
    """Slices over the (folded) sample axis so that one slab's temporaries stay near ``target`` bytes."""
    step = max(1, target // max(bytes_per_sample, 1))
    for s in range(0, n, step):
        yield slice(s, min(n, s + step))


def compute_out_size(padding: int, image_size: int, filter_size: int, stride: int, dilation: int = 1) -> int:
    """``ComputeOutSize`` (GetWindowedOutputSize)."""
    eff = (filter_size - 1) * dilation + 1
    if stride == 0:
        return 0
    if padding == PADDING_SAME:
        return (image_size + stride - 1) // stride
    if padding == PADDING_VALID:
        return (image_size + stride - eff) // stride
    return 0


def compute_padding_with_offset(stride: int, dilation: int, in_size: int, filter_size: int,
                                out_size: int) -> tuple[int, int]:
    """``ComputePaddingWithOffset`` -> (padding, offset)."""
    eff = (filter_size - 1) * dilation + 1
    total = max((out_size - 1) * stride + eff - in_size, 0)
    return total // 2, total % 2


def make_window(padding: int, in_h: int, in_w: int, k_h: int, k_w: int, stride_h: int, stride_w: int,
                dil_h: int, dil_w: int, out_h: int, out_w: int) -> Window:
    """``ComputePaddingHeightWidth``: padding from the computed output size; loops use the declared one."""
    calc_h = compute_out_size(padding, in_h, k_h, stride_h, dil_h)
    calc_w = compute_out_size(padding, in_w, k_w, stride_w, dil_w)
    pad_h, _ = compute_padding_with_offset(stride_h, dil_h, in_h, k_h, calc_h)
    pad_w, _ = compute_padding_with_offset(stride_w, dil_w, in_w, k_w, calc_w)
    return Window(in_h, in_w, out_h, out_w, k_h, k_w, stride_h, stride_w, dil_h, dil_w, pad_h, pad_w)


def pad_input(x: np.ndarray, win: Window, value: float | int, dtype: np.dtype | None = None,
              scratch: str | None = None) -> np.ndarray:
    """Pad (N, H, W, C) so that every tap of the window is addressable; ``value`` marks 'outside'.

    ``dtype`` converts in the same pass (the result may then share no memory with ``x``);
    ``scratch`` names a ``kernels.scratch`` buffer to use for a new array.
    """
    if not win.needs_pad:
        if dtype is None or x.dtype == dtype:
            return x
        if scratch is None:
            return x.astype(dtype)
        out = buffer(scratch, x.shape, dtype)
        out[...] = x
        return out
    top, left = win.pad_h, win.pad_w
    bottom = max(win.span_h - top - win.in_h, 0)
    right = max(win.span_w - left - win.in_w, 0)
    n, h, w, c = x.shape
    shape = (n, top + h + bottom, left + w + right, c)
    dt = x.dtype if dtype is None else dtype
    out = np.empty(shape, dtype=dt) if scratch is None else buffer(scratch, shape, dt)
    out[:, :top] = value
    out[:, top + h:] = value
    out[:, top:top + h, :left] = value
    out[:, top:top + h, left + w:] = value
    out[:, top:top + h, left:left + w, :] = x
    return out


def windows(xp: np.ndarray, win: Window) -> np.ndarray:
    """Strided view (N, OH, OW, KH, KW, C) of a padded (N, Hp, Wp, C) array; no copy."""
    n, _, _, c = xp.shape
    sn, sh, sw, sc = xp.strides
    return as_strided(xp, shape=(n, win.out_h, win.out_w, win.k_h, win.k_w, c),
                      strides=(sn, sh * win.stride_h, sw * win.stride_w, sh * win.dil_h, sw * win.dil_w, sc),
                      writeable=False)


def tap(xp: np.ndarray, win: Window, ky: int, kx: int) -> np.ndarray:
    """The (N, OH, OW, C) view of one filter tap over a padded input."""
    y0, x0 = ky * win.dil_h, kx * win.dil_w
    return xp[:, y0:y0 + (win.out_h - 1) * win.stride_h + 1:win.stride_h,
              x0:x0 + (win.out_w - 1) * win.stride_w + 1:win.stride_w, :]


def im2col(x: np.ndarray, win: Window, pad_value: float | int, dtype: np.dtype, scratch: bool = False) -> np.ndarray:
    """(N, H, W, C) -> (N*OH*OW, KH*KW*C) in ``dtype``, tap order (ky, kx, c) as TFLM's filters.

    ``scratch``: build in ``kernels.scratch`` buffers (valid until the next such call).
    """
    n, _, _, c = x.shape
    if win.is_pointwise:
        x2 = x.reshape(n * win.in_h * win.in_w, c)
        if not scratch or x2.dtype == dtype:
            return x2.astype(dtype, copy=False)
        cols = buffer("im2col.cols", x2.shape, dtype)
        cols[...] = x2
        return cols
    view = windows(pad_input(x, win, pad_value, None, "im2col.pad" if scratch else None), win)
    shape = (n, win.out_h, win.out_w, win.k_h, win.k_w, c)
    cols = buffer("im2col.cols", shape, dtype) if scratch else np.empty(shape, dtype=dtype)
    cols[...] = view
    return cols.reshape(n * win.out_h * win.out_w, win.k_h * win.k_w * c)


def valid_tap_counts(win: Window) -> np.ndarray:
    """(OH, OW) number of in-image taps per output position (pooling's ``filter_count``)."""
    def axis(out: int, stride: int, pad: int, k: int, size: int) -> np.ndarray:
        origin = np.arange(out) * stride - pad
        start = np.maximum(0, -origin)
        end = np.minimum(k, size - origin)
        return np.maximum(end - start, 0)

    ch = axis(win.out_h, win.stride_h, win.pad_h, win.k_h, win.in_h)
    cw = axis(win.out_w, win.stride_w, win.pad_w, win.k_w, win.in_w)
    return ch[:, None] * cw[None, :]


def matmul_dtype(weights: np.ndarray, max_abs_input: int, axis: int = 0) -> np.dtype:
    """float32 if every partial sum of ``input @ weights`` stays an exact integer in float32.

    ``weights`` is (K, OC); the bound is max over channels of sum_k |w| * max|input| < 2^24.
    """
    w = np.abs(np.asarray(weights, dtype=np.float64))
    bound = float(w.sum(axis=axis).max(initial=0.0)) * max_abs_input
    return np.dtype(np.float32) if bound < float(1 << 24) else np.dtype(np.float64)


def per_channel_multipliers(input_scale: float, filter_scales: tuple[float, ...], output_scale: float,
                            num_channels: int) -> tuple[np.ndarray, np.ndarray]:
    """``PopulateConvolutionQuantizationParams``: per-channel (multiplier, shift), scales in double."""
    scales = filter_scales if len(filter_scales) > 1 else tuple(filter_scales) * num_channels
    eff = [quant.ratio(float(input_scale) * float(s), output_scale) for s in scales]
    return quant.quantize_multipliers(np.array(eff, dtype=np.float64))


def per_tensor_multiplier(input_scale: float, filter_scale: float, output_scale: float) -> tuple[int, int]:
    """``GetQuantizedConvolutionMultipler`` + ``QuantizeMultiplier`` (FULLY_CONNECTED, BATCH_MATMUL).

    The source reads ``double(input_scale * filter_scale)``, a float32 product, but the TFLM
    build we match forms the product in double: scales whose ratio is a power of two (where the
    two differ in the last bit and ``QuantizeMultiplier`` lands on 0x7FFFFFxx instead of 2^30)
    only agree with the double product. Tests pin this down (int16, where the int64 overload's
    16-bit reduced multiplier exposes the difference).
    """
    return quant.quantize_multiplier(quant.ratio(float(input_scale) * float(filter_scale), output_scale))


def acc_fits_int32(weights: np.ndarray, max_abs_input: int, bias: np.ndarray | None, axis: int = 0) -> bool:
    """Whether ``sum |w| * max|input| + |bias|`` keeps every accumulator inside int32 (no wrap needed)."""
    w = np.abs(np.asarray(weights, dtype=np.float64)).sum(axis=axis).max(initial=0.0)
    b = float(np.abs(bias).max(initial=0)) if bias is not None else 0.0
    return w * max_abs_input + b < float(1 << 31) - 1


# -- prepare-time helpers shared by CONV_2D, DEPTHWISE_CONV_2D, TRANSPOSE_CONV, FULLY_CONNECTED ------------------

HYBRID_MESSAGE = "Hybrid models are not supported on TFLite Micro."
INT32_TYPE_CODE = 2  # schema TensorType INT32, for options.quantized_bias_type


@dataclass(frozen=True, slots=True)
class Requant:
    """Output stage of an integer conv-like kernel (TFLM ``OpDataConv`` fields)."""

    output_multiplier: np.ndarray  # int64 (OC,), or scalar-shaped for per-tensor kernels
    output_shift: np.ndarray
    output_offset: int
    act_min: int
    act_max: int
    int64_acc: bool
    out_dtype: np.dtype
    wrap: bool = True  # False once prepare proved the int32 accumulator cannot overflow

    def apply(self, acc: np.ndarray) -> np.ndarray:
        """Consumes ``acc`` (int64, modified in place)."""
        return quant.requantize_acc(acc, self.output_multiplier, self.output_shift, self.output_offset, self.act_min,
                          self.act_max, self.out_dtype, self.int64_acc, self.wrap)

    def without_wrap(self) -> "Requant":
        return Requant(self.output_multiplier, self.output_shift, self.output_offset, self.act_min, self.act_max,
                       self.int64_acc, self.out_dtype, False)


def conv_requant(ctx, x, w, y, act: int, num_channels: int, quantized_dimension: int) -> Requant:
    """``PopulateConvolutionQuantizationParams`` + activation range, with TFLM's checks."""
    q = w.quantization
    if q is None or not q.scale:  # conv_common.cc / depthwise_conv_common.cc
        ctx.invalid(f"filter {w.name!r} has no affine quantization")
    xq = x.quantization
    if xq is None or not xq.scale:  # kernel_util.cc PopulateConvolutionQuantizationParams
        ctx.invalid(f"input {x.name!r} has no affine quantization")
    if len(q.scale) > 1:
        qd = q.quantized_dimension
        if len(q.scale) != num_channels or not 0 <= qd < len(w.shape) or w.shape[qd] != num_channels:
            ctx.invalid(f"filter {w.name!r} has {len(q.scale)} scales for {num_channels} output channels")
        if q.quantized_dimension != quantized_dimension:
            ctx.fail(f"filter {w.name!r} is quantized along dimension {q.quantized_dimension}, "
                     f"expected {quantized_dimension}")
    mult, shift = per_channel_multipliers(x.scale, tuple(q.scale), y.scale, num_channels)
    qmin, qmax = quant.type_range(y.dtype.numpy)
    act_min, act_max = quant.activation_range_quantized(act, y.scale, y.zero_point, qmin, qmax)
    return Requant(mult, shift, y.zero_point, act_min, act_max, False, y.dtype.numpy)


def bias_values(ctx, bias, num_channels: int, allowed: tuple) -> np.ndarray | None:
    """Constant bias as int64/float64 (OC,), or None when omitted."""
    if bias is None:
        return None
    if bias.dtype not in allowed:
        ctx.unsupported_type(bias, allowed)
    if not bias.is_constant:
        ctx.fail(f"bias {bias.name!r} must be a constant tensor")
    if bias.size != num_channels:
        ctx.shape_error(f"bias has {bias.size} elements for {num_channels} output channels")
    data = bias.data.reshape(-1)
    return data.astype(np.float64 if np.issubdtype(data.dtype, np.floating) else np.int64)


def int16_uses_int64_acc(bias, options) -> bool:
    """int16x8 kernels accumulate in int64 unless the bias (or the declared bias type) is int32."""
    from mcuml.ir.dtypes import DType

    if bias is not None:
        return bias.dtype != DType.int32
    return int(options.get("quantized_bias_type", 0) if options is not None else 0) != INT32_TYPE_CODE


def seq_dot(cols: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """float32 ``cols (..., M, K) @ weights (..., K, OC)`` summed in TFLM's order, one rounding per step.

    The reference float kernels accumulate ``total += input * filter`` sequentially in float32;
    BLAS sums in another order and can differ in the last bits, which matters when the terms
    cancel. Repeating the sequence (vectorized over M x OC) reproduces TFLM bit for bit.
    """
    if cols.ndim == 2 and weights.ndim == 2:
        cols_t = np.ascontiguousarray(cols.T, dtype=np.float32)
        acc = np.zeros((cols.shape[0], weights.shape[1]), dtype=np.float32)
        tmp = np.empty_like(acc)
        for k in range(cols_t.shape[0]):
            np.multiply(cols_t[k][:, None], weights[k], out=tmp)
            acc += tmp
        return acc
    cols = cols.astype(np.float32, copy=False)
    weights = weights.astype(np.float32, copy=False)
    shape = np.broadcast_shapes(cols.shape[:-1] + (1,), weights.shape[:-2] + (1, weights.shape[-1]))
    acc = np.zeros(shape, dtype=np.float32)
    for k in range(cols.shape[-1]):
        acc += cols[..., :, k, None] * weights[..., k, None, :]
    return acc
