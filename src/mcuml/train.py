"""Train a zoo template, convert it to int8 and measure both (``mcuml train``). Needs ``mcuml[tf]``.

Datasets are read from disk only, never downloaded:

* ``cifar10``: the python-format archive's ``cifar-10-batches-py`` directory (``data_batch_1..5``,
  ``test_batch``) under ``data_dir``.
* ``digits``: scikit-learn's bundled 8x8 handwritten digits (1,797 images, offline), upsampled
  4x to 32x32 and repeated over three channels, so it has CIFAR-10's input shape and runs
  anywhere. The split is a fixed, seeded, stratified 80/20.

Images are float32 in [0, 1]. The int8 accuracy is measured with mcuml's interpreter on the int8
model (float test images quantized with the model's input scale), the float accuracy with Keras.
"""

from __future__ import annotations

import json
import os
import pickle
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from mcuml.errors import InputError, MissingDependencyError

DATASETS = ("cifar10", "digits")
CIFAR_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


@dataclass(frozen=True, slots=True)
class Dataset:
    name: str
    x_train: np.ndarray  # (N, H, W, C) float32 in [0, 1]
    y_train: np.ndarray  # (N,) int
    x_test: np.ndarray
    y_test: np.ndarray
    classes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TrainResult:
    dataset: str
    template: str
    width: float
    depth: int
    epochs: int
    train_samples: int
    test_samples: int
    params: int
    float_accuracy: float
    int8_accuracy: float
    int8_top1_agreement: float | None
    tflite_bytes: int
    ops: tuple[str, ...]
    runs_on_tflm: bool
    train_seconds: float
    total_seconds: float
    files: tuple[str, ...]


def _cifar_dir(data_dir: str | os.PathLike[str] | None) -> Path:
    hint = (f"download {CIFAR_URL} (163 MB), extract it (tar xzf) and pass the folder that contains "
            "cifar-10-batches-py as --data-dir; mcuml never downloads at run time. "
            "`mcuml train digits` runs offline.")
    if data_dir is None:
        raise InputError("cifar10 needs --data-dir", hint=hint)
    base = Path(data_dir)
    for cand in (base / "cifar-10-batches-py", base):
        if (cand / "data_batch_1").is_file() and (cand / "test_batch").is_file():
            return cand
    raise InputError(f"no CIFAR-10 python-format batches under {str(base)!r}", hint=hint)


def _cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    with open(path, "rb") as f:
        d = pickle.load(f, encoding="bytes")
    x = np.asarray(d[b"data"], np.uint8).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return x, np.asarray(d[b"labels"], np.int64)


