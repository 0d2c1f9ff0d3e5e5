"""Parameterized model templates for the data types mcuml targets, TFLM-friendly by construction.

    from mcuml import zoo
    arch = zoo.build("resnet8", input_shape=(32, 32, 3), classes=10, width=0.5)
    model = zoo.to_keras(arch)          # needs the tf extra
    ir = zoo.to_ir(arch)                # int8 .tflite graph with random weights, no TF: for sizing

Templates (``width`` multiplies channels/units, ``depth`` repeats the template's repeated unit):

=============  =======  ==================================================  ==============================
name           task     architecture                                        depth means
=============  =======  ==================================================  ==============================
cnn            image    the seed's CIFAR-10 CNN: (conv-pool) x 3, dense      conv layers per stage
resnet8        image    MLPerf Tiny IC ResNet-8 (16/32/64 channels)          residual blocks per stage
mobilenet_v1   image    MobileNetV1-alpha (visual wake words)                repeats of the 512-wide block
ds_cnn         audio    MLPerf Tiny KWS DS-CNN on MFCC features (49x10x1)    depthwise-separable blocks
imu_cnn        imu      1-D CNN over (time, axes) windows, e.g. LSM9DS1      conv-pool stages
autoencoder    anomaly  MLPerf Tiny AD dense autoencoder (640 -> 8 -> 640)   dense layers per side
=============  =======  ==================================================  ==============================

Dynamic batch sizes are avoided at conversion (mcuml converts with batch 1, so Flatten is a
single RESHAPE) and global pooling is an AVERAGE_POOL_2D over the whole map, not MEAN.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from mcuml.zoo.spec import (Arch, Conv, Dense, Dropout, DWConv, Flatten, GlobalAvgPool, Layer, Pool, Reshape,
                            Residual, Softmax, scaled, shapes)

TASKS = ("image", "audio", "imu", "anomaly")


@dataclass(frozen=True, slots=True)
class Template:
    """A family of TFLM-friendly architectures and the width/depth grid ``design`` searches."""

    name: str
    task: str
    description: str
    default_input: tuple[int, ...]
    default_depth: int
    depths: tuple[int, ...]     # the grid ``mcuml design`` searches
    widths: tuple[float, ...]
    builder: Callable[[tuple[int, ...], int, float, int], tuple[list[Layer], bool]]


def _head(classes: int) -> list[Layer]:
    return [Dense(classes, relu=False), Softmax()]


def _cnn(shape: tuple[int, ...], classes: int, width: float, depth: int) -> tuple[list[Layer], bool]:
    layers: list[Layer] = []
    h = min(shape[0], shape[1])
    for stage, f in enumerate((16, 32, 32)):
        if h < 2 and stage:
            break
        layers += [Conv(scaled(f, width)) for _ in range(depth)]
        layers.append(Pool("max"))
        h //= 2
    return layers + [Flatten(), *_head(classes)], True


def _resnet(shape: tuple[int, ...], classes: int, width: float, depth: int) -> tuple[list[Layer], bool]:
    layers: list[Layer] = [Conv(scaled(16, width))]
    for stage, f in enumerate((16, 32, 64)):
        for i in range(depth):
            layers.append(Residual(scaled(f, width), stride=2 if stage and i == 0 else 1))
    return layers + [GlobalAvgPool(), Flatten(), *_head(classes)], True


def _mobilenet(shape: tuple[int, ...], classes: int, width: float, depth: int) -> tuple[list[Layer], bool]:
    def sep(f: int, s: int) -> list[Layer]:
        return [DWConv(stride=(s, s)), Conv(scaled(f, width, minimum=8, divisor=8), kernel=(1, 1))]

    layers: list[Layer] = [Conv(scaled(32, width, minimum=8, divisor=8), stride=(2, 2))]
    layers += sep(64, 1) + sep(128, 2) + sep(128, 1) + sep(256, 2) + sep(256, 1) + sep(512, 2)
    for _ in range(depth):
        layers += sep(512, 1)
    layers += sep(1024, 2) + sep(1024, 1)
    return layers + [GlobalAvgPool(), Dropout(0.1), Flatten(), *_head(classes)], True


def _ds_cnn(shape: tuple[int, ...], classes: int, width: float, depth: int) -> tuple[list[Layer], bool]:
    f = scaled(64, width)
    layers: list[Layer] = [Conv(f, kernel=(min(10, shape[0]), min(4, shape[1])), stride=(2, 2)), Dropout(0.2)]
    for _ in range(depth):
        layers += [DWConv(), Conv(f, kernel=(1, 1))]
    return layers + [Dropout(0.4), GlobalAvgPool(), Flatten(), *_head(classes)], True


def _imu_cnn(shape: tuple[int, ...], classes: int, width: float, depth: int) -> tuple[list[Layer], bool]:
    t, c = (shape[0], shape[-1])
    layers: list[Layer] = [Reshape((t, 1, c))] if len(shape) != 3 else []
    for i in range(depth):
        layers += [Conv(scaled(16 * 2 ** min(i, 2), width), kernel=(5, 1)), Pool("max", (2, 1))]
    return layers + [GlobalAvgPool(), Flatten(), Dense(scaled(32, width)), *_head(classes)], True


def _autoencoder(shape: tuple[int, ...], classes: int, width: float, depth: int) -> tuple[list[Layer], bool]:
    n = 1
    for d in shape:
        n *= d
    units = scaled(128, width, minimum=8)
    layers: list[Layer] = [Flatten()] if len(shape) > 1 else []
    layers += [Dense(units, bn=True) for _ in range(depth)] + [Dense(8, bn=True)]
    layers += [Dense(units, bn=True) for _ in range(depth)] + [Dense(n, relu=False)]
    return layers, False


TEMPLATES: dict[str, Template] = {t.name: t for t in (
    Template("cnn", "image", "small CNN (the seed's CIFAR-10 CNN)", (32, 32, 3), 1, (1, 2), (0.5, 1, 2, 3, 4), _cnn),
    Template("resnet8", "image", "ResNet-8 (MLPerf Tiny image classification)", (32, 32, 3), 1, (1, 2),
             (0.5, 1, 1.5, 2), _resnet),
    Template("mobilenet_v1", "image", "MobileNetV1-alpha (visual wake words)", (96, 96, 3), 5, (1, 3, 5),
             (0.25, 0.5, 0.75, 1.0), _mobilenet),
    Template("ds_cnn", "audio", "DS-CNN (MLPerf Tiny keyword spotting)", (49, 10, 1), 4, (2, 4, 6),
             (0.5, 1, 1.5, 2, 4), _ds_cnn),
    Template("imu_cnn", "imu", "1-D CNN over IMU windows (time x axes)", (128, 6), 3, (2, 3, 4),
             (0.5, 1, 2, 4), _imu_cnn),
    Template("autoencoder", "anomaly", "dense autoencoder (MLPerf Tiny anomaly detection)", (640,), 4, (2, 3, 4),
             (0.25, 0.5, 1, 2), _autoencoder),
)}


def templates_for(task: str) -> tuple[Template, ...]:
    """The templates for ``task``; InputError for an unknown task."""
    if task not in TASKS:
        from mcuml.errors import InputError

        raise InputError(f"unknown task {task!r}; choose one of {', '.join(TASKS)}")
    return tuple(t for t in TEMPLATES.values() if t.task == task)


def get_template(name: str) -> Template:
    """The template called ``name`` (``-`` or ``_``); InputError if there is none."""
    t = TEMPLATES.get(name.replace("-", "_"))
    if t is None:
        from mcuml.errors import InputError

        raise InputError(f"unknown template {name!r}; choose one of {', '.join(TEMPLATES)}")
    return t


def build(template: str, input_shape: tuple[int, ...] | None = None, classes: int = 10, width: float = 1.0,
          depth: int | None = None) -> Arch:
    """The concrete architecture of ``template`` for one input shape, class count and multipliers."""
    from mcuml.errors import InputError

    t = get_template(template)
    shape = tuple(int(d) for d in (input_shape or t.default_input))
    d = t.default_depth if depth is None else int(depth)
    if width <= 0 or d < 1:
        raise InputError(f"width must be > 0 and depth >= 1 (got width={width}, depth={d})")
    if t.task in ("image", "audio") and len(shape) != 3:
        raise InputError(f"{t.name} needs an input of height x width x channels, got {'x'.join(map(str, shape))}")
    if t.task == "imu" and len(shape) not in (2, 3):
        raise InputError(f"{t.name} needs an input of time x axes, got {'x'.join(map(str, shape))}")
    layers, classifier = t.builder(shape, classes, float(width), d)
    arch = Arch(name=f"{t.name}_w{width:g}_d{d}".replace(".", "p"), template=t.name, input_shape=shape,
                layers=tuple(layers), classifier=classifier, width=float(width), depth=d)
    try:
        shapes(arch)
    except ValueError as e:
        raise InputError(f"{e}; the input {'x'.join(map(str, shape))} is too small for this depth") from None
    return arch


def to_keras(arch: Arch, seed: int = 0) -> Any:
    """A Keras model for ``arch`` (imports TensorFlow)."""
    from mcuml.zoo.keras_build import to_keras as _to_keras

    return _to_keras(arch, seed)


def to_ir(arch: Arch, seed: int = 0, io: str = "int8") -> Any:
    """The int8 ``.tflite`` graph the converter emits for ``arch``, random weights (no TF)."""
    from mcuml.zoo.ir_build import to_ir as _to_ir

    return _to_ir(arch, seed, io)


__all__ = ["Arch", "Template", "TEMPLATES", "TASKS", "build", "get_template", "templates_for", "to_ir", "to_keras"]
