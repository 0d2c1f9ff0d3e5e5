"""Arch -> Keras model (functional API). Imports TensorFlow/Keras; only ever imported lazily."""

from __future__ import annotations

from typing import Any

from mcuml.zoo.spec import (Arch, Conv, Dense, Dropout, DWConv, Flatten, GlobalAvgPool, Pool, Reshape, Residual,
                            Softmax)


def _keras() -> Any:
    from mcuml.convert.keras import import_tf

    import_tf()
    import keras

    return keras


def to_keras(arch: Arch, seed: int = 0) -> Any:
    """``arch`` as a Keras model (needs TensorFlow), seeded."""
    keras = _keras()
    L = keras.layers
    keras.utils.set_random_seed(seed)
    init = "he_normal"
    x = inp = keras.Input(shape=arch.input_shape, name="input")

    def bn_act(y: Any, bn: bool, relu: bool) -> Any:
        if bn:
            y = L.BatchNormalization()(y)
        return L.ReLU()(y) if relu else y

    for layer in arch.layers:
        if isinstance(layer, Conv):
            x = L.Conv2D(layer.filters, layer.kernel, strides=layer.stride, padding=layer.padding,
                         use_bias=not layer.bn, kernel_initializer=init)(x)
            x = bn_act(x, layer.bn, layer.relu)
        elif isinstance(layer, DWConv):
            x = L.DepthwiseConv2D(layer.kernel, strides=layer.stride, padding=layer.padding, use_bias=not layer.bn,
                                  depthwise_initializer=init)(x)
            x = bn_act(x, layer.bn, layer.relu)
        elif isinstance(layer, Pool):
            cls = L.MaxPooling2D if layer.kind == "max" else L.AveragePooling2D
            x = cls(layer.pool, strides=layer.stride, padding=layer.padding)(x)
        elif isinstance(layer, GlobalAvgPool):
            # an AVERAGE_POOL_2D over the whole map (TFLM-cheap) instead of GlobalAveragePooling2D's MEAN
            x = L.AveragePooling2D(pool_size=tuple(x.shape[1:3]))(x)
        elif isinstance(layer, Flatten):
            x = L.Flatten()(x)
        elif isinstance(layer, Reshape):
            x = L.Reshape(layer.shape)(x)
        elif isinstance(layer, Dense):
            x = L.Dense(layer.units, use_bias=not layer.bn, kernel_initializer=init if layer.relu else
                        "glorot_uniform")(x)
            x = bn_act(x, layer.bn, layer.relu)
        elif isinstance(layer, Dropout):
            x = L.Dropout(layer.rate)(x)
        elif isinstance(layer, Residual):
            s = (layer.stride, layer.stride)
            y = L.Conv2D(layer.filters, 3, strides=s, padding="same", use_bias=False, kernel_initializer=init)(x)
            y = bn_act(y, True, True)
            y = L.Conv2D(layer.filters, 3, padding="same", use_bias=False, kernel_initializer=init)(y)
            y = bn_act(y, True, False)
            if layer.stride != 1 or x.shape[-1] != layer.filters:
                x = L.Conv2D(layer.filters, 1, strides=s, padding="same", use_bias=False, kernel_initializer=init)(x)
                x = bn_act(x, True, False)
            x = L.ReLU()(L.Add()([x, y]))
        elif isinstance(layer, Softmax):
            x = L.Softmax()(x)
        else:  # pragma: no cover - spec and builder are kept in step
            raise TypeError(f"unknown layer {layer!r}")
    return keras.Model(inp, x, name=arch.name)


def init_batchnorm(model: Any, x: Any) -> Any:
    """Set every BatchNormalization's moving statistics to the statistics of ``x`` flowing through.

    An untrained template has identity batch norms, and with random weights its activations can
    shrink to nothing (tiny quantization scales no board would see); one training-mode pass with
    momentum 0 makes each layer's moving mean/variance equal to the batch statistics it sees.
    """
    keras = _keras()
    bns = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]
    saved = [layer.momentum for layer in bns]
    try:
        for layer in bns:
            layer.momentum = 0.0
        model(x, training=True)
    finally:
        for layer, m in zip(bns, saved):
            layer.momentum = m
    return model
