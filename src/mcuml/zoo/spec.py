"""Framework-free architecture descriptions shared by the Keras and the IR back ends.

A template builds an :class:`Arch`: a per-sample input shape and a straight list of layers (the
residual block is one layer). :mod:`mcuml.zoo.keras_build` turns it into a Keras model (needs TF);
:mod:`mcuml.zoo.ir_build` turns it into the int8 ``.tflite`` graph the TF converter would emit,
with random weights, so ``mcuml design`` can size it with mcuml's own estimators without TF.

Only layers TFLM runs well: Conv2D/DepthwiseConv2D with batch norm folded and ReLU fused, pools,
global average pooling (MEAN), a static Flatten (one RESHAPE), Dense, softmax.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

Pair = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Conv:
    """Conv2D, optionally with batch norm (folded) and ReLU (fused)."""

    filters: int
    kernel: Pair = (3, 3)
    stride: Pair = (1, 1)
    padding: str = "same"
    relu: bool = True
    bn: bool = True


@dataclass(frozen=True, slots=True)
class DWConv:
    """DepthwiseConv2D, optionally with batch norm (folded) and ReLU (fused)."""

    kernel: Pair = (3, 3)
    stride: Pair = (1, 1)
    padding: str = "same"
    relu: bool = True
    bn: bool = True


@dataclass(frozen=True, slots=True)
class Pool:
    """Max or average pooling."""

    kind: str  # "max" | "avg"
    pool: Pair = (2, 2)
    stride: Pair | None = None  # None: the pool size
    padding: str = "valid"


@dataclass(frozen=True, slots=True)
class GlobalAvgPool:
    """Global average pooling (MEAN)."""


@dataclass(frozen=True, slots=True)
class Flatten:
    """Static flatten (one RESHAPE)."""


@dataclass(frozen=True, slots=True)
class Reshape:
    """Reshape to a fixed per-sample shape."""

    shape: tuple[int, ...]  # per sample


@dataclass(frozen=True, slots=True)
class Dense:
    """Fully connected layer, optionally with batch norm and ReLU."""

    units: int
    relu: bool = True
    bn: bool = False


@dataclass(frozen=True, slots=True)
class Dropout:
    """Dropout (training only; gone after conversion)."""

    rate: float


@dataclass(frozen=True, slots=True)
class Residual:
    """ResNet basic block: conv-bn-relu, conv-bn, 1x1 projection when the shape changes, add, relu."""

    filters: int
    stride: int = 1


@dataclass(frozen=True, slots=True)
class Softmax:
    """Softmax over the last axis."""


Layer = Union[Conv, DWConv, Pool, GlobalAvgPool, Flatten, Reshape, Dense, Dropout, Residual, Softmax]


@dataclass(frozen=True, slots=True)
class Arch:
    """One concrete network: ``input_shape`` excludes the batch axis."""

    name: str
    template: str
    input_shape: tuple[int, ...]
    layers: tuple[Layer, ...]
    classifier: bool = True
    width: float = 1.0
    depth: int = 1

    @property
    def label(self) -> str:
        """Template name with width and depth."""
        return f"{self.template}(width={self.width:g}, depth={self.depth})"


def out_hw(h: int, w: int, kernel: Pair, stride: Pair, padding: str) -> Pair:
    """Spatial output size of a conv/pool, TF's SAME/VALID rule."""
    if padding == "same":
        return -(-h // stride[0]), -(-w // stride[1])
    return (h - kernel[0]) // stride[0] + 1, (w - kernel[1]) // stride[1] + 1


def shapes(arch: Arch) -> list[tuple[int, ...]]:
    """Per-sample output shape of every layer (validates that the spatial sizes stay positive)."""
    shape = tuple(arch.input_shape)
    out = []
    for layer in arch.layers:
        if isinstance(layer, (Conv, DWConv, Pool)):
            h, w, c = shape
            k = layer.pool if isinstance(layer, Pool) else layer.kernel
            s = (layer.stride or layer.pool) if isinstance(layer, Pool) else layer.stride
            h, w = out_hw(h, w, k, s, layer.padding)
            if h < 1 or w < 1:
                raise ValueError(f"{arch.label}: {type(layer).__name__} makes the feature map empty")
            shape = (h, w, layer.filters if isinstance(layer, Conv) else c)
        elif isinstance(layer, Residual):
            h, w, _ = shape
            shape = (*out_hw(h, w, (3, 3), (layer.stride,) * 2, "same"), layer.filters)
        elif isinstance(layer, GlobalAvgPool):  # an average pool over the whole map, keeps rank
            shape = (1, 1, shape[-1])
        elif isinstance(layer, Flatten):
            n = 1
            for d in shape:
                n *= d
            shape = (n,)
        elif isinstance(layer, Reshape):
            shape = tuple(layer.shape)
        elif isinstance(layer, Dense):
            shape = (layer.units,)
        out.append(shape)
    return out


def scaled(n: float, width: float, minimum: int = 4, divisor: int = 4) -> int:
    """Channels times the width multiplier, rounded to a multiple of ``divisor`` (SIMD-friendly)."""
    v = max(minimum, int(n * width + divisor / 2) // divisor * divisor)
    return v
