"""SPACE_TO_BATCH_ND and BATCH_TO_SPACE_ND (3-D or 4-D, float32/int8).

Ports ``tensorflow/lite/micro/kernels/space_to_batch_nd.cc`` / ``batch_to_space_nd.cc`` and the
reference loops in ``reference/space_to_batch_nd.h`` / ``batch_to_space_nd.h`` (3-D tensors are
treated as N,H,1,C). block_shape and paddings/crops must be constant (static shapes).

Pad value: TFLM's ``SpaceToBatchParams.output_offset`` lives in a persistent buffer that its
kernel never writes, so padded positions get the arena's initial byte (0 in the wheel); mcuml
pads with 0 — note that for int8 this is *not* the zero point.
"""

from __future__ import annotations

import numpy as np

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.ops import OpContext, register
from mcuml.ops._index_map import IndexMapOp, IndexMapParams
from mcuml.ops._shape_util import const_ints, n_inputs, same_type_io


def _common(node: Operator, ctx: OpContext, what: str):
    n_inputs(node, ctx, 3)
    x, y = same_type_io(node, ctx, (DType.float32, DType.int8))
    if not 3 <= len(x.shape) <= 4 or len(y.shape) != len(x.shape):
        ctx.shape_error("input and output must both be 3-D or 4-D")
    block = const_ints(node, 1, ctx, "block_shape").ravel()
    pads = const_ints(node, 2, ctx, what).ravel()
    four = len(x.shape) == 4
    bh, bw = int(block[0]), int(block[1]) if four else 1
    top, left = int(pads[0]), int(pads[2]) if four else 0
    xs = tuple(x.shape) if four else (x.shape[0], x.shape[1], 1, x.shape[2])
    ys = tuple(y.shape) if four else (y.shape[0], y.shape[1], 1, y.shape[2])
    if bh <= 0 or bw <= 0:
        ctx.fail("block_shape must be positive")
    return xs, ys, bh, bw, top, left


def _space_positions(batch: tuple[int, ...], space: tuple[int, ...], bh: int, bw: int, top: int,
                     left: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Where each (b, h, w) of the batch-side tensor sits on the space side, and whether it lies inside.

    Batch ``b`` holds space batch ``b % N`` at block offset ``b // N = shift_h * bw + shift_w``
    (N the space-side batch), so ``h_space = h * bh + shift_h - top`` (likewise w); positions
    outside the space tensor are padding (SPACE_TO_BATCH_ND) or cropped (BATCH_TO_SPACE_ND).
    """
    b, h, w = np.meshgrid(np.arange(batch[0]), np.arange(batch[1]), np.arange(batch[2]), indexing="ij")
    offset = b // space[0]
    sh = h * bh + offset // bw - top
    sw = w * bw + offset % bw - left
    valid = (sh >= 0) & (sh < space[1]) & (sw >= 0) & (sw < space[2])
    return b % space[0], sh, sw, valid


def _computed(node: Operator, to_batch: bool) -> tuple[int, ...] | None:
    """What TFLite's Prepare resizes the output to (``space_to_batch_nd.cc`` / ``batch_to_space_nd.cc`` of TFLite)."""
    x = node.inputs[0] if node.inputs else None
    if x is None or len(node.inputs) < 3 or any(t is None or t.buffer is None for t in node.inputs[1:3]) \
            or not 3 <= len(x.shape) <= 4:
        return None
    block = np.frombuffer(node.inputs[1].buffer.data, np.int32)
    pads = np.frombuffer(node.inputs[2].buffer.data, np.int32).reshape(-1, 2)
    if block.size != len(x.shape) - 2 or pads.shape[0] != block.size or (block <= 0).any():
        return None
    if to_batch:
        space = [(d + int(p.sum())) // int(b) for d, p, b in zip(x.shape[1:-1], pads, block)]
        return (x.shape[0] * int(block.prod()), *space, x.shape[-1])
    space = [d * int(b) - int(p.sum()) for d, p, b in zip(x.shape[1:-1], pads, block)]
    return (x.shape[0] // int(block.prod()), *space, x.shape[-1])


@register("SPACE_TO_BATCH_ND")
class SpaceToBatchND(IndexMapOp):
    tflm_types = frozenset({DType.float32, DType.int8})

    def prepare_temps(self, node: Operator) -> list:
        """space_to_batch_nd.cc: Prepare holds only these temporary tensors."""
        return [node.inputs[0], node.outputs[0]]

    def prepare(self, node: Operator, ctx: OpContext) -> IndexMapParams:
        xs, ys, bh, bw, top, left = _common(node, ctx, "paddings")
        if ys[3] != xs[3]:
            ctx.shape_error(f"output {list(node.outputs[0].shape)} has a different depth than the input")
        in_b, ih, iw, valid = _space_positions(ys, xs, bh, bw, top, left)
        base = ((in_b * xs[1] + np.clip(ih, 0, xs[1] - 1)) * xs[2] + np.clip(iw, 0, xs[2] - 1)) * xs[3]
        idx = np.where(valid[..., None], base[..., None] + np.arange(xs[3]), -1)
        return IndexMapParams.build(idx, 0)

    # space_to_batch_nd.cc checks ranks and types only; the reference loop runs over the stored output shape
    trusts_stored_output_shape = True

    def computed_output_shape(self, node: Operator) -> tuple[int, ...] | None:
        return _computed(node, True)


@register("BATCH_TO_SPACE_ND")
class BatchToSpaceND(IndexMapOp):
    tflm_types = frozenset({DType.float32, DType.int8})

    def prepare_temps(self, node: Operator) -> list:
        """batch_to_space_nd.cc: Prepare holds only these temporary tensors."""
        return [node.inputs[0], node.outputs[0]]

    def prepare(self, node: Operator, ctx: OpContext) -> IndexMapParams:
        xs, ys, bh, bw, top, left = _common(node, ctx, "crops")
        if ys[3] != xs[3]:
            ctx.shape_error(f"output {list(node.outputs[0].shape)} has a different depth than the input")
        ob, oh, ow, valid = _space_positions(xs, ys, bh, bw, top, left)
        out_pos = ((ob * ys[1] + oh) * ys[2] + ow)[valid]
        in_pos = np.arange(xs[0] * xs[1] * xs[2]).reshape(xs[:3])[valid]
        pix = np.full(ys[0] * ys[1] * ys[2], -1, dtype=np.int64)
        pix[out_pos] = in_pos
        idx = np.where(pix[:, None] >= 0, pix[:, None] * xs[3] + np.arange(xs[3]), -1)
        return IndexMapParams.build(idx, 0)

    # batch_to_space_nd.cc checks ranks and types only; the reference loop runs over the input and writes the
    # positions inside the stored output shape (later input batches overwrite earlier ones; unwritten stay as-is)
    trusts_stored_output_shape = True

    def computed_output_shape(self, node: Operator) -> tuple[int, ...] | None:
        return _computed(node, False)
