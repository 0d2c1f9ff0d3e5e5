"""DEPTH_TO_SPACE and SPACE_TO_DEPTH on NHWC tensors (float32, int8).

Ports ``tensorflow/lite/micro/kernels/depth_to_space.cc`` / ``space_to_depth.cc`` and
``reference_ops::DepthToSpace`` / ``SpaceToDepth``: channel index = (by * block + bx) * C + c.
"""

from __future__ import annotations

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.ops import OpContext, register
from mcuml.ops._index_map import IndexMapOp, IndexMapParams, source
from mcuml.ops._shape_util import check_shape, n_inputs, same_type_io
from mcuml.ops._facts import Persistent, opdata, writable_dims


def _common(node: Operator, ctx: OpContext):
    n_inputs(node, ctx, 1)
    x, y = same_type_io(node, ctx, (DType.float32, DType.int8))
    if len(x.shape) != 4:
        ctx.shape_error("input must be 4-D NHWC")
    bs = int(node.options.get("block_size", 0)) if node.options is not None else 0
    if bs <= 0:
        ctx.fail("block_size must be > 0")
    return x, y, bs


@register("DEPTH_TO_SPACE")
class DepthToSpace(IndexMapOp):
    tflm_types = frozenset({DType.float32, DType.int8})

    def persistent(self, node: Operator, target: str = "host", kernels: str = "reference") -> Persistent:
        """Prepare makes the output dims writable (``CreateWritableTensorDimsWithCopy``, depth_to_space.cc)."""
        base = opdata(node.name, target, kernels)
        return Persistent(base.init, (writable_dims(node.outputs[0]),))

    def prepare(self, node: Operator, ctx: OpContext) -> IndexMapParams:
        x, y, bs = _common(node, ctx)
        n, h, w, c = x.shape
        if c % (bs * bs):
            ctx.shape_error(f"depth {c} is not a multiple of block_size^2 = {bs * bs}")
        oc = c // (bs * bs)
        check_shape(ctx, y, [n, h * bs, w * bs, oc])
        src = source(tuple(x.shape)).reshape(n, h, w, bs, bs, oc).transpose(0, 1, 3, 2, 4, 5)
        return IndexMapParams.build(src)


@register("SPACE_TO_DEPTH")
class SpaceToDepth(IndexMapOp):
    tflm_types = frozenset({DType.float32, DType.int8})

    def persistent(self, node: Operator, target: str = "host", kernels: str = "reference") -> Persistent:
        """Prepare makes the output dims writable (``CreateWritableTensorDimsWithCopy``, space_to_depth.cc)."""
        base = opdata(node.name, target, kernels)
        return Persistent(base.init, (writable_dims(node.outputs[0]),))

    def prepare(self, node: Operator, ctx: OpContext) -> IndexMapParams:
        x, y, bs = _common(node, ctx)
        n, h, w, c = x.shape
        if h % bs or w % bs:
            ctx.shape_error(f"height {h} and width {w} must be multiples of block_size {bs}")
        check_shape(ctx, y, [n, h // bs, w // bs, c * bs * bs])
        src = source(tuple(x.shape)).reshape(n, h // bs, bs, w // bs, bs, c).transpose(0, 1, 3, 2, 4, 5)
        return IndexMapParams.build(src)
