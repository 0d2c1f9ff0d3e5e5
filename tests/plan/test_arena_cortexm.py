"""Cortex-M arena prediction (reference and CMSIS-NN kernel sets) against the measured Cortex-M4 minima.

The calibration file (shared/calibration/cortexm4_tflm_dev.json) holds, per model and kernel set, the
smallest 16-aligned arena with which a cortex_m_generic (cortex-m4+fp) TFLM build at 90b983c with
CMSIS-NN 4ab83cc runs AllocateTensors and Invoke. Every prediction must be within [-UNDER, +OVER] bytes
(never below: ``arena_bytes`` is used as kTensorArenaSize) and, today, all of them are exact.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from oracle import model_path, shared_path

from mcuml import load_model
from mcuml.plan.arena import predict_arena
from mcuml.ir.build import ModelBuilder
from mcuml.plan import cmsis
from mcuml.plan.records import scratch_requests

CALIBRATION = "calibration/cortexm4_tflm_dev.json"  # under MCUML_SHARED
UNDER, OVER = 0, 8  # bytes: never below the measured minimum
MIN_EXACT = {"ref": 47, "cmsis": 47}  # of 47 models


@pytest.fixture(scope="module")
def table():
    cal = json.loads(shared_path(CALIBRATION).read_text())
    rows = []
    for m in cal["models"]:
        model = load_model(model_path(m["file"]))
        for kernels, key in (("reference", "ref"), ("cmsis-nn", "cmsis")):
            est = predict_arena(model, target="cortex-m", kernels=kernels)
            rows.append((m["file"], key, est.arena_bytes, m[f"arena_min_32bit_{key}"], est.used_bytes,
                         m[f"arena_used_32bit_{key}"], est.approximate))
    return rows


def _render(rows) -> str:
    lines = [f"{'model':58s} {'set':5s} {'pred':>8s} {'meas':>8s} {'diff':>5s} {'used d':>6s}"]
    lines += [f"{f:58s} {k:5s} {p:8d} {m:8d} {p - m:5d} {pu - mu:6d}" for f, k, p, m, pu, mu, _ in rows]
    return "\n".join(lines)


def test_calibration_table_within_tolerance(table):
    assert len(table) == 94
    bad = [r for r in table if not -UNDER <= r[2] - r[3] <= OVER]
    assert not bad, "outside [-%d, +%d] B:\n%s" % (UNDER, OVER, _render(bad))
    for key, need in MIN_EXACT.items():
        exact = sum(1 for r in table if r[1] == key and r[2] == r[3])
        assert exact >= need, f"{key}: only {exact} exact\n{_render(table)}"
    within16 = sum(1 for r in table if abs(r[4] - r[5]) <= 16)
    assert within16 == 94, _render(table)  # arena_used_bytes() within 16 B everywhere


def test_cmsis_estimates_are_fully_modelled(table):
    assert all(not r[6] for r in table if r[1] == "cmsis"), [r[0] for r in table if r[6]]


def test_cmsis_differs_from_reference_where_it_should(table):
    by = {(r[0], r[1]): r[2] for r in table}
    conv10 = by[("tflite_micro/seanet_conv10.tflite", "cmsis")] - by[("tflite_micro/seanet_conv10.tflite", "ref")]
    assert conv10 > 3000  # int16 conv: the s16 im2col buffer dominates
    for f in ("tflite_micro/seanet_add0.tflite", "tflite_micro/seanet_quantize0.tflite"):
        assert by[(f, "cmsis")] == by[(f, "ref")]  # same OpData, no scratch


# ---- CMSIS-NN buffer-size ports (values worked from the C sources at 4ab83cc) --------------------------------

def test_convolve_wrapper_s8_sizes():
    g = dict(stride=(1, 1), pad=(1, 1), dilation=(1, 1))
    # im2col: two int16 columns of align4(kh*kw*c_in)
    assert cmsis.convolve_wrapper_s8_buffer_size((1, 8, 8, 3), 3, 3, 3, 8, isa="dsp", **g) == 2 * 28 * 2
    assert cmsis.convolve_wrapper_s8_buffer_size((1, 8, 8, 3), 3, 3, 3, 8, isa="c", **g) == 2 * 28 * 2
    assert cmsis.convolve_wrapper_s8_buffer_size((1, 8, 8, 3), 3, 3, 3, 8, isa="mve", **g) == 4 * 2 * 16
    # 1x1 (no padding): no buffer with GCC on any core, whatever the stride
    one = dict(pad=(0, 0), dilation=(1, 1))
    for isa in cmsis.ISAS:
        for stride in ((1, 1), (2, 2)):
            assert cmsis.convolve_wrapper_s8_buffer_size((1, 8, 8, 16), 1, 1, 16, 8, stride=stride, isa=isa,
                                                         **one) == 0
    # 1 x n on a single-row input: plain im2col on DSP, the padded-row formula on MVE
    row = dict(stride=(1, 1), pad=(0, 1), dilation=(1, 1))
    assert cmsis.convolve_wrapper_s8_buffer_size((1, 1, 32, 8), 1, 3, 8, 32, isa="dsp", **row) == 2 * 24 * 2
    assert cmsis.convolve_wrapper_s8_buffer_size((1, 1, 32, 8), 1, 3, 8, 32, isa="mve", **row) == 3 * 8 + 8


def test_depthwise_and_pool_sizes():
    g = dict(stride=(1, 1), dilation=(1, 1))
    assert cmsis.depthwise_conv_wrapper_s8_buffer_size((1, 10, 10, 32), 3, 3, 32, 10, pad=(1, 1), isa="dsp",
                                                       **g) == 0  # arm_depthwise_conv_3x3_s8
    assert cmsis.depthwise_conv_wrapper_s8_buffer_size((1, 10, 10, 32), 5, 5, 32, 10, pad=(2, 2), isa="dsp",
                                                       **g) == 32 * 25 * 2
    assert cmsis.depthwise_conv_wrapper_s8_buffer_size((1, 10, 10, 32), 5, 5, 32, 10, pad=(2, 2), isa="c", **g) == 0
    assert cmsis.depthwise_conv_wrapper_s8_buffer_size((1, 10, 10, 32), 3, 3, 32, 10, pad=(1, 1), isa="mve",
                                                       **g) == 4 * 124 * 9
    assert cmsis.depthwise_conv_wrapper_s8_buffer_size((1, 10, 10, 8), 3, 3, 16, 10, pad=(1, 1), isa="dsp",
                                                       **g) == 0  # channel multiplier 2: generic kernel
    assert cmsis.avgpool_buffer_size(24, "dsp") == 96 and cmsis.avgpool_buffer_size(24, "mve") == 0
    assert cmsis.fully_connected_s8_buffer_size(10, "dsp") == 0 and cmsis.fully_connected_s8_buffer_size(10, "mve") == 40


def test_transpose_conv_sizes():
    # reverse-conv path (stride <= 2, c_in > 16): im2col of the conv plus the reversed filter
    assert cmsis.transpose_conv_s8_buffer_size((1, 4, 4, 32), 3, 3, 8, (2, 2), "dsp") == 2 * 288 * 2
    assert cmsis.transpose_conv_s8_reverse_buffer_size(32, 3, 3, 8, (2, 2)) == 32 * 9 * 8
    # column-window path
    assert cmsis.transpose_conv_s8_buffer_size((1, 4, 4, 8), 3, 3, 8, (2, 2), "dsp") == ((3 * 2 + 3) * 8) * 3 * 4
    assert cmsis.transpose_conv_s8_reverse_buffer_size(8, 3, 3, 8, (2, 2)) == 0


def _conv_model(k: int, cin: int, cout: int, dtype: str = "int8"):
    b = ModelBuilder()
    x = b.input("x", (1, 12, 12, cin), dtype, scale=0.5, zero_point=0)
    w = b.const("w", np.ones((cout, k, k, cin), np.int8), scale=[0.1] * cout, zero_point=[0] * cout,
                quantized_dimension=0)
    bias_dtype = np.int64 if dtype == "int16" else np.int32
    bias = b.const("b", np.zeros(cout, bias_dtype), scale=[0.05] * cout, zero_point=[0] * cout)
    y = b.tensor("y", (1, 12, 12, cout), dtype, scale=0.5, zero_point=0)
    b.op("CONV_2D", [x, w, bias], [y], "Conv2DOptions", padding=0, stride_w=1, stride_h=1)
    b.output(y)
    return b.build()


def test_scratch_requests_per_target():
    m = _conv_model(3, 5, 8)
    sg = m.subgraphs[0]
    assert scratch_requests(sg, "reference", "cortex-m") == []
    assert scratch_requests(sg, "cmsis-nn", "cortex-m") == [(0, 2 * 48 * 2)]
    assert scratch_requests(_conv_model(1, 5, 8).subgraphs[0], "cmsis-nn", "cortex-m") == []
    s16 = _conv_model(3, 5, 8, "int16").subgraphs[0]
    assert scratch_requests(s16, "cmsis-nn", "cortex-m") == [(0, 2 * 45 * 2)]  # no align4 for s16
    est_ref = predict_arena(m, target="cortex-m", kernels="reference")
    est_cm = predict_arena(m, target="cortex-m", kernels="cmsis-nn")
    assert est_cm.head_bytes == est_ref.head_bytes + 192 and not est_cm.approximate


def test_fully_connected_conv1x1_route_requests_fake_per_channel_buffer():
    b = ModelBuilder()
    x = b.input("x", (1, 4, 16), "int8", scale=0.5, zero_point=0)
    w = b.const("w", np.ones((6, 16), np.int8), scale=0.1, zero_point=0)
    y = b.tensor("y", (1, 4, 6), "int8", scale=0.5, zero_point=0)
    b.op("FULLY_CONNECTED", [x, w, None], [y], "FullyConnectedOptions", keep_num_dims=True)
    b.output(y)
    sg = b.build().subgraphs[0]
    assert scratch_requests(sg, "cmsis-nn", "cortex-m") == [(0, 6 * 4 * 2)]
    assert scratch_requests(sg, "reference", "cortex-m") == []


def test_kws_scratch_requests_match_cmsis_formulas():
    p = model_path("mlcommons_tiny/kws_ref_model.tflite")
    sg = load_model(p).subgraphs[0]
    reqs = scratch_requests(sg, "cmsis-nn", "cortex-m")
    names = [(sg.operators[i].name, n) for i, n in reqs]
    # conv 10x4 on 1 channel: 2·align4(40)·2; 3x3 depthwise and 1x1 convs: none; average pool: 64 int32
    assert names == [("CONV_2D", 160), ("AVERAGE_POOL_2D", 256)]
