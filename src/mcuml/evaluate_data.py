"""Evaluation data for ``mcuml eval``: an .npz, a folder of images in class sub-folders, or a named dataset.

* ``.npz``: ``x`` and ``y``; or ``input_0``, ``input_1``… (one per model input, or the input tensors'
  names) and ``labels``. Integer labels (or one-hot rows) make a classification task, float
  targets a regression task.
* a folder: one sub-folder per class (sorted names = class indices), images in it (PNG, JPEG, BMP,
  GIF, PPM); each is converted to the input's channel count and resized to its height and width
  (Pillow, bilinear; without Pillow, matplotlib reads PNGs of the right size). Pixels become floats
  in the range the input's quantization covers: [0, 1], [-1, 1] or [0, 255] (``pixel_range``).
* ``digits`` (or ``digits:test``): the test split ``mcuml train digits`` holds out (seed 0), the one
  the bundled example was scored on. Needs scikit-learn (``mcuml[tf]``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mcuml.errors import InputError, MissingDependencyError
from mcuml.ir.model import Model, Tensor

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".ppm", ".pgm", ".webp")
PIXEL_RANGES = ("auto", "unit", "signed", "byte")


@dataclass(frozen=True, slots=True)
class EvalData:
    source: str
    inputs: tuple[np.ndarray, ...]  # one per model input, leading sample axis; float data or the input's int type
    labels: np.ndarray | None  # (N,) int class indices, or (N, ...) float regression targets
    classes: tuple[str, ...]  # class names ("0".."C-1" when the data does not name them)
    pixel_range: str | None = None  # for image folders: which float range the pixels were mapped to

    @property
    def samples(self) -> int:
        return int(self.inputs[0].shape[0])


def load_eval_data(data: str | os.PathLike[str], model: Model, *, pixel_range: str = "auto",
                   limit: int | None = None) -> EvalData:
    """Read ``data`` (see the module docstring) for ``model``; ``limit`` keeps the first samples."""
    name = str(data)
    p = Path(name)
    if not p.exists() and name.split(":")[0] in ("digits",):
        d = _digits(name)
    elif not p.exists():
        raise InputError(f"data {name!r} does not exist", hint="give an .npz, a folder of class sub-folders, "
                                                                 "or 'digits'")
    elif p.is_dir():
        d = _image_folder(p, model, pixel_range)
    elif p.suffix == ".npz":
        d = _npz(p, model)
    else:
        raise InputError(f"{p.name}: expected an .npz file or a folder of class sub-folders")
    if limit is not None:
        d = EvalData(d.source, tuple(x[:limit] for x in d.inputs), None if d.labels is None else d.labels[:limit],
                     d.classes, d.pixel_range)
    if d.samples == 0:
        raise InputError(f"{name}: no samples")
    return d


def _digits(name: str) -> EvalData:
    split = name.split(":")[1] if ":" in name else "test"
    if split not in ("test", "train"):
        raise InputError(f"{name!r}: the digits split is 'test' or 'train'")
    from mcuml.train import load_digits

    ds = load_digits(0)
    x, y = (ds.x_test, ds.y_test) if split == "test" else (ds.x_train, ds.y_train)
    return EvalData(f"digits:{split}", (x,), y, ds.classes)


def _npz(p: Path, model: Model) -> EvalData:
    ins = model.main.inputs
    with np.load(p) as z:
        keys = set(z.files)
        if "x" in keys and len(ins) == 1:
            xs = [z["x"]]
        else:
            xs = []
            for i, t in enumerate(ins):
                key = f"input_{i}" if f"input_{i}" in keys else t.name if t.name in keys else None
                if key is None:
                    raise InputError(f"{p.name} lacks input_{i} (or x, or {t.name!r}); found: {', '.join(sorted(keys))}")
                xs.append(z[key])
        label_key = next((k for k in ("y", "labels", "label", "targets") if k in keys), None)
        labels = None if label_key is None else np.asarray(z[label_key])
        classes = tuple(str(c) for c in z["classes"]) if "classes" in keys else ()
    xs = [_sample_axis(np.asarray(x), t, p.name) for x, t in zip(xs, ins)]
    n = xs[0].shape[0]
    if any(x.shape[0] != n for x in xs):
        raise InputError(f"{p.name}: inputs have different sample counts {[x.shape[0] for x in xs]}")
    if labels is not None:
        labels = _labels(labels, n, p.name)
        if not classes and np.issubdtype(labels.dtype, np.integer):
            classes = tuple(str(i) for i in range(int(labels.max()) + 1 if labels.size else 0))
    return EvalData(str(p), tuple(xs), labels, classes)


def _sample_axis(x: np.ndarray, t: Tensor, name: str) -> np.ndarray:
    """(N, *shape) or (N, *shape[1:]) for batch-1 inputs -> (N, *shape[1:]) when the batch dim is 1."""
    shape = tuple(t.shape)
    if x.shape[1:] == shape and shape and shape[0] == 1:
        return x.reshape((x.shape[0], *shape[1:]))
    if shape and shape[0] == 1 and x.shape[1:] == shape[1:]:
        return x
    if x.shape[1:] == shape:
        return x
    if x.size and x.size % max(1, int(np.prod(shape))) == 0 and x.ndim >= 2 and \
            int(np.prod(x.shape[1:])) == int(np.prod(shape)):
        return x.reshape((x.shape[0], *(shape[1:] if shape and shape[0] == 1 else shape)))
    raise InputError(f"{name}: input {t.name!r} data has shape {list(x.shape)}; expected (N, {', '.join(map(str, shape[1:]))})")


def _labels(y: np.ndarray, n: int, name: str) -> np.ndarray:
    if y.shape[0] != n:
        raise InputError(f"{name}: {y.shape[0]} labels for {n} samples")
    if np.issubdtype(y.dtype, np.integer) or y.dtype == np.bool_:
        if y.ndim == 2 and y.shape[1] > 1 and set(np.unique(y).tolist()) <= {0, 1}:
            return np.argmax(y, axis=1).astype(np.int64)  # one-hot rows
        return y.reshape(n).astype(np.int64) if y.size == n else y
    return y.astype(np.float64)


def input_layout(t: Tensor) -> tuple[int, int, int, str]:
    """(height, width, channels, 'NHWC'|'NCHW'|'HW') of an image input tensor."""
    s = tuple(t.shape)
    if len(s) == 4:
        if s[1] in (1, 3) and s[3] not in (1, 3):
            return s[2], s[3], s[1], "NCHW"
        return s[1], s[2], s[3], "NHWC"
    if len(s) == 3:
        return s[1], s[2], 1, "HW"
    raise InputError(f"input {t.name!r} has shape {list(s)}: not an image input")


def resolve_pixel_range(t: Tensor, pixel_range: str) -> str:
    """'auto': [0, 255] when the input's quantized range reaches past 10, else [-1, 1] when it reaches below -0.5,
    else [0, 1]. Inputs normalized otherwise (mean/std) need their data as an .npz."""
    if pixel_range not in PIXEL_RANGES:
        raise InputError(f"pixel range must be one of {', '.join(PIXEL_RANGES)}, got {pixel_range!r}")
    if pixel_range != "auto":
        return pixel_range
    if not np.issubdtype(t.dtype.numpy, np.integer) or not t.scale:
        return "unit"
    info = np.iinfo(t.dtype.numpy)
    lo, hi = t.scale * (info.min - t.zero_point), t.scale * (info.max - t.zero_point)
    if hi > 10:
        return "byte"
    return "signed" if lo < -0.5 else "unit"


def _image_folder(p: Path, model: Model, pixel_range: str) -> EvalData:
    ins = model.main.inputs
    if len(ins) != 1:
        raise InputError(f"an image folder feeds one input; the model has {len(ins)}")
    t = ins[0]
    h, w, c, layout = input_layout(t)
    classes = tuple(sorted(d.name for d in p.iterdir() if d.is_dir() and not d.name.startswith(".")))
    if not classes:
        raise InputError(f"{p}: no class sub-folders", hint="put the images of class K in DATA/K/")
    rng = resolve_pixel_range(t, pixel_range)
    imgs, labels = [], []
    for k, cname in enumerate(classes):
        for f in sorted((p / cname).iterdir()):
            if f.suffix.lower() in IMAGE_SUFFIXES:
                imgs.append(_read_image(f, h, w, c))
                labels.append(k)
    if not imgs:
        raise InputError(f"{p}: no images ({', '.join(IMAGE_SUFFIXES)}) in the class sub-folders")
    x = np.stack(imgs).astype(np.float32)  # (N, H, W, C) in 0..255
    x = {"unit": x / np.float32(255), "signed": x / np.float32(127.5) - np.float32(1), "byte": x}[rng]
    if layout == "NCHW":
        x = x.transpose(0, 3, 1, 2)
    elif layout == "HW":
        x = x[..., 0]
    return EvalData(str(p), (np.ascontiguousarray(x, np.float32),), np.asarray(labels, np.int64), classes, rng)


def _read_image(f: Path, h: int, w: int, c: int) -> np.ndarray:
    """One image as (h, w, c) float 0..255."""
    try:
        from PIL import Image
    except ImportError:
        return _read_image_mpl(f, h, w, c)
    with Image.open(f) as im:
        im = im.convert("L" if c == 1 else "RGB")
        if im.size != (w, h):
            im = im.resize((w, h), Image.BILINEAR)
        a = np.asarray(im, np.float32)
    a = a[..., None] if a.ndim == 2 else a
    return a if c in (1, 3) else np.repeat(a[..., :1], c, axis=2)


def _read_image_mpl(f: Path, h: int, w: int, c: int) -> np.ndarray:
    try:
        import matplotlib.image as mpimg
    except ImportError:
        raise MissingDependencyError("reading images needs Pillow (or matplotlib)",
                                     hint='pip install "mcuml[images]"') from None
    a = np.asarray(mpimg.imread(f), np.float32)
    a = a * 255 if a.max() <= 1.0 else a
    a = a[..., None] if a.ndim == 2 else a[..., :3]
    if a.shape[:2] != (h, w):
        raise MissingDependencyError(f"{f.name} is {a.shape[1]}x{a.shape[0]}, the input {w}x{h}: resizing needs Pillow",
                                     hint='pip install "mcuml[images]"')
    if c == 1 and a.shape[2] == 3:
        a = (a @ np.array([0.299, 0.587, 0.114], np.float32))[..., None]
    elif c == 3 and a.shape[2] == 1:
        a = np.repeat(a, 3, axis=2)
    return a


__all__ = ["EvalData", "IMAGE_SUFFIXES", "PIXEL_RANGES", "input_layout", "load_eval_data", "resolve_pixel_range"]
