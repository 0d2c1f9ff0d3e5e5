"""mcuml's int8 PTQ vs TensorFlow's converter on the same networks (skipped without the ``tf`` extra).

The PyTorch reference networks (BatchNorm folded) are rebuilt in Keras with the same weights, TF's
converter quantizes them (full integer, same calibration samples), and both int8 models are scored
against the float PyTorch model on the same 500 inputs: mcuml must not be worse by more than one
point (top-1 agreement for the classifier, relative output error for the autoencoder).
"""

from __future__ import annotations

import os

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
tf = pytest.importorskip("tensorflow")

from converters.test_torch_archs import converted, run_int8  # noqa: E402

pytestmark = [pytest.mark.torch, pytest.mark.onnx, pytest.mark.tf, pytest.mark.slow]
nn = torch.nn


def _fold(seq: nn.Sequential) -> tuple[np.ndarray, np.ndarray]:
    """Conv(bias=False)/Linear + BatchNorm -> (weights, bias) in PyTorch layout."""
    lin, bn = seq[0], seq[1]
    k = (bn.weight / torch.sqrt(bn.running_var + bn.eps)).detach().numpy()
    w = lin.weight.detach().numpy() * k.reshape((-1,) + (1,) * (lin.weight.ndim - 1))
    b0 = lin.bias.detach().numpy() if lin.bias is not None else 0.0
    b = (b0 - bn.running_mean.detach().numpy()) * k + bn.bias.detach().numpy()
    return w.astype(np.float32), b.astype(np.float32)


def _keras_cifar(model: nn.Module) -> "tf.keras.Model":
    k = tf.keras
    x = inp = k.Input((32, 32, 3), batch_size=1)
    for i in (0, 2, 4):
        w, b = _fold(model.features[i])
        conv = k.layers.Conv2D(w.shape[0], 3, padding="same", activation="relu")
        x = conv(x)
        conv.set_weights([w.transpose(2, 3, 1, 0), b])
        x = k.layers.MaxPooling2D(2)(x)
    x = k.layers.Flatten()(x)
    fc = k.layers.Dense(10)
    x = fc(x)
    w = model.fc.weight.detach().numpy().reshape(10, 32, 4, 4).transpose(0, 2, 3, 1).reshape(10, -1)
    fc.set_weights([w.T, model.fc.bias.detach().numpy()])
    return k.Model(inp, k.layers.Softmax()(x))


def _keras_ae(model: nn.Module) -> "tf.keras.Model":
    k = tf.keras
    x = inp = k.Input((640,), batch_size=1)
    layers = list(model.net)
    i = 0
    while i < len(layers):
        if i + 1 < len(layers) and isinstance(layers[i + 1], nn.BatchNorm1d):
            w, b = _fold(nn.Sequential(layers[i], layers[i + 1]))
            i += 3
            act = "relu"
        else:
            w, b = layers[i].weight.detach().numpy(), layers[i].bias.detach().numpy()
            i += 1
            act = None
        d = k.layers.Dense(w.shape[0], activation=act)
        x = d(x)
        d.set_weights([w.T, b])
    return k.Model(inp, x)


def _tf_int8(kmodel: "tf.keras.Model", cal_nhwc: np.ndarray) -> bytes:
    conv = tf.lite.TFLiteConverter.from_keras_model(kmodel)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = lambda: ([cal_nhwc[i:i + 1]] for i in range(cal_nhwc.shape[0]))
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = tf.int8
    conv.inference_output_type = tf.int8
    return bytes(conv.convert())


@pytest.mark.parametrize("name", ["cifar_cnn", "dense_ae"])
def test_mcuml_ptq_not_worse_than_tf(name):
    from converters.test_torch_archs import make

    res, model, ev, classifier = converted(name)
    _, cal, _, _ = make(name)
    to_nhwc = (lambda a: np.ascontiguousarray(a.transpose(0, 2, 3, 1))) if ev.ndim == 4 else (lambda a: a)
    kmodel = _keras_cifar(model) if name == "cifar_cnn" else _keras_ae(model)
    with torch.no_grad():
        want = model(torch.from_numpy(ev)).numpy()
    np.testing.assert_allclose(kmodel.predict(to_nhwc(ev), batch_size=1, verbose=0), want, atol=1e-4)
    tf_model = _tf_int8(kmodel, to_nhwc(cal))
    ours, theirs = run_int8(res.tflite, ev), run_int8(tf_model, ev)
    if classifier:
        a = float(np.mean(np.argmax(ours, 1) == np.argmax(want, 1)))
        b = float(np.mean(np.argmax(theirs, 1) == np.argmax(want, 1)))
        assert a >= b - 0.01, f"top-1 agreement: mcuml {a:.3f}, TF {b:.3f}"
    else:
        a = float(np.linalg.norm(ours - want) / np.linalg.norm(want))
        b = float(np.linalg.norm(theirs - want) / np.linalg.norm(want))
        assert a <= b + 0.01, f"relative error: mcuml {a:.4f}, TF {b:.4f}"
    print(f"{name}: mcuml {a:.4f}, TF {b:.4f}")
