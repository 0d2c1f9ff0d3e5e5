"""tf.lite.Interpreter's signature runner, batch resizing and reset_all_variables on mcuml.Interpreter."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import mcuml
from mcuml import Interpreter
from mcuml.errors import InputError
from oracle import model_path, tflm_run

EXAMPLE = str(Path(mcuml.__file__).parent / "data" / "example_cnn.tflite")
KWS = "mlcommons_tiny/kws_ref_model.tflite"
SVDF = "tflite_micro/keyword_scrambled.tflite"  # SVDF state in variable tensors


def _one_by_one(path, xs):
    it = Interpreter(model_path=path)
    it.allocate_tensors()
    i, o = it.get_input_details()[0]["index"], it.get_output_details()[0]["index"]
    out = []
    for x in xs:
        it.set_tensor(i, x[None])
        it.invoke()
        out.append(it.get_tensor(o)[0])
    return np.stack(out)


def test_resize_batch_dimension_like_tflite():
    p = model_path(KWS)
    x = np.random.default_rng(0).integers(-128, 128, (4, 49, 10, 1), dtype=np.int8)
    it = Interpreter(model_path=p)
    i = it.get_input_details()[0]["index"]
    it.resize_tensor_input(i, [4, 49, 10, 1])
    it.allocate_tensors()
    assert list(it.get_input_details()[0]["shape"]) == [4, 49, 10, 1]
    assert list(it.get_output_details()[0]["shape"]) == [4, 12]  # what tf.lite reports after allocate_tensors
    it.set_tensor(i, x)
    it.invoke()
    y = it.get_tensor(it.get_output_details()[0]["index"])
    assert y.shape == (4, 12) and y.dtype == np.int8
    assert np.array_equal(y, _one_by_one(p, x))
    assert np.array_equal(y[2], tflm_run(p, [x[2:3]])[0][0])  # the real TFLM, one sample
    it.resize_tensor_input(i, [1, 49, 10, 1])  # back to batch 1: the plain path
    it.allocate_tensors()
    it.set_tensor(i, x[1:2])
    it.invoke()
    assert np.array_equal(it.get_tensor(it.get_output_details()[0]["index"])[0], y[1])


def test_resize_errors():
    it = Interpreter(model_path=model_path(KWS))
    i = it.get_input_details()[0]["index"]
    with pytest.raises(InputError, match="batch dimension only"):
        it.resize_tensor_input(i, [1, 40, 10, 1])
    with pytest.raises(InputError, match="not an input"):
        it.resize_tensor_input(it.get_output_details()[0]["index"], [2, 12])
    it.resize_tensor_input(i, [2, 49, 10, 1], strict=True)  # shape_signature [-1, 49, 10, 1]
    ex = Interpreter(model_path=EXAMPLE)
    with pytest.raises(InputError, match="strict"):  # no shape_signature: the batch dimension is fixed
        ex.resize_tensor_input(0, [2, 32, 32, 3], strict=True)
    it.resize_tensor_input(i, [3, 49, 10, 1])
    with pytest.raises(InputError, match="expected shape"):
        it.set_tensor(i, np.zeros((2, 49, 10, 1), np.int8))


def test_signature_runner():
    it = Interpreter(model_path=EXAMPLE)
    assert it.get_signature_list() == {"serving_default": {"inputs": ["input_0"], "outputs": ["output_0"]}}
    run = it.get_signature_runner()
    assert set(run.get_input_details()) == {"input_0"} and set(run.get_output_details()) == {"output_0"}
    x = np.random.default_rng(1).integers(-128, 128, (5, 32, 32, 3), dtype=np.int8)
    one = run(input_0=x[:1])
    assert set(one) == {"output_0"} and one["output_0"].shape == (1, 10)
    batch = run(input_0=x)  # a leading dimension of 5: a batch, like tf.lite resizing the input
    assert batch["output_0"].shape == (5, 10) and np.array_equal(batch["output_0"][:1], one["output_0"])
    assert np.array_equal(batch["output_0"], _one_by_one(EXAMPLE, x))
    with pytest.raises(InputError, match="Invalid Input name"):
        run(image=x[:1])
    with pytest.raises(InputError, match="invalid signature_key"):
        it.get_signature_runner("nope")
    with pytest.raises(InputError, match="has 0 SignatureDefs"):
        Interpreter(model_path=model_path(KWS)).get_signature_runner()


def test_reset_all_variables():
    p = model_path(SVDF)
    it = Interpreter(model_path=p)
    it.allocate_tensors()
    d, o = it.get_input_details()[0], it.get_output_details()[0]["index"]
    x = np.random.default_rng(0).integers(-32768, 32767, d["shape"], dtype=d["dtype"])
    outs = []
    for _ in range(3):
        it.set_tensor(d["index"], x)
        it.invoke()
        outs.append(it.get_tensor(o))
    assert np.array_equal(outs[-1], tflm_run(p, [x], invokes=3)[0])
    state = [k for k, t in enumerate(it.model.main.tensors) if t.is_variable]
    assert state and any(np.any(it.get_tensor(k) != 0) for k in state)  # the SVDF memory filled up
    it.reset_all_variables()
    assert all(np.all(it.get_tensor(k) == (t.zero_point if t.dtype.name == "int8" else 0))
               for k, t in ((k, it.model.main.tensors[k]) for k in state))
    it.set_tensor(d["index"], x)
    it.invoke()
    assert np.array_equal(it.get_tensor(o), outs[0])


@pytest.mark.tf
def test_same_api_answers_as_tf_lite():
    tf = pytest.importorskip("tensorflow")
    p = model_path(KWS)
    ref = tf.lite.Interpreter(model_path=str(p),
                              experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_REF)
    ours = Interpreter(model_path=p)
    for it in (ref, ours):
        it.resize_tensor_input(it.get_input_details()[0]["index"], [3, 49, 10, 1])
        it.allocate_tensors()
    for a, b in ((ref.get_input_details(), ours.get_input_details()), (ref.get_output_details(),
                                                                        ours.get_output_details())):
        assert [list(d["shape"]) for d in a] == [list(d["shape"]) for d in b]
    ex = tf.lite.Interpreter(model_path=EXAMPLE)
    assert ex.get_signature_list() == Interpreter(model_path=EXAMPLE).get_signature_list()