def load_cifar10(data_dir: str | os.PathLike[str] | None) -> Dataset:
    d = _cifar_dir(data_dir)
    parts = [_cifar_batch(d / f"data_batch_{i}") for i in range(1, 6) if (d / f"data_batch_{i}").is_file()]
    xt, yt = _cifar_batch(d / "test_batch")
    x = np.concatenate([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    return Dataset("cifar10", (x / np.float32(255)).astype(np.float32), y,
                   (xt / np.float32(255)).astype(np.float32), yt, CIFAR_CLASSES)


def digits_images(images: np.ndarray) -> np.ndarray:
    """8x8 digits with values 0..16 -> (N, 32, 32, 3) float32 in [0, 1] (nearest upsampling x4)."""
    x = np.asarray(images, np.float32).reshape(-1, 8, 8) / np.float32(16)
    x = x.repeat(4, axis=1).repeat(4, axis=2)
    return np.ascontiguousarray(np.repeat(x[..., None], 3, axis=3))


def load_digits(seed: int = 0) -> Dataset:
    try:
        from sklearn.datasets import load_digits as _sk_digits
    except ImportError:
        raise MissingDependencyError("the digits dataset comes with scikit-learn",
                                     hint='pip install "mcuml[tf]" (includes scikit-learn)') from None
    d = _sk_digits()
    x, y = digits_images(d.images), np.asarray(d.target, np.int64)
    rng = np.random.default_rng(seed)
    test = np.zeros(len(y), bool)
    for c in np.unique(y):  # stratified: every class keeps its share in the test set
        idx = np.flatnonzero(y == c)
        test[rng.permutation(idx)[: len(idx) // 5]] = True
    return Dataset("digits", x[~test], y[~test], x[test], y[test], tuple(str(i) for i in range(10)))


def load_dataset(name: str, data_dir: str | os.PathLike[str] | None = None, seed: int = 0) -> Dataset:
    if name == "cifar10":
        return load_cifar10(data_dir)
    if name == "digits":
        return load_digits(seed)
    raise InputError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")


def train(dataset: str | Dataset, out_dir: str | os.PathLike[str], *, data_dir: str | None = None,
          template: str = "cnn", width: float = 1.0, depth: int | None = None, epochs: int = 10,
          batch_size: int = 64, learning_rate: float = 3e-3, max_train: int | None = None, seed: int = 0,
          name: str = "model", progress: Callable[[str], None] | None = None) -> TrainResult:
    """Train ``template`` on ``dataset``, convert to int8, evaluate float and int8, write the files.

    Writes ``OUT_DIR/NAME.tflite``, ``NAME.keras``, the C array ``NAME_data.h``/``.cc`` and
    ``summary.json``.
    """
    say = progress or (lambda _m: None)
    t0 = time.perf_counter()
    data = dataset if isinstance(dataset, Dataset) else load_dataset(dataset, data_dir, seed)
    from mcuml import zoo
    from mcuml.convert.keras import convert_keras, import_tf, run_float_io

    import_tf()
    import keras

    xtr, ytr = data.x_train, data.y_train
    if max_train is not None:
        xtr, ytr = xtr[:max_train], ytr[:max_train]
    n_classes = len(data.classes)
    arch = zoo.build(template, input_shape=xtr.shape[1:], classes=n_classes, width=width, depth=depth)
    if not arch.classifier:
        raise InputError(f"{template} is not a classifier template")
    model = zoo.to_keras(arch, seed=seed)
    # the template ends in Softmax: probabilities in, sparse labels out
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    say(f"training {arch.label} on {len(xtr)} {data.name} images for {epochs} epoch(s)")

    class _Log(keras.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            logs = logs or {}
            say(f"epoch {epoch + 1}/{epochs}: loss {logs.get('loss', float('nan')):.3f}, "
                f"accuracy {logs.get('accuracy', float('nan')):.3f}")

    t1 = time.perf_counter()
    model.fit(xtr, ytr, batch_size=batch_size, epochs=epochs, shuffle=True, verbose=0, callbacks=[_Log()])
    train_s = time.perf_counter() - t1
    probs = model.predict(data.x_test, batch_size=256, verbose=0)
    float_acc = float(np.mean(np.argmax(probs, axis=1) == data.y_test))
    say(f"float test accuracy {float_acc:.2%}; converting to int8")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cal = xtr[np.random.default_rng(seed).permutation(len(xtr))[:500]]
    conv = convert_keras(model, out / f"{name}.tflite", calibration=cal, evaluate_samples=200, progress=say)
    from mcuml.tflite.reader import load_model

    tfl = load_model(conv.tflite)
    say(f"evaluating int8 on {len(data.x_test)} test images with mcuml's interpreter")
    (q,) = run_float_io(tfl, [data.x_test.reshape(len(data.x_test), *tfl.main.inputs[0].shape[1:])])
    int8_acc = float(np.mean(np.argmax(q.reshape(len(q), -1), axis=1) == data.y_test))
    model.save(out / f"{name}.keras")
    files = [out / f"{name}.tflite", out / f"{name}.keras"]
    try:
        from mcuml.codegen.c_array import c_array

        for fname, text in c_array(conv.tflite, f"{name}_data", source=f"{name}.tflite").items():
            (out / fname).write_text(text)
            files.append(out / fname)
    except ImportError:  # pragma: no cover - codegen ships with mcuml
        pass
    result = TrainResult(
        dataset=data.name, template=template, width=arch.width, depth=arch.depth, epochs=epochs,
        train_samples=len(xtr), test_samples=len(data.x_test), params=int(model.count_params()),
        float_accuracy=float_acc, int8_accuracy=int8_acc,
        int8_top1_agreement=conv.agreement.top1_agreement if conv.agreement else None,
        tflite_bytes=conv.size_bytes, ops=conv.ops, runs_on_tflm=conv.runs_on_tflm, train_seconds=train_s,
        total_seconds=0.0, files=tuple(str(f) for f in files) + (str(out / "summary.json"),))
    total = time.perf_counter() - t0
    from dataclasses import replace

    result = replace(result, total_seconds=total)
    from mcuml.cli._common import to_jsonable

    (out / "summary.json").write_text(json.dumps(to_jsonable(result), indent=2) + "\n")
    return result


__all__ = ["DATASETS", "Dataset", "TrainResult", "digits_images", "load_cifar10", "load_digits", "load_dataset",
           "train"]
