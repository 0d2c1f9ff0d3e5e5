"""Arch -> the int8 ``.tflite`` graph TF's converter emits for it, with random weights, without TF.

What the converter does with the Keras layers of :mod:`mcuml.zoo.keras_build` (checked against
real conversions in ``tests/test_design.py``): batch norm is folded into the preceding conv/dense
weights and bias, ReLU is fused into the producer (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED,
ADD), conv and dense weights are per-channel int8 (TF 2.21 quantizes FULLY_CONNECTED per
channel too) with int32 bias, Flatten is one
RESHAPE (none at all after a 1x1 map: FULLY_CONNECTED flattens), softmax outputs scale 1/256
zero point -128. The result has the real tensor shapes, weight sizes and op list, so mcuml's
flash/arena/latency estimators give the converted model's numbers to within its graph metadata.
"""

from __future__ import annotations

import numpy as np

from mcuml.ir.build import ModelBuilder
from mcuml.ir.model import Model, Tensor
from mcuml.zoo.spec import (Arch, Conv, Dense, Dropout, DWConv, Flatten, GlobalAvgPool, Pool, Reshape, Residual,
                            Softmax, out_hw)

_PAD = {"same": 0, "valid": 1}
_ACT_SCALE = 0.05


class _Emitter:
    def __init__(self, arch: Arch, seed: int, io: str) -> None:
        self.arch = arch
        self.rng = np.random.default_rng(seed)
        self.b = ModelBuilder(description=f"mcuml.zoo {arch.label} (random weights, for sizing)")
        self.n = 0
        dtype = "int8" if io == "int8" else "float32"
        x = self.b.input("serving_default_input_0:0", (1, *arch.input_shape), dtype,
                         **({"scale": 1 / 255, "zero_point": -128} if io == "int8" else {}))
        self.io = io
        if io != "int8":
            q = self._act("quantize", x.shape, relu=False)
            self.b.op("QUANTIZE", [x], [q])
            x = q
        self.x = x

    def _name(self, kind: str) -> str:
        self.n += 1
        return f"{self.arch.name}_1/{kind}_{self.n}_1/{kind.title()}"

    def _weighted_names(self, kind: str, op: str, bn: bool, relu: bool) -> tuple[str, str, str]:
        """(weights, bias, output) names as long as the converter's: it joins the names of every
        Keras op it folded into the node (conv, batch norm, ReLU), which is most of the graph
        metadata of a converted model."""
        self.n += 1
        p, n = f"{self.arch.name}_1", self.n
        bnp = f"{p}/batch_normalization_{n}_1/batchnorm"
        w = f"{p}/{kind}_{n}_1/{op}"
        if bn:
            w = f"{bnp}/mul_1;{w};{bnp}/Rsqrt"
        out = (f"{p}/re_lu_{n}_1/Relu;" if relu else "") + (f"{bnp}/add_1;{w};{bnp}/sub" if bn else w)
        return w, out, out + "1"

    def _act(self, name: str, shape: tuple[int, ...], relu: bool) -> Tensor:
        return self.b.tensor(name, shape, "int8", scale=_ACT_SCALE, zero_point=-128 if relu else 0)

    def _weights(self, name: str, shape: tuple[int, ...], axis: int | None) -> tuple[Tensor, np.ndarray]:
        w = self.rng.integers(-127, 128, size=shape, dtype=np.int8)
        n = shape[axis] if axis is not None else 1
        scales = np.full(n, 0.01, np.float32)
        t = self.b.const(name, w, scale=scales if axis is not None else 0.01,
                         zero_point=np.zeros(n, np.int64) if axis is not None else 0,
                         quantized_dimension=axis or 0)
        return t, scales

    def _bias(self, name: str, n: int, w_scales: np.ndarray, in_scale: float) -> Tensor:
        b = self.rng.integers(-1000, 1000, size=n).astype(np.int32)
        s = w_scales * in_scale if w_scales.size == n else float(w_scales[0]) * in_scale
        return self.b.const(name, b, scale=s, zero_point=np.zeros(np.size(s), np.int64) if np.size(s) > 1 else 0)

    def conv(self, x: Tensor, filters: int, kernel: tuple[int, int], stride: tuple[int, int], padding: str,
             relu: bool) -> Tensor:
        wn, bn, name = self._weighted_names("conv2d", "convolution", bn=True, relu=relu)
        h, w = out_hw(x.shape[1], x.shape[2], kernel, stride, padding)
        wt, ws = self._weights(wn, (filters, *kernel, x.shape[3]), 0)
        bt = self._bias(bn, filters, ws, x.scale)
        y = self._act(name, (1, h, w, filters), relu)
        self.b.op("CONV_2D", [x, wt, bt], [y], "Conv2DOptions", padding=_PAD[padding], stride_h=stride[0],
                  stride_w=stride[1], fused_activation_function=1 if relu else 0, dilation_h_factor=1,
                  dilation_w_factor=1)
        return y

    def dwconv(self, x: Tensor, layer: DWConv) -> Tensor:
        wn, bn, name = self._weighted_names("depthwise_conv2d", "depthwise", layer.bn, layer.relu)
        c = x.shape[3]
        h, w = out_hw(x.shape[1], x.shape[2], layer.kernel, layer.stride, layer.padding)
        wt, ws = self._weights(wn, (1, *layer.kernel, c), 3)
        bt = self._bias(bn, c, ws, x.scale)
        y = self._act(name, (1, h, w, c), layer.relu)
        self.b.op("DEPTHWISE_CONV_2D", [x, wt, bt], [y], "DepthwiseConv2DOptions", padding=_PAD[layer.padding],
                  stride_h=layer.stride[0], stride_w=layer.stride[1], depth_multiplier=1,
                  fused_activation_function=1 if layer.relu else 0, dilation_h_factor=1, dilation_w_factor=1)
        return y

    def pool(self, x: Tensor, kind: str, pool: tuple[int, int], stride: tuple[int, int], padding: str) -> Tensor:
        name = self._name(f"{kind}_pooling2d")
        h, w = out_hw(x.shape[1], x.shape[2], pool, stride, padding)
        y = self.b.tensor(name, (1, h, w, x.shape[3]), "int8", scale=x.scale, zero_point=x.zero_point)
        self.b.op("MAX_POOL_2D" if kind == "max" else "AVERAGE_POOL_2D", [x], [y], "Pool2DOptions",
                  padding=_PAD[padding], stride_h=stride[0], stride_w=stride[1], filter_height=pool[0],
                  filter_width=pool[1], fused_activation_function=0)
        return y

    def reshape(self, x: Tensor, shape: tuple[int, ...]) -> Tensor:
        name = self._name("reshape")
        s = self.b.const(name + "/shape", np.array(shape, np.int32))
        y = self.b.tensor(name, shape, "int8", scale=x.scale, zero_point=x.zero_point)
        self.b.op("RESHAPE", [x, s], [y], "ReshapeOptions", new_shape=list(shape))
        return y

    def dense(self, x: Tensor, layer: Dense) -> Tensor:
        wn, bn, name = self._weighted_names("dense", "MatMul", layer.bn, layer.relu)
        n_in = int(np.prod(x.shape[1:]))
        wt, ws = self._weights(wn, (layer.units, n_in), 0)
        bt = self._bias(bn, layer.units, ws, x.scale)
        y = self._act(name, (1, layer.units), layer.relu)
        self.b.op("FULLY_CONNECTED", [x, wt, bt], [y], "FullyConnectedOptions",
                  fused_activation_function=1 if layer.relu else 0)
        return y

    def residual(self, x: Tensor, layer: Residual) -> Tensor:
        s = (layer.stride, layer.stride)
        y = self.conv(x, layer.filters, (3, 3), s, "same", True)
        y = self.conv(y, layer.filters, (3, 3), (1, 1), "same", False)
        if layer.stride != 1 or x.shape[3] != layer.filters:
            x = self.conv(x, layer.filters, (1, 1), s, "same", False)
        out = self._act(self._name("add"), y.shape, True)
        self.b.op("ADD", [x, y], [out], "AddOptions", fused_activation_function=1)
        return out

    def softmax(self, x: Tensor) -> Tensor:
        y = self.b.tensor(self._name("softmax"), x.shape, "int8", scale=1 / 256, zero_point=-128)
        self.b.op("SOFTMAX", [x], [y], "SoftmaxOptions", beta=1.0)
        return y

    def emit(self) -> Model:
        x = self.x
        for layer in self.arch.layers:
            if isinstance(layer, Conv):
                x = self.conv(x, layer.filters, layer.kernel, layer.stride, layer.padding, layer.relu)
            elif isinstance(layer, DWConv):
                x = self.dwconv(x, layer)
            elif isinstance(layer, Pool):
                x = self.pool(x, layer.kind, layer.pool, layer.stride or layer.pool, layer.padding)
            elif isinstance(layer, GlobalAvgPool):
                x = self.pool(x, "avg", (x.shape[1], x.shape[2]), (1, 1), "valid")
            elif isinstance(layer, Flatten):
                if len(x.shape) > 2 and any(d != 1 for d in x.shape[1:-1]):
                    x = self.reshape(x, (1, int(np.prod(x.shape[1:]))))
            elif isinstance(layer, Reshape):
                x = self.reshape(x, (1, *layer.shape))
            elif isinstance(layer, Dense):
                x = self.dense(x, layer)
            elif isinstance(layer, Residual):
                x = self.residual(x, layer)
            elif isinstance(layer, Softmax):
                x = self.softmax(x)
            elif not isinstance(layer, Dropout):  # pragma: no cover
                raise TypeError(f"unknown layer {layer!r}")
        if self.io != "int8":
            y = self.b.tensor("StatefulPartitionedCall:0", x.shape, "float32")
            self.b.op("DEQUANTIZE", [x], [y])
            x = y
        self.b.output(x)
        return self.b.build()


def to_ir(arch: Arch, seed: int = 0, io: str = "int8") -> Model:
    """``arch`` as the int8 (or float) TFLite model the TF converter would emit, random weights."""
    return _Emitter(arch, seed, io).emit()
