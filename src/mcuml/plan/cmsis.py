"""CMSIS-NN kernel set: scratch buffers and persistent data (``tensorflow/lite/micro/kernels/cmsis_nn/``).

Not modelled yet: the im2col / kernel-sum buffer formulas live in CMSIS-NN's
``arm_*_get_buffer_size`` functions (conv.cc, depthwise_conv.cc, fully_connected.cc, pooling.cc,
svdf.cc call them), which need the CMSIS-NN sources. Until they are ported, the cmsis-nn estimate
uses the reference-kernel rules and is flagged approximate by :func:`mcuml.arena.predict_arena`.
"""

from __future__ import annotations

from mcuml.ir.model import Operator

CMSIS_SCRATCH: dict = {}


def cmsis_persistent(op: Operator, target: str) -> tuple[list[int], list[int]] | None:
    """(init, prepare) persistent allocations of the CMSIS-NN kernel, or None to use the reference rules."""
    return None
