"""CMSIS-NN kernel set: scratch buffers and persistent data (``tensorflow/lite/micro/kernels/cmsis_nn/``).

TFLM built with ``OPTIMIZED_KERNEL_DIR=cmsis_nn`` takes some kernels from ``kernels/cmsis_nn/*.cc`` (the ops whose
``Op.cmsis_nn`` is True); everything else stays the reference kernel. Those kernels differ from the reference ones
in three ways that matter for the arena: their ``Init`` OpData structs are larger (they wrap the reference OpData
and add buffer indices, kernel-sum pointers, CMSIS-NN parameter blocks), their ``Prepare`` requests im2col /
accumulator scratch buffers sized by CMSIS-NN's ``arm_*_get_buffer_size`` functions, and some precompute kernel
sums into persistent buffers.

The buffer-size functions are ports of CMSIS-NN at the commit TFLM pins (4ab83cc,
``Source/*Functions/arm_*_get_buffer_sizes_*.c``); each depends on the core's features:

* ``"dsp"``: Cortex-M4/M7/M33 (``ARM_MATH_DSP``, no ``ARM_MATH_MVEI``) — the ``cortex-m`` target;
* ``"mve"``: Cortex-M55/M85 (Helium, ``ARM_MATH_MVEI``);
* ``"c"``: neither (Cortex-M0/M3, or a host build) — the ``host`` target.

All values assume GCC (two CMSIS-NN formulas differ under Arm Compiler 6: the 1x1 fast-conv buffer
and the MVE depthwise-to-conv threshold) and ``KERNELS_OPTIMIZED_FOR_SPEED`` (TFLM's default).
The OpData sizes come from ``struct_sizes.json`` (``opdata_cmsis``) per target ABI. This module is
CMSIS-NN's buffer arithmetic plus the Prepare logic the conv/FC op modules call for their CMSIS-NN
kernels (``Op.scratch``/``Op.persistent`` with ``kernels="cmsis-nn"``); it holds no op list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator, Tensor

if TYPE_CHECKING:
    from mcuml.ops._facts import Persistent

TARGET_ISA = {"host": "c", "cortex-m": "dsp"}
ISAS = ("c", "dsp", "mve")

# arm_nnsupportfunctions.h
CH_IN_BLOCK_MVE = 124
REVERSE_TCOL_EFFICIENT_THRESHOLD = 16
DW_ONE_IN_CH_TO_CONV_THRESHOLD = 1  # CONVERT_DW_CONV_WITH_ONE_INPUT_CH_AND_OUTPUT_CH_ABOVE_THRESHOLD, non-armclang


def _align4(n: int) -> int:
    return n + (-n) % 4


# ---- CMSIS-NN buffer sizes (Source/ConvolutionFunctions/arm_convolve_get_buffer_sizes_s8.c) -----------------

def convolve_s8_buffer_size(in_c: int, k_h: int, k_w: int, isa: str) -> int:
    """``arm_convolve_s8_get_buffer_size``: two int16 im2col columns (DSP/C), four 16-lane columns (MVE)."""
    if isa == "mve":
        return 4 * ((in_c * k_w * k_h + 15) // 16) * 16
    return 2 * _align4(k_w * k_h * in_c) * 2


def _convolve_1_x_n_s8_mve(in_w: int, in_c: int, k_h: int, k_w: int, out_w: int, stride_w: int, pad_w: int) -> int:
    """``arm_convolve_1_x_n_s8_get_buffer_size_mve``."""
    total_pad = (out_w - 1) * stride_w + k_w - in_w
    asym_pad = total_pad % 2  # C remainder: total_pad >= 0 for SAME/VALID geometry
    right = max(1, (pad_w + asym_pad + stride_w - 1) // stride_w) if pad_w + asym_pad != 0 else 0
    left = max(1, (pad_w + stride_w - 1) // stride_w) if pad_w != 0 else 0
    no_pad = max(out_w - (right + left), 0)
    if right + no_pad + left != out_w:
        return convolve_s8_buffer_size(in_c, k_h, k_w, "mve")
    pad_left = pad_w * in_c
    pad_right = right * in_c if asym_pad else pad_left
    num_left = k_w * in_c
    num_right = num_left - in_c
    return max(num_left + pad_left, num_right + pad_right)


def convolve_wrapper_s8_buffer_size(in_shape: tuple[int, ...], k_h: int, k_w: int, filter_c: int,
                                    out_w: int, stride: tuple[int, int], pad: tuple[int, int],
                                    dilation: tuple[int, int], isa: str) -> int:
    """``arm_convolve_wrapper_s8_get_buffer_size`` (stride/pad/dilation as (h, w); NHWC input shape).

    1x1 convolutions need no buffer under GCC (the DSP fast path's ``2·c`` int16 buffer is armclang-only);
    ``1_x_n`` (single-row input) uses the plain im2col size except on MVE.
    """
    _, in_h, in_w, in_c = in_shape
    if pad == (0, 0) and k_w == 1 and k_h == 1 and dilation == (1, 1) and in_c == filter_c:
        return 0
    if in_h == 1 and dilation[1] == 1 and k_h == 1 and (stride[1] * in_c) % 4 == 0 and in_c == filter_c:
        if isa == "mve":
            return _convolve_1_x_n_s8_mve(in_w, in_c, k_h, k_w, out_w, stride[1], pad[1])
        return convolve_s8_buffer_size(in_c, k_h, k_w, isa)
    return convolve_s8_buffer_size(in_c, k_h, k_w, isa)


def convolve_wrapper_s16_buffer_size(in_c: int, k_h: int, k_w: int, isa: str) -> int:
    """``arm_convolve_wrapper_s16_get_buffer_size`` (arm_convolve_get_buffer_sizes_s16.c)."""
    if isa == "mve":
        return 4 * ((in_c * k_w * k_h + 7) // 8) * 8 * 2
    return 2 * in_c * k_w * k_h * 2


def depthwise_conv_wrapper_s8_buffer_size(in_shape: tuple[int, ...], k_h: int, k_w: int, out_c: int,
                                          out_w: int, stride: tuple[int, int], pad: tuple[int, int],
                                          dilation: tuple[int, int], isa: str) -> int:
    """``arm_depthwise_conv_wrapper_s8_get_buffer_size`` (arm_depthwise_conv_get_buffer_sizes_s8.c).

    The DSP/C wrapper runs 3x3 kernels with padding <= 1 through ``arm_depthwise_conv_3x3_s8`` (no
    buffer); other unit-multiplier kernels use ``arm_depthwise_conv_s8_opt`` (int16 im2col on DSP).
    """
    n, _, _, in_c = in_shape
    if isa == "mve" and in_c == 1 and out_c > DW_ONE_IN_CH_TO_CONV_THRESHOLD:
        # arm_deptwise_conv_s8_one_in_ch_get_buffer_size_mve: run as a conv (filter n<->c swapped) + filter copy
        size = convolve_wrapper_s8_buffer_size(in_shape, k_h, k_w, 1, out_w, stride, pad, dilation, "mve")
        return size + out_c * k_h * k_w
    if in_c == out_c and n == 1 and dilation == (1, 1):
        if isa == "mve":
            return 4 * CH_IN_BLOCK_MVE * k_w * k_h
        if k_w == 3 and k_h == 3 and pad[0] <= 1 and pad[1] <= 1:
            return 0
        return in_c * k_w * k_h * 2 if isa == "dsp" else 0
    return 0


def depthwise_conv_wrapper_s4_buffer_size(in_shape: tuple[int, ...], k_h: int, k_w: int, out_c: int,
                                          dilation: tuple[int, int], isa: str) -> int:
    """``arm_depthwise_conv_wrapper_s4_get_buffer_size`` (the DSP formula also without DSP)."""
    n, _, _, in_c = in_shape
    if in_c == out_c and n == 1 and dilation == (1, 1):
        return 4 * CH_IN_BLOCK_MVE * k_w * k_h if isa == "mve" else in_c * k_w * k_h * 2
    return 0


def fully_connected_s8_buffer_size(out_c: int, isa: str) -> int:
    """``arm_fully_connected_s8_get_buffer_size``: MVE keeps int32 kernel sums, DSP/C need nothing."""
    return out_c * 4 if isa == "mve" else 0


def avgpool_buffer_size(ch: int, isa: str) -> int:
    """``arm_avgpool_s8/s16_get_buffer_size``: one int32 row accumulator per channel on DSP only."""
    return ch * 4 if isa == "dsp" else 0


def svdf_s8_buffer_size(num_filters: int, isa: str) -> int:
    """``arm_svdf_s8_get_buffer_size``: int32 kernel sums on MVE."""
    return num_filters * 4 if isa == "mve" else 0


def _tcol_reverse_conv(stride: tuple[int, int], in_c: int) -> bool:
    return stride[0] <= 2 and stride[1] <= 2 and in_c > REVERSE_TCOL_EFFICIENT_THRESHOLD


def transpose_conv_s8_buffer_size(in_shape: tuple[int, ...], k_h: int, k_w: int, out_c: int,
                                  stride: tuple[int, int], isa: str) -> int:
    """``arm_transpose_conv_s8_get_buffer_size``: im2col of the reverse conv, or an int32 column window."""
    _, in_h, in_w, in_c = in_shape
    if _tcol_reverse_conv(stride, in_c):
        return convolve_s8_buffer_size(in_c, k_h, k_w, isa)
    # CMSIS-NN pairs filter width with stride.h here (sic).
    buf_x = ((in_w - 1) * stride[1] + max(k_w, stride[0])) * out_c
    return buf_x * max(k_h, stride[0]) * 4


def transpose_conv_s8_reverse_buffer_size(in_c: int, k_h: int, k_w: int, out_c: int,
                                          stride: tuple[int, int]) -> int:
    """``arm_transpose_conv_s8_get_reverse_conv_buffer_size``: the reversed filter."""
    return in_c * k_w * k_h * out_c if _tcol_reverse_conv(stride, in_c) else 0


# ---- TFLM kernels/cmsis_nn/*.cc Prepare ----------------------------------------------------------------------

def _opt(op: Operator, name: str, default: Any) -> Any:
    return op.options.get(name, default) if op.options is not None else default


def _geometry(op: Operator, k_h: int, k_w: int) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    """(stride, padding, dilation) as (h, w), padding from ``ComputePaddingHeightWidth`` (conv_common.cc)."""
    from mcuml.kernels.conv import compute_out_size, compute_padding_with_offset

    x = op.inputs[0]
    stride = (int(_opt(op, "stride_h", 1)), int(_opt(op, "stride_w", 1)))
    dil = (int(_opt(op, "dilation_h_factor", 1)), int(_opt(op, "dilation_w_factor", 1)))
    padding = int(_opt(op, "padding", 0))
    pads = []
    for axis, k in ((1, k_h), (2, k_w)):
        s, d = stride[axis - 1], dil[axis - 1]
        out = compute_out_size(padding, x.shape[axis], k, s, d)
        pads.append(compute_padding_with_offset(s, d, x.shape[axis], k, out)[0])
    return stride, (pads[0], pads[1]), dil


def _inp(op: Operator, i: int) -> Tensor | None:
    return op.inputs[i] if i < len(op.inputs) else None


def conv_scratch(op: Operator, target: str) -> list[int]:
    """conv.cc: one wrapper buffer for int8, and for int16 with an int64 (or no) bias."""
    isa = TARGET_ISA.get(target, target)
    x, f, y = op.inputs[0], op.inputs[1], op.outputs[0]
    bias = _inp(op, 2)
    _, k_h, k_w, f_c = f.shape
    stride, pad, dil = _geometry(op, k_h, k_w)
    if x.dtype == DType.int8:
        n = convolve_wrapper_s8_buffer_size(tuple(x.shape), k_h, k_w, f_c, y.shape[2], stride, pad, dil, isa)
    elif x.dtype == DType.int16 and (bias is None or bias.dtype == DType.int64):
        n = convolve_wrapper_s16_buffer_size(x.shape[3], k_h, k_w, isa)
    else:
        n = 0
    return [n] if n > 0 else []


def depthwise_scratch(op: Operator, target: str) -> list[int]:
    """depthwise_conv.cc: int8 input only (int16 runs ``arm_depthwise_conv_s16`` without a buffer)."""
    isa = TARGET_ISA.get(target, target)
    x, f, y = op.inputs[0], op.inputs[1], op.outputs[0]
    if x.dtype != DType.int8:
        return []
    _, k_h, k_w, out_c = f.shape
    stride, pad, dil = _geometry(op, k_h, k_w)
    if f.dtype == DType.int4:
        n = depthwise_conv_wrapper_s4_buffer_size(tuple(x.shape), k_h, k_w, out_c, dil, isa)
    else:
        n = depthwise_conv_wrapper_s8_buffer_size(tuple(x.shape), k_h, k_w, out_c, y.shape[2], stride, pad, dil,
                                                  isa)
    return [n] if n > 0 else []


def _fc_conv_1x1(op: Operator) -> bool:
    """fully_connected.cc routes int8 FC with a >2-D output and accum_depth % 4 == 0 through conv 1x1."""
    return len(op.outputs[0].shape) > 2 and op.inputs[1].shape[-1] % 4 == 0


def fully_connected_scratch(op: Operator, target: str) -> list[int]:
    """fully_connected.cc: the conv-1x1 route's fake per-channel arrays, or the MVE kernel-sum buffer."""
    isa = TARGET_ISA.get(target, target)
    x, f, y = op.inputs[0], op.inputs[1], op.outputs[0]
    if x.dtype != DType.int8 or f.dtype == DType.int4:
        return []  # int16: arm_fully_connected_s16_get_buffer_size is 0 everywhere
    if _fc_conv_1x1(op):
        out = [] if _per_channel(f) else [y.shape[-1] * 4 * 2]  # fake per-channel multipliers/shifts
        return out  # arm_convolve_1x1_s8_fast_get_buffer_size is 0 under GCC
    n = fully_connected_s8_buffer_size(y.shape[-1], isa)
    if n > 0 and _fc_kernel_sums(op):
        return []  # kernel sums go to a persistent buffer instead
    return [n] if n > 0 else []


def _fc_kernel_sums(op: Operator) -> bool:
    bias = _inp(op, 2)
    return op.inputs[1].is_constant and (bias is None or bias.is_constant)


def _per_channel(t: Tensor) -> bool:
    q = t.quantization
    return q is not None and len(q.scale) > 1


def transpose_conv_scratch(op: Operator, target: str) -> list[int]:
    """transpose_conv.cc: int8 requests the im2col/column buffer and the reversed-filter buffer (both even
    when 0 B); int16 requests the int64 accumulator, then (in CalculateOpData) the int16-bias conversion."""
    isa = TARGET_ISA.get(target, target)
    f, x, y = op.inputs[1], op.inputs[2], op.outputs[0]
    bias = _inp(op, 3)
    out_c, k_h, k_w, in_c = f.shape
    stride = (int(_opt(op, "stride_h", 1)), int(_opt(op, "stride_w", 1)))
    if x.dtype == DType.int8:
        return [transpose_conv_s8_buffer_size(tuple(x.shape), k_h, k_w, out_c, stride, isa),
                transpose_conv_s8_reverse_buffer_size(in_c, k_h, k_w, out_c, stride)]
    if x.dtype == DType.int16:
        return [8 * y.size] + ([8 * bias.size] if bias is not None and bias.dtype == DType.int16 else [])
    return []


def fully_connected_persistent(op: Operator, target: str) -> "Persistent":
    """cmsis_nn/fully_connected.cc: OpData, per-channel multiplier/shift arrays, and (MVE, constant
    weights and bias) the int32 kernel sums in a persistent buffer."""
    from mcuml.ops._facts import Persistent, opdata

    isa = TARGET_ISA.get(target, target)
    base = opdata(op.name, target, "cmsis-nn", True)
    x, f = op.inputs[0], op.inputs[1]
    if x.dtype == DType.float32:
        return base
    prep: list[int] = []
    if _per_channel(f):  # CalculateOpDataFullyConnected
        prep = [4 * len(f.quantization.scale)] * 2
    n = fully_connected_s8_buffer_size(op.outputs[0].shape[-1], isa)
    if x.dtype == DType.int8 and f.dtype != DType.int4 and not _fc_conv_1x1(op) and n > 0 and _fc_kernel_sums(op):
        prep.append(n)
    return Persistent(base.init, tuple(prep))
