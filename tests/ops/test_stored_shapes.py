"""Stored output shapes that differ from what the op computes (issue 13, item 4).

Read from TFLM's Prepare code (tensorflow/lite/micro/kernels, snapshot 90b983c2):

* trust the stored shape (Prepare checks ranks/types only, Eval loops over the stored output shape):
  CONV_2D, DEPTHWISE_CONV_2D (``conv_common.cc``/``depthwise_conv_common.cc``: the padding comes from the
  computed size, the loops from the stored one), AVERAGE_POOL_2D, MAX_POOL_2D (``pooling_common.cc``, same),
  SPACE_TO_BATCH_ND, BATCH_TO_SPACE_ND (``space_to_batch_nd.cc``/``batch_to_space_nd.cc``).
* rewrite the output dims with the computed ones (``CreateWritableTensorDimsWithCopy``): BATCH_MATMUL,
  DEPTH_TO_SPACE, SPACE_TO_DEPTH, EMBEDDING_LOOKUP, L2_POOL_2D, GATHER, GATHER_ND, PACK, UNPACK, SPLIT,
  SQUEEZE, RESHAPE, SELECT_V2, STRIDED_SLICE.
* reject a mismatch in Prepare: CEIL, EXP, ROUND, CUMSUM, LOG_SOFTMAX, FILL, EXPAND_DIMS, PAD/PADV2/MIRROR_PAD
  (``pad_common.cc``), SVDF, CIRCULAR_BUFFER, BROADCAST_TO, ADD_N.
* not classified yet (``trusts_stored_output_shape`` stays False, mcuml keeps validating the output shape): the
  kernels that neither check nor rewrite but whose Eval would index the inputs with a foreign shape, e.g.
  FULLY_CONNECTED, TRANSPOSE_CONV, CONCATENATION, RESIZE_*, TRANSPOSE and the element-wise ops.

Where TFLM trusts the stored shape, mcuml runs it the same way (bit-exact with the wheel) and ``check`` warns,
naming the node and both shapes. The dilated-convolution pattern the TF converter emits
(SPACE_TO_BATCH_ND -> CONV_2D -> BATCH_TO_SPACE_ND) is built with stale intermediate shapes. Paddings are 0:
TFLM's SPACE_TO_BATCH_ND pad value is an uninitialised arena byte (see test_space_to_batch_nd.py).
"""

from __future__ import annotations

import numpy as np
import pytest

from mcuml.check import check
from mcuml.ir.build import ModelBuilder
from mcuml.ops import lookup
from oracle import mcuml_run, random_input, tflm_run

Q_IN = dict(scale=0.05, zero_point=3)
Q_OUT = dict(scale=0.1, zero_point=-2)
CONV = dict(padding=1, stride_h=1, stride_w=1, dilation_h_factor=1, dilation_w_factor=1)  # 1 = VALID


def _q(dtype: str, q: dict) -> dict:
    return q if dtype == "int8" else {}


