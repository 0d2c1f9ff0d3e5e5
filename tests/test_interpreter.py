"""The tf.lite-shaped API of ``mcuml.Interpreter``: details, errors, arena semantics, state."""

from __future__ import annotations

import numpy as np
import pytest

from mcuml import ArenaTooSmallError, InputError, Interpreter, load_model
from mcuml.plan.arena import predict_arena
from mcuml.examples import synthetic_cifar_cnn
from oracle import model_path

MODEL = synthetic_cifar_cnn().to_bytes()


def test_details_have_tflite_keys():
    it = Interpreter(model_content=MODEL)
    it.allocate_tensors()
    d = it.get_input_details()[0]
    assert set(d) >= {"name", "index", "shape", "shape_signature", "dtype", "quantization",
                      "quantization_parameters", "sparsity_parameters"}
    assert d["dtype"] is np.int8 and d["shape"].tolist() == [1, 32, 32, 3]
    scale, zp = d["quantization"]
    assert zp == -128 and abs(scale - 1 / 255) < 1e-9
    assert it.get_output_details()[0]["shape"].tolist() == [1, 10]
    assert len(it.get_tensor_details()) == len(load_model(MODEL).main.tensors)


def test_set_tensor_checks_shape_and_dtype():
    it = Interpreter(model_content=MODEL)
    idx = it.get_input_details()[0]["index"]
    with pytest.raises(InputError, match=r"expected shape \[1, 32, 32, 3\], got \[1, 32, 32\]"):
        it.set_tensor(idx, np.zeros((1, 32, 32), np.int8))
    with pytest.raises(InputError, match="quantize"):
        it.set_tensor(idx, np.zeros((1, 32, 32, 3), np.float32))
    with pytest.raises(InputError, match="expected dtype int8"):
        it.set_tensor(idx, np.zeros((1, 32, 32, 3), np.int16))
    with pytest.raises(InputError, match="out of range"):
        it.get_tensor(10_000)


def test_arena_size_semantics_match_tflm():
    need = predict_arena(load_model(MODEL), target="host").arena_bytes
    Interpreter(model_content=MODEL, arena_size=need).allocate_tensors()
    with pytest.raises(ArenaTooSmallError) as e:
        Interpreter(model_content=MODEL, arena_size=need - 16).allocate_tensors()
    assert (e.value.requested, e.value.available, e.value.missing) == (need, need - 16, 16)


def test_tensors_live_in_one_arena_without_live_overlap():
    it = Interpreter(model_content=MODEL, check_overlaps=True)
    it.allocate_tensors()
    c = it.compiled
    out = it.tensor(it.get_output_details()[0]["index"])()
    assert out.base is not None  # a view, not a copy
    assert len(it.arena) == c.plan.size
    assert not c.plan.overlapping_pairs()


def test_reset_restores_first_output_of_stateful_model():
    p = model_path("tflite_micro/keyword_scrambled.tflite")
    it = Interpreter(model_path=str(p))
    x = np.random.default_rng(0).integers(-32768, 32767, (1, 96), dtype=np.int16)
    d, o = it.get_input_details()[0]["index"], it.get_output_details()[0]["index"]
    it.set_tensor(d, x)
    it.invoke()
    first = it.get_tensor(o)
    for _ in range(3):
        it.set_tensor(d, x)
        it.invoke()
    it.reset()
    it.set_tensor(d, x)
    it.invoke()
    assert np.array_equal(it.get_tensor(o), first)


def test_unsupported_ops_reported_together():
    from mcuml.errors import UnsupportedOpError
    from mcuml.ir.build import ModelBuilder

    b = ModelBuilder()
    x = b.input("x", (1, 4), "float32")
    y = b.tensor("y", (1, 4), "float32")
    z = b.tensor("z", (1, 4), "float32")
    b.op("GELU", [x], [y])
    b.op("TILE", [y, b.const("m", np.array([1, 1], np.int32))], [z])
    b.output(z)
    with pytest.raises(UnsupportedOpError) as e:
        Interpreter(model=b.build())
    assert {p.op for p in e.value.problems} == {"GELU", "TILE"} and "node 0" in str(e.value) and "node 1" in str(e.value)
