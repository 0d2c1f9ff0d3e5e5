"""RESHAPE: copy the data into the output's (static) shape.

Ports ``tensorflow/lite/micro/kernels/reshape.cc`` / ``reshape_common.cc``: TFLM copies input to
output (no aliasing unless an offline plan gave both the same address); the output shape is the
one the model declares, so the optional shape input is not read at eval time.
"""

from __future__ import annotations

from dataclasses import dataclass

from mcuml.ir.model import Operator
from mcuml.ops import Op, OpContext, register
from mcuml.ops._facts import Persistent, opdata


@dataclass(frozen=True, slots=True)
class ReshapeParams:
    out_shape: tuple[int, ...]


@register("RESHAPE")
class Reshape(Op):

    tflm_arity = ((1, 2), 1, (0,), {}, 0)  # TFLM Prepare's tensor counts; ranks the arena model reads
    aliases_input = True  # output = input bytes (TFLM's kernel memcpy's; an offline plan may share them)

    def prepare_temps(self, node: Operator) -> list:
        """reshape_common.cc ReshapeOutput: Prepare holds only these temporary tensors."""
        return [node.inputs[0], node.outputs[0]]

    def persistent(self, node: Operator, target: str = "host", kernels: str = "reference") -> Persistent:
        """reshape_common.cc: a -1 in the stored output shape makes Prepare copy the output's dims into a
        writable ``TfLiteIntArray`` (``CreateWritableTensorDimsWithCopy``)."""
        base = opdata(node.name, target, kernels)
        shape = node.outputs[0].shape
        if any(d < 0 for d in shape):
            return Persistent(base.init, (4 + 4 * len(shape),))
        return base

    def prepare(self, node: Operator, ctx: OpContext) -> ReshapeParams:
        x, y = node.inputs[0], node.outputs[0]
        ctx.require(x is not None, "RESHAPE needs an input tensor")
        if x.size != y.size:
            ctx.invalid(f"input has {x.size} elements, output shape {list(y.shape)} has {y.size}")
        if x.dtype != y.dtype:
            ctx.fail(f"input type {x.dtype.name} differs from output type {y.dtype.name}")
        return ReshapeParams(tuple(y.shape))

    def eval(self, p: ReshapeParams, inputs, outputs) -> None:
        x = inputs[0]
        outputs[0][...] = x.reshape((x.shape[0], *p.out_shape))
