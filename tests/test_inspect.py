"""``mcuml.inspect``: tables and totals on the corpus, MLPerf Tiny MACs (acceptance 3)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mcuml.cli._common import to_jsonable
from mcuml.inspect import inspect
from mcuml.ir.build import ModelBuilder
from oracle import manifest, model_path

ENTRIES = manifest()

# published MACs of the MLPerf Tiny v1 int8 reference models (the benchmark paper, Table 1)
MLPERF_MACS = {
    "mlcommons_tiny/pretrainedResnet_quant.tflite": 12.5e6,  # IC: ResNet-8
    "mlcommons_tiny/kws_ref_model.tflite": 2.7e6,  # KWS: DS-CNN
    "mlcommons_tiny/vww_96_int8.tflite": 7.5e6,  # VWW: MobileNetV1 0.25
    "mlcommons_tiny/ad01_int8.tflite": 0.26e6,  # AD: FC autoencoder
}


def _path(rel: str):
    p = model_path(rel)
    return p


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["file"] for e in ENTRIES])
def test_corpus_inspect(entry: dict) -> None:
    path = _path(entry["file"])
    r = inspect(path)
    data = json.loads(json.dumps(to_jsonable(r)))  # valid JSON
    assert data["size_bytes"] == entry["size_bytes"]
    assert data["totals"]["op_histogram"] == entry["op_histogram"]
    assert [(t["name"], t["shape"], t["dtype"]) for t in data["inputs"]] == \
        [(t["name"], t["shape"], t["dtype"]) for t in entry["inputs"]]
    assert [(t["name"], t["shape"]) for t in data["outputs"]] == [(t["name"], t["shape"]) for t in entry["outputs"]]
    assert r.totals.macs == sum(o.macs for o in r.operators)
    assert r.totals.operators == entry["num_operators"] and len(r.operators) == entry["num_operators"]
    assert 0 <= r.totals.weight_bytes <= entry["size_bytes"]
    assert all(o.macs >= 0 and o.param_bytes >= 0 for o in r.operators)
    for o in r.operators:
        for t in o.inputs + o.outputs:
            assert t.index == -1 or r.tensors[t.index].shape == t.shape


@pytest.mark.parametrize("rel", list(MLPERF_MACS))
def test_mlperf_tiny_macs_in_ballpark(rel: str) -> None:
    r = inspect(_path(rel))
    assert not r.totals.ops_without_cost, r.totals.ops_without_cost
    assert 0.9 * MLPERF_MACS[rel] <= r.totals.macs <= 1.1 * MLPERF_MACS[rel], r.totals.macs


def test_small_model_numbers() -> None:
    b = ModelBuilder()
    x = b.input("x", (1, 4), "int8", scale=0.1, zero_point=3)
    w = b.const("w", np.ones((3, 4)), "int8", scale=[0.1, 0.2, 0.3], zero_point=0)
    bias = b.const("b", np.zeros(3), "int32", scale=0.01, zero_point=0)
    y = b.tensor("y", (1, 3), "int8", scale=0.2, zero_point=0)
    b.op("FULLY_CONNECTED", [x, w, bias], [y], "FullyConnectedOptions")
    z = b.tensor("z", (1, 3), "int8", scale=0.2, zero_point=0)
    b.op("CUSTOM:Mystery", [y], [z])
    b.output(z)
    r = inspect(b.build())
    assert r.inputs[0].scale == (float(np.float32(0.1)),) and r.inputs[0].zero_point == (3,)
    fc, custom = r.operators
    assert fc.op == "FULLY_CONNECTED" and fc.param_bytes == 12 + 12
    assert [t.index for t in fc.inputs] == [0, 1, 2] and fc.outputs[0].shape == (1, 3)
    assert custom.macs == 0 and not custom.cost_known and not custom.has_kernel
    assert r.totals.ops_without_cost == ("CUSTOM:Mystery",)
    assert r.totals.weight_bytes == 24
    assert r.totals.activation_bytes == 4 + 3 + 3 and r.totals.largest_activation_bytes == 4
    assert r.tensors[1].scale == tuple(float(np.float32(v)) for v in (0.1, 0.2, 0.3)) and r.tensors[1].is_constant
    assert r.totals.op_histogram == {"CUSTOM:Mystery": 1, "FULLY_CONNECTED": 1}
    if fc.cost_known:  # FULLY_CONNECTED cost(): out_elems x depth
        assert fc.macs == 3 * 4


def test_omitted_optional_input() -> None:
    b = ModelBuilder()
    x = b.input("x", (1, 4), "float32")
    w = b.const("w", np.ones((2, 4), np.float32))
    y = b.tensor("y", (1, 2), "float32")
    b.op("FULLY_CONNECTED", [x, w, None], [y], "FullyConnectedOptions")
    b.output(y)
    (op,) = inspect(b.build()).operators
    assert op.inputs[2].index == -1 and op.inputs[2].dtype == "none"


def test_package_attribute_stays_callable() -> None:
    import mcuml
    import mcuml.inspect  # rebinds the package attribute to the submodule

    b = ModelBuilder()
    x = b.input("x", (1, 4), "float32")
    b.output(x)
    assert mcuml.inspect_model(b.build()).totals.operators == 0
