"""Lossless .tflite round trip (issue #2, acceptance 1).

For every shared model: ``load_model`` works, ``to_bytes()`` re-loads to an equal Model, writing
is stable, and where TFLM runs the model the re-written bytes give outputs identical to the
original file's in the tflite-micro wheel. Fields the IR does not interpret (signature defs,
metadata, custom options, deprecated op codes, shape signatures, non-UTF-8 names) survive too.
"""

from __future__ import annotations

import numpy as np
import pytest
from oracle import manifest, model_path, random_input, tflm_run, unavailable

import mcuml
from mcuml import load_model
from mcuml.errors import ModelFormatError
from mcuml.ir.build import ModelBuilder
from mcuml.ir.model import Buffer, Metadata, SignatureDef

ENTRIES = manifest()
SLOW_TFLM = {"tflite_micro/mobilenet_v2_quantized_1x3x224x224.tflite", "tinyengine/mcunetv2_large.tflite",
             "wake_vision/wv_quality_mcunet-320kb-1mb_vww.tflite", "wake_vision/wv_quality_mobilenetv2.tflite"}


def _bytes(rel: str) -> bytes:
    return model_path(rel).read_bytes()


def test_corpus_is_complete() -> None:
    if not ENTRIES:
        unavailable("shared models absent")
    assert len(ENTRIES) == 59


@pytest.mark.parametrize("rel", [e["file"] for e in ENTRIES])
def test_load_write_reload_equal(rel: str) -> None:
    data = _bytes(rel)
    model = load_model(data)
    out = model.to_bytes()
    again = load_model(out)
    assert again == model
    assert again.to_bytes() == out  # writing is deterministic and a fixed point after one pass
    assert out[4:8] == b"TFL3"


def _tflm_params():
    for e in ENTRIES:
        if e["tflm_runs"]:
            marks = [pytest.mark.slow] if e["file"] in SLOW_TFLM else []
            yield pytest.param(e["file"], marks=marks, id=e["file"])


@pytest.mark.parametrize("rel", list(_tflm_params()))
def test_rewritten_bytes_run_identically_in_tflm(rel: str) -> None:
    data = _bytes(rel)
    model = load_model(data)
    rng = np.random.default_rng(20240601)
    inputs = [random_input(t.shape, t.dtype.numpy, rng) for t in model.main.inputs]
    want = tflm_run(data, inputs)
    got = tflm_run(model.to_bytes(), inputs)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.dtype == w.dtype and g.shape == w.shape
        assert np.array_equal(g, w, equal_nan=True)


def _small_model() -> ModelBuilder:
    b = ModelBuilder(description="roundtrip")
    x = b.input("x", (1, 4), "int8", scale=0.5, zero_point=-1)
    y = b.tensor("y", (1, 4), "int8", scale=0.5, zero_point=-1)
    b.op("RESHAPE", [x], [y], "ReshapeOptions", new_shape=[1, 4])
    z = b.tensor("z", (1, 4), "int8", scale=0.5, zero_point=-1)
    b.op("CUSTOM:MyOp", [y], [z], custom_options=b"\x01\x02flexbuffer?\x00")
    b.output(z)
    return b


def test_unmodelled_fields_survive() -> None:
    b = _small_model()
    m = b.build()
    sg = m.main
    meta = Buffer(b"\x00\x01\x02\x03 some metadata")
    m.buffers.append(meta)
    m.metadata.append(Metadata("min_runtime_version", meta))
    m.signature_defs.append(SignatureDef("serving_default", sg, [("in", sg.inputs[0])], [("out", sg.outputs[0])]))
    sg.tensors[0].shape_signature = (-1, 4)
    sg.tensors[0].has_rank = True
    m.operator_codes[0].version = 7
    # a builder leaves activation buffers as None, a reader maps them to buffer 0: compare reloads
    first = load_model(m.to_bytes())
    again = load_model(first.to_bytes())
    assert again == first
    assert again.get_metadata("min_runtime_version") == b"\x00\x01\x02\x03 some metadata"
    sd = again.signature_defs[0]
    assert sd.key == "serving_default" and sd.inputs[0][0] == "in" and sd.inputs[0][1] is again.main.inputs[0]
    assert again.main.operators[1].custom_options == b"\x01\x02flexbuffer?\x00"
    assert again.main.operators[1].name == "CUSTOM:MyOp"
    assert again.main.operators[0].options.new_shape == (1, 4)
    assert again.main.operators[0].version == 7
    assert again.main.tensors[0].shape_signature == (-1, 4)


def test_deprecated_builtin_code_is_the_max_and_survives() -> None:
    m = _small_model().build()
    code = m.main.operators[0].opcode
    code.deprecated_builtin_code, code.builtin_code = code.builtin_code, 0  # an old converter's file
    again = load_model(m.to_bytes())
    c = again.main.operators[0].opcode
    assert (c.builtin_code, c.deprecated_builtin_code) == (0, code.deprecated_builtin_code)
    assert again.main.operators[0].name == "RESHAPE"


def test_non_utf8_names_survive() -> None:
    m = _small_model().build()
    m.main.tensors[0].name = b"caf\xe9-\xff".decode("utf-8", "surrogateescape")  # latin-1 bytes in a name
    data = m.to_bytes()
    assert b"caf\xe9-\xff" in data
    assert load_model(data).main.tensors[0].name == m.main.tensors[0].name


def test_bad_files_raise_model_format_error(tmp_path) -> None:
    data = _small_model().build().to_bytes()
    for bad in (b"", data[:7], data[:4] + b"XXXX" + data[8:], data[: len(data) // 2]):
        with pytest.raises(ModelFormatError):
            load_model(bad)


def test_built_model_equals_its_reload():
    from mcuml.examples import synthetic_cifar_cnn

    m = synthetic_cifar_cnn()
    assert mcuml.load_model(m.to_bytes()) == m
