"""Prepare steps CONV_2D and DEPTHWISE_CONV_2D share (``conv_common.cc`` / ``depthwise_conv_common.cc``).

Both kernels accept the same type pairs (float32/float32, int8 or int16 activations with int8
filters), reject hybrid graphs with TFLM's message, need 4-D tensors and a constant filter, and read
stride/dilation/padding/activation options the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator, Tensor
from mcuml.kernels import conv as K
from mcuml.ops._base import Op, OpContext
from mcuml.ops._facts import CONV_TYPES, I8, I16, Persistent, opdata, weighted_refusal


@dataclass(frozen=True, slots=True)
class ConvGeometry:
    stride_h: int
    stride_w: int
    dilation_h: int
    dilation_w: int
    activation: int
    window: K.Window


def conv_io(node: Operator, ctx: OpContext) -> tuple[Tensor, Tensor, Tensor | None, Tensor]:
    """(input, filter, bias or None, output) after the type, rank and constant-filter checks."""
    name = ctx.op_name
    if not (len(node.inputs) in (2, 3) and len(node.outputs) == 1):
        ctx.invalid(f"{name} takes 2 or 3 inputs, 1 output")
    x, w = node.inputs[0], node.inputs[1]
    bias = node.inputs[2] if len(node.inputs) == 3 else None
    y = node.outputs[0]
    if x is None or w is None:
        ctx.invalid(f"{name} needs input and filter tensors")
    if x.dtype != y.dtype:
        ctx.fail(f"input type {x.dtype.name} differs from output type {y.dtype.name}")
    ok = ((x.dtype == DType.float32 and w.dtype == DType.float32)
          or (x.dtype in (DType.int8, DType.int16) and w.dtype == DType.int8))
    if not ok:
        if x.dtype == DType.int8 and w.dtype == DType.int4:
            ctx.fail("int4 packed filters are not supported by mcuml yet")
        if x.dtype not in (DType.float32, DType.int8, DType.int16):
            ctx.unsupported_type(x, (DType.float32, DType.int8, DType.int16))
        ctx.fail(K.HYBRID_MESSAGE)
    q = w.quantization
    if x.dtype != DType.float32 and q is not None and len(q.scale) > 1 and not (
            0 <= q.quantized_dimension < len(w.shape) and w.shape[q.quantized_dimension] == len(q.scale)):
        ctx.invalid(f"filter {w.name!r} has {len(q.scale)} scales along dimension {q.quantized_dimension} "
                    f"of shape {list(w.shape)}")  # conv_common.cc / depthwise_conv_common.cc / kernel_util.cc
    if len(x.shape) != 4 or len(w.shape) != 4 or len(y.shape) != 4:
        ctx.shape_error(f"{name} needs 4-D input, filter and output")
    if not w.is_constant:
        ctx.fail(f"filter {w.name!r} must be a constant tensor")
    return x, w, bias, y


def conv_geometry(node: Operator, ctx: OpContext, x: Tensor, y: Tensor, k_h: int, k_w: int) -> ConvGeometry:
    """Strides, dilations, fused activation and the padded window (``ComputePaddingHeightWidth``)."""
    o = node.options
    get = (lambda k, d: o.get(k, d)) if o is not None else (lambda k, d: d)  # noqa: E731
    stride_h, stride_w = int(get("stride_h", 1)), int(get("stride_w", 1))
    dil_h, dil_w = int(get("dilation_h_factor", 1)), int(get("dilation_w_factor", 1))
    if min(stride_h, stride_w, dil_h, dil_w) < 1:
        ctx.fail(f"strides ({stride_h}, {stride_w}) and dilations ({dil_h}, {dil_w}) must be >= 1")
    win = K.make_window(int(get("padding", 0)), x.shape[1], x.shape[2], k_h, k_w, stride_h, stride_w, dil_h, dil_w,
                        y.shape[1], y.shape[2])
    c = max(x.shape[3], 1)
    ctx.budget(8 * win.span_h * win.span_w * c, "the padded input")
    ctx.budget(8 * max(y.shape[1], 1) * max(y.shape[2], 1) * k_h * k_w * c, "the im2col / tap buffer")
    return ConvGeometry(stride_h, stride_w, dil_h, dil_w, int(get("fused_activation_function", 0)), win)


class ConvFacts(Op):
    """The TFLM facts CONV_2D and DEPTHWISE_CONV_2D share (conv_common.cc / depthwise_conv_common.cc): the temp
    tensors Prepare holds, the accepted type pairs, the OpData and per-channel multiplier/shift arrays (one int32
    per output channel along ``filter_channel_axis``)."""

    def prepare_temps(self, node: Operator) -> list:
        """Prepare keeps output, input and filter while CalculateOpData(Depthwise)Conv takes input, filter, bias and
        output again (a deallocated temp tensor is only reclaimed at the next ResetTempAllocations)."""
        x, w, y = node.inputs[0], node.inputs[1], node.outputs[0]
        bias = node.inputs[2] if len(node.inputs) > 2 else None
        return [y, x, w, x, w, bias, y]

    def tflm_rejects(self, node: Operator, kernels: str = "reference") -> str | None:
        return weighted_refusal(node, 0, 1, CONV_TYPES)

    def persistent(self, node: Operator, target: str = "host", kernels: str = "reference") -> Persistent:
        base = opdata(node.name, target, kernels, True)
        if kernels == "cmsis-nn" and node.inputs[0].dtype not in (I8, I16):
            return base
        return Persistent(base.init, (4 * node.inputs[1].shape[self.filter_channel_axis],) * 2)