def _conv(b: ModelBuilder, x, out_shape, dtype: str, rng, depthwise: bool = False, **opts):
    c = x.shape[3]
    oc = out_shape[3]
    w_shape = (1, 3, 3, oc) if depthwise else (oc, 3, 3, c)
    if dtype == "int8":
        w = b.const("w", rng.integers(-127, 128, size=w_shape, dtype=np.int8), scale=0.02, zero_point=0)
        bias = b.const("b", rng.integers(-500, 500, size=oc, dtype=np.int32), scale=0.05 * 0.02, zero_point=0)
    else:
        w = b.const("w", rng.standard_normal(w_shape).astype(np.float32))
        bias = b.const("b", rng.standard_normal(oc).astype(np.float32))
    y = b.tensor("conv_out", out_shape, dtype, **_q(dtype, Q_OUT))
    name, kind = ("DEPTHWISE_CONV_2D", "DepthwiseConv2DOptions") if depthwise else ("CONV_2D", "Conv2DOptions")
    if depthwise:
        opts.setdefault("depth_multiplier", oc // c)
    b.op(name, [x, w, bias], [y], kind, **{**CONV, **opts})
    return y


def _space(b: ModelBuilder, op: str, x, out_shape, block, pads, q: dict, dtype: str, name: str):
    y = b.tensor(name, out_shape, dtype, **_q(dtype, q))
    kind = "SpaceToBatchNDOptions" if op == "SPACE_TO_BATCH_ND" else "BatchToSpaceNDOptions"
    b.op(op, [x, b.const(f"{name}_block", np.array(block, np.int32)),
              b.const(f"{name}_pads", np.array(pads, np.int32))], [y], kind)
    return y


def _assert_like_wheel(data: bytes, n: int = 3) -> None:
    from mcuml import load_model

    ins = load_model(data).main.inputs
    for k in range(n):
        rng = np.random.default_rng(k)
        xs = [random_input(t.shape, t.dtype.numpy, rng) for t in ins]
        want, got = tflm_run(data, xs), mcuml_run(data, xs)
        for g, w in zip(got, want):
            assert g.dtype == w.dtype and g.shape == w.shape and np.array_equal(g, w)


def _warned(data: bytes) -> dict[int, str]:
    res = check(data)
    assert res.runs_on_tflm
    return {p.node: p.reason for p in res.warnings if "stored output shape" in p.reason}


def test_trusting_ops_declare_it():
    for name in ("CONV_2D", "DEPTHWISE_CONV_2D", "AVERAGE_POOL_2D", "MAX_POOL_2D", "SPACE_TO_BATCH_ND",
                 "BATCH_TO_SPACE_ND"):
        assert lookup(name).trusts_stored_output_shape, name
    for name in ("L2_POOL_2D", "RESHAPE", "PAD", "BATCH_MATMUL", "ADD", "FULLY_CONNECTED"):
        assert not lookup(name).trusts_stored_output_shape, name


@pytest.mark.parametrize("dtype", ["float32", "int8"])
def test_dilated_conv_pattern_with_stale_shapes(dtype):
    """S2B (1,8,8,3) -> (4,4,4,3); CONV_2D VALID 3x3 computes (4,2,2,5) but stores (4,3,3,5); B2S with crops 1
    computes (1,4,4,5) from the stored (4,3,3,5) but stores (1,5,5,5). TFLM runs the stored shapes."""
    rng = np.random.default_rng(7)
    b = ModelBuilder()
    x = b.input("x", (1, 8, 8, 3), dtype, **_q(dtype, Q_IN))
    s = _space(b, "SPACE_TO_BATCH_ND", x, (4, 4, 4, 3), [2, 2], [[0, 0], [0, 0]], Q_IN, dtype, "s2b")
    c = _conv(b, s, (4, 3, 3, 5), dtype, rng)
    y = _space(b, "BATCH_TO_SPACE_ND", c, (1, 5, 5, 5), [2, 2], [[1, 1], [1, 1]], Q_OUT, dtype, "b2s")
    b.output(y)
    data = b.build().to_bytes()
    warned = _warned(data)
    assert set(warned) == {1, 2}, warned
    assert "[4, 3, 3, 5]" in warned[1] and "[4, 2, 2, 5]" in warned[1] and "differ from TFLite" in warned[1]
    assert "[1, 5, 5, 5]" in warned[2] and "[1, 4, 4, 5]" in warned[2]
    _assert_like_wheel(data)


def test_consistent_dilated_pattern_has_no_warning():
    rng = np.random.default_rng(3)
    b = ModelBuilder()
    x = b.input("x", (1, 8, 8, 3))
    s = _space(b, "SPACE_TO_BATCH_ND", x, (4, 4, 4, 3), [2, 2], [[0, 0], [0, 0]], {}, "float32", "s2b")
    c = _conv(b, s, (4, 2, 2, 5), "float32", rng)
    b.output(_space(b, "BATCH_TO_SPACE_ND", c, (1, 4, 4, 5), [2, 2], [[0, 0], [0, 0]], {}, "float32", "b2s"))
    data = b.build().to_bytes()
    assert _warned(data) == {}
    _assert_like_wheel(data, 1)


@pytest.mark.parametrize("dtype", ["float32", "int8"])
@pytest.mark.parametrize("op,stored", [("CONV_2D", (1, 5, 5, 4)), ("CONV_2D", (1, 3, 2, 4)),
                                       ("DEPTHWISE_CONV_2D", (1, 5, 6, 6)), ("DEPTHWISE_CONV_2D", (1, 2, 4, 6))])
def test_single_conv_wrong_stored_shape(op, stored, dtype):
    """Input (1,6,6,3), VALID 3x3: computed (1,4,4,C). Larger stored shapes read past the image (taps skipped)."""
    rng = np.random.default_rng(11)
    b = ModelBuilder()
    x = b.input("x", (1, 6, 6, 3), dtype, **_q(dtype, Q_IN))
    b.output(_conv(b, x, stored, dtype, rng, depthwise=op == "DEPTHWISE_CONV_2D"))
    data = b.build().to_bytes()
    warned = _warned(data)
    assert list(warned) == [0] and str(list(stored)) in warned[0] and f"[1, 4, 4, {stored[3]}]" in warned[0]
    _assert_like_wheel(data)


@pytest.mark.parametrize("dtype", ["float32", "int8"])
@pytest.mark.parametrize("op,stored", [("MAX_POOL_2D", (1, 4, 3, 3)), ("MAX_POOL_2D", (1, 2, 2, 3)),
                                       ("AVERAGE_POOL_2D", (1, 2, 3, 3))])
def test_pool_wrong_stored_shape(op, stored, dtype):
    """(1,7,7,3), 2x2 window, stride 2, VALID: computed (1,3,3,3)."""
    b = ModelBuilder()
    x = b.input("x", (1, 7, 7, 3), dtype, **_q(dtype, Q_IN))
    y = b.tensor("y", stored, dtype, **_q(dtype, Q_IN))
    b.op(op, [x], [y], "Pool2DOptions", padding=1, stride_h=2, stride_w=2, filter_height=2, filter_width=2)
    b.output(y)
    data = b.build().to_bytes()
    warned = _warned(data)
    assert list(warned) == [0] and "[1, 3, 3, 3]" in warned[0]
    _assert_like_wheel(data)


@pytest.mark.parametrize("dtype", ["float32", "int8"])
def test_space_to_batch_smaller_stored_shape(dtype):
    b = ModelBuilder()
    x = b.input("x", (1, 6, 8, 2), dtype, **_q(dtype, Q_IN))
    b.output(_space(b, "SPACE_TO_BATCH_ND", x, (4, 2, 3, 2), [2, 2], [[0, 0], [0, 0]], Q_IN, dtype, "y"))
    data = b.build().to_bytes()
    warned = _warned(data)
    assert list(warned) == [0] and "[4, 3, 4, 2]" in warned[0]
    _assert_like_wheel(data)


@pytest.mark.parametrize("dtype", ["float32", "int8"])
def test_batch_to_space_smaller_stored_batch(dtype):
    """Input batch 8 with block 2x2 computes batch 2; stored batch 1: every input batch lands in batch 0,
    later ones overwriting earlier ones, as TFLM's loop does."""
    b = ModelBuilder()
    x = b.input("x", (8, 2, 2, 3), dtype, **_q(dtype, Q_IN))
    b.output(_space(b, "BATCH_TO_SPACE_ND", x, (1, 4, 4, 3), [2, 2], [[0, 0], [0, 0]], Q_IN, dtype, "y"))
    data = b.build().to_bytes()
    warned = _warned(data)
    assert list(warned) == [0] and "[2, 4, 4, 3]" in warned[0]
    _assert_like_wheel(data)
