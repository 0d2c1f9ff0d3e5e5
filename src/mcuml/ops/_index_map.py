"""Static data movement as a precomputed flat index map.

Ops whose output element ``i`` is input element ``index[i]`` (or a pad value) for every sample —
SLICE, MIRROR_PAD, REVERSE_V2, SPACE_TO_DEPTH, DEPTH_TO_SPACE, SPACE_TO_BATCH_ND,
BATCH_TO_SPACE_ND — compute that map once in ``prepare`` by applying the op to ``arange`` with
NumPy, and ``eval`` is a single vectorized gather over all samples.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mcuml.ops._base import Op


@dataclass(frozen=True, slots=True)
class IndexMapParams:
    index: np.ndarray  # int64, output size; source flat index per output element, -1 = pad
    keep: np.ndarray | None  # output positions copied from the input, None when nothing is padded
    pad_value: int | float = 0

    @staticmethod
    def build(index: np.ndarray, pad_value: int | float = 0) -> "IndexMapParams":
        idx = np.ascontiguousarray(np.asarray(index, dtype=np.int64).ravel())
        keep = np.flatnonzero(idx >= 0) if (idx < 0).any() else None
        return IndexMapParams(idx if keep is None else idx[keep], keep, pad_value)


def source(shape: tuple[int, ...]) -> np.ndarray:
    return np.arange(int(np.prod(shape, dtype=np.int64)), dtype=np.int64).reshape(shape)


class IndexMapOp(Op):
    def eval(self, p: IndexMapParams, inputs, outputs) -> None:
        x, y = inputs[0], outputs[0]
        src = x.reshape(x.shape[0], -1)
        flat = y.reshape(y.shape[0], -1)
        if p.keep is not None:
            flat[...] = p.pad_value
            flat[:, p.keep] = src[:, p.index]
        else:
            flat[...] = src[:, p.index]
