"""Calibration data for post-training quantization (shared by the Keras and ONNX converters).

Convention (the same as ``mcuml run --input``): an ``.npz`` with arrays ``input_0``, ``input_1``, …
whose first axis is the sample axis (float32, the model's float input), or a directory of such
files, which are concatenated along the sample axis in sorted file-name order. A bare ``.npy``
is accepted for single-input models.

    data = load_calibration("calib.npz")                 # CalibrationData
    data.inputs[0].shape                                 # (N, 32, 32, 3)
    for sample in data.samples(max_samples=200): ...     # list of (1, ...) float32 arrays
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from mcuml.errors import InputError

__all__ = ["CalibrationData", "as_calibration", "load_calibration", "from_arrays", "save_calibration"]


@dataclass(frozen=True, slots=True)
class CalibrationData:
    """Per-input float32 arrays, each with a leading sample axis of the same length."""

    inputs: tuple[np.ndarray, ...]
    source: str = "<arrays>"

    @property
    def n_samples(self) -> int:
        """Samples (length of the leading axis)."""
        return int(self.inputs[0].shape[0]) if self.inputs else 0

    @property
    def n_inputs(self) -> int:
        """Model inputs covered."""
        return len(self.inputs)

    def take(self, n: int | None) -> "CalibrationData":
        """The first ``n`` samples (all when ``n`` is None or larger than what there is)."""
        if n is None or n >= self.n_samples:
            return self
        return CalibrationData(tuple(a[:n] for a in self.inputs), self.source)

    def samples(self, max_samples: int | None = None) -> Iterator[list[np.ndarray]]:
        """One list per sample with a batch axis of 1: what TF's ``representative_dataset`` yields."""
        for i in range(self.take(max_samples).n_samples):
            yield [a[i:i + 1] for a in self.inputs]

    def fit_shapes(self, shapes: Sequence[Sequence[int | None]], layout: str | None = None) -> "CalibrationData":
        """Check against the model's per-sample input shapes (batch axis first, may be None/-1) and reshape.

        Samples stored flat are reshaped. Samples whose axes are a permutation of the model's (NHWC
        data for an NCHW model, say) are an error with a hint, never silently reshaped (that would
        scramble the pixels), unless ``layout`` names the data's layout (``"nhwc"`` or ``"nchw"``):
        then 4-D samples are transposed to the model's. Anything else is an :class:`InputError`.
        """
        if layout is not None and layout not in LAYOUTS:
            raise InputError(f"calibration layout must be one of {', '.join(LAYOUTS)}, not {layout!r}")
        if len(shapes) != self.n_inputs:
            raise InputError(f"the model has {len(shapes)} input(s), the calibration data {self.source} "
                             f"has {self.n_inputs}", hint="name the arrays input_0, input_1, …")
        out = []
        for i, (a, shape) in enumerate(zip(self.inputs, shapes)):
            tail = tuple(int(d) if d is not None and d >= 0 else -1 for d in list(shape)[1:])
            if -1 in tail:  # dynamic dims: only the rank can be checked
                if a.ndim != len(tail) + 1:
                    raise InputError(f"calibration input_{i} has shape {a.shape}; the model expects "
                                     f"(N, {', '.join('?' if d < 0 else str(d) for d in tail)})")
                out.append(a)
                continue
            out.append(_fit_one(i, a, tail, layout))
        return CalibrationData(tuple(out), self.source)


LAYOUTS = ("nhwc", "nchw")
_TO = {("nhwc", "nchw"): (0, 3, 1, 2), ("nchw", "nhwc"): (0, 2, 3, 1)}


def _fit_one(i: int, a: np.ndarray, tail: tuple[int, ...], layout: str | None) -> np.ndarray:
    """One input's samples in the model's per-sample shape ``tail`` (see :meth:`CalibrationData.fit_shapes`)."""
    got = tuple(int(d) for d in a.shape[1:])
    if got == tail:
        return a
    if int(np.prod(got, dtype=np.int64)) != int(np.prod(tail, dtype=np.int64)):
        raise InputError(f"calibration input_{i} has per-sample shape {got}; the model expects {tail}")
    if len(got) == 3 and len(tail) == 3 and sorted(got) == sorted(tail):
        model_layout = "nchw" if got == (tail[1], tail[2], tail[0]) else "nhwc" if got == (tail[2], tail[0],
                                                                                            tail[1]) else None
        if layout is not None and model_layout is not None and layout != model_layout:
            return np.ascontiguousarray(a.transpose(_TO[(layout, model_layout)]))
        other = {"nchw": "nhwc", "nhwc": "nchw"}.get(model_layout or "", "another layout")
        raise InputError(
            f"calibration input_{i} has per-sample shape {got} but the model expects {tail}: the data looks "
            f"{other.upper()} for a {(model_layout or '?').upper()} model (reshaping would scramble the pixels)",
            hint=f"transpose the data to {tail}, or pass --calibration-layout {other}" if model_layout
            else f"store the samples as {tail}")
    if a.ndim == 2 or layout is None and len(got) != len(tail):  # stored flat (or a reshape of flat): keep order
        return a.reshape((a.shape[0], *tail))
    raise InputError(f"calibration input_{i} has per-sample shape {got}; the model expects {tail}",
                     hint="store the samples in the model's shape (or flat, one row per sample)")


