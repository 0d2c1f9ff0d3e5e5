"""Example models the project builds itself (no download, deterministic).

``example_model()`` returns the bundled example used by ``mcuml demo``: the trained CIFAR-10-style
CNN shipped as ``mcuml/data/example_cnn.tflite`` when present, else ``synthetic_cifar_cnn()``, the
same architecture with seeded random weights and calibrated activation scales.
"""

from __future__ import annotations

from importlib import resources

import numpy as np

from mcuml.ir.build import ModelBuilder
from mcuml.ir.model import Model, Tensor

EXAMPLE_FILE = "example_cnn.tflite"


def example_model_bytes() -> bytes:
    """Bytes of the bundled example model."""
    res = resources.files("mcuml") / "data" / EXAMPLE_FILE
    if res.is_file():
        return res.read_bytes()
    return synthetic_cifar_cnn().to_bytes()


def _qconv_weights(rng: np.random.Generator, shape: tuple[int, ...], axis: int) -> tuple[np.ndarray, np.ndarray]:
    """Random float weights -> symmetric per-channel int8 (scale per output channel)."""
    w = rng.standard_normal(shape).astype(np.float32) * np.float32(np.sqrt(2.0 / np.prod(shape[1:])))
    red = tuple(i for i in range(w.ndim) if i != axis)
    scale = np.maximum(np.abs(w).max(axis=red), 1e-8) / 127.0
    q = np.clip(np.rint(w / np.expand_dims(scale, red)), -127, 127).astype(np.int8)
    return q, scale.astype(np.float32)


def synthetic_cifar_cnn(seed: int = 0, classes: int = 10) -> Model:
    """The seed's CIFAR-10 CNN shape (conv-pool-conv-pool-conv-fc-softmax), int8, random weights."""
    rng = np.random.default_rng(seed)
    b = ModelBuilder(description="mcuml synthetic CIFAR-10 CNN (random weights)")
    x = b.input("input", (1, 32, 32, 3), "int8", scale=1 / 255, zero_point=-128)
    act_scale = 0.05

    def conv(inp: Tensor, cin: int, cout: int, name: str, in_scale: float) -> Tensor:
        w, ws = _qconv_weights(rng, (cout, 3, 3, cin), 0)
        bias = np.zeros(cout, np.int32)
        wt = b.const(f"{name}/weights", w, scale=ws, zero_point=np.zeros(cout, np.int64), quantized_dimension=0)
        bt = b.const(f"{name}/bias", bias, scale=ws * in_scale, zero_point=np.zeros(cout, np.int64))
        h, wd = inp.shape[1], inp.shape[2]
        out = b.tensor(name, (1, h, wd, cout), "int8", scale=act_scale, zero_point=-128)
        b.op("CONV_2D", [inp, wt, bt], [out], "Conv2DOptions", padding=0, stride_w=1, stride_h=1,
             fused_activation_function=1, dilation_w_factor=1, dilation_h_factor=1)
        return out

    def pool(inp: Tensor, name: str) -> Tensor:
        out = b.tensor(name, (1, inp.shape[1] // 2, inp.shape[2] // 2, inp.shape[3]), "int8",
                       scale=act_scale, zero_point=-128)
        b.op("MAX_POOL_2D", [inp], [out], "Pool2DOptions", padding=1, stride_w=2, stride_h=2, filter_width=2,
             filter_height=2, fused_activation_function=0)
        return out

    h = pool(conv(x, 3, 16, "conv1", 1 / 255), "pool1")
    h = pool(conv(h, 16, 32, "conv2", act_scale), "pool2")
    h = pool(conv(h, 32, 32, "conv3", act_scale), "pool3")
    flat = b.tensor("flatten", (1, 4 * 4 * 32), "int8", scale=act_scale, zero_point=-128)
    b.op("RESHAPE", [h, b.const("flatten/shape", np.array([1, 512], np.int32))], [flat], "ReshapeOptions",
         new_shape=[1, 512])
    w, ws = _qconv_weights(rng, (classes, 512), 0)
    wt = b.const("dense/weights", w, scale=float(ws.max()), zero_point=0)
    bt = b.const("dense/bias", np.zeros(classes, np.int32), scale=float(ws.max()) * act_scale, zero_point=0)
    logits = b.tensor("logits", (1, classes), "int8", scale=0.1, zero_point=0)
    b.op("FULLY_CONNECTED", [flat, wt, bt], [logits], "FullyConnectedOptions", fused_activation_function=0)
    probs = b.tensor("probs", (1, classes), "int8", scale=1 / 256, zero_point=-128)
    b.op("SOFTMAX", [logits], [probs], "SoftmaxOptions", beta=1.0)
    b.output(probs)
    return b.build()