def from_arrays(arrays: np.ndarray | Sequence[np.ndarray], source: str = "<arrays>") -> CalibrationData:
    """Wrap in-memory arrays (one array, or one per input) as float32 calibration data."""
    if isinstance(arrays, np.ndarray):
        arrays = [arrays]
    arrs = tuple(np.ascontiguousarray(np.asarray(a, dtype=np.float32)) for a in arrays)
    _check(arrs, source)
    return CalibrationData(arrs, source)


def load_calibration(path: str | os.PathLike[str], *, max_samples: int | None = None) -> CalibrationData:
    """Load an ``.npz`` (``input_0``…), an ``.npy`` (one input), or a directory of them."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"calibration data {str(p)!r} does not exist",
                         hint="give an .npz with arrays input_0, input_1, … (sample axis first) or a directory of them")
    if p.is_dir():
        files = sorted(f for f in p.iterdir() if f.suffix in (".npz", ".npy") and f.is_file())
        if not files:
            raise InputError(f"calibration directory {str(p)!r} has no .npz/.npy files")
        parts = [_load_file(f) for f in files]
        n = len(parts[0])
        for f, part in zip(files, parts):
            if len(part) != n:
                raise InputError(f"{f.name} has {len(part)} input array(s), {files[0].name} has {n}")
        arrs = tuple(np.concatenate([part[i] for part in parts], axis=0) for i in range(n))
    else:
        arrs = tuple(_load_file(p))
    arrs = tuple(np.ascontiguousarray(a.astype(np.float32, copy=False)) for a in arrs)
    _check(arrs, str(p))
    return CalibrationData(arrs, str(p)).take(max_samples)


def as_calibration(calibration: "CalibrationData | str | os.PathLike[str] | np.ndarray | Sequence[np.ndarray]",
                   shapes: Sequence[Sequence[int | None]], layout: str | None = None) -> CalibrationData:
    """Any accepted form (CalibrationData, a path, arrays) as CalibrationData fitted to the model's input shapes."""
    if isinstance(calibration, CalibrationData):
        data = calibration
    elif isinstance(calibration, (str, os.PathLike)):
        data = load_calibration(calibration)
    else:
        data = from_arrays(calibration)
    return data.fit_shapes(shapes, layout)


def save_calibration(path: str | os.PathLike[str], arrays: np.ndarray | Sequence[np.ndarray]) -> Path:
    """Write arrays in the convention above (``input_0``…); returns the path."""
    data = from_arrays(arrays)
    p = Path(path)
    np.savez(p, **{f"input_{i}": a for i, a in enumerate(data.inputs)})
    return p if p.suffix == ".npz" else p.with_name(p.name + ".npz")


def _load_file(f: Path) -> list[np.ndarray]:
    try:
        if f.suffix == ".npy":
            return [np.load(f, allow_pickle=False)]
        with np.load(f, allow_pickle=False) as z:
            keys = set(z.files)
            if "input_0" not in keys:
                raise InputError(f"{f.name} has no array input_0 (found: {', '.join(sorted(keys)) or 'none'})",
                                 hint="name the arrays input_0, input_1, … (sample axis first)")
            n = 0
            while f"input_{n}" in keys:
                n += 1
            return [z[f"input_{i}"] for i in range(n)]
    except InputError:
        raise
    except Exception as e:  # zip/pickle/format errors: a bad file, not an mcuml bug
        raise InputError(f"cannot read calibration file {f.name}: {e}") from None


def _check(arrs: tuple[np.ndarray, ...], source: str) -> None:
    if not arrs:
        raise InputError(f"calibration data {source} has no arrays")
    for i, a in enumerate(arrs):
        if a.ndim < 1 or a.shape[0] == 0:
            raise InputError(f"calibration input_{i} in {source} has no samples (shape {a.shape})")
        if not np.all(np.isfinite(a)):
            raise InputError(f"calibration input_{i} in {source} contains NaN or Inf")
    n = {a.shape[0] for a in arrs}
    if len(n) != 1:
        raise InputError(f"calibration inputs in {source} disagree on the sample count: "
                         f"{[a.shape[0] for a in arrs]}")
