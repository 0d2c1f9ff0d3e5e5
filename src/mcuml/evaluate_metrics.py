"""Metrics for ``mcuml eval``: top-k accuracy, per-class precision/recall, confusion matrix, regression errors, SQNR."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class ClassMetrics:
    label: str
    support: int  # samples whose true class this is
    predicted: int  # samples predicted as this class
    precision: float | None  # None when nothing was predicted as this class
    recall: float | None  # None when the class has no samples
    f1: float | None


@dataclass(frozen=True, slots=True)
class Classification:
    top1: float
    top_k: int
    top_k_accuracy: float
    per_class: tuple[ClassMetrics, ...]
    confusion: tuple[tuple[int, ...], ...]  # rows: true class, columns: predicted class
    predictions: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Regression:
    mae: float
    rmse: float
    r2: float | None  # None when the targets are constant


def scores(y: np.ndarray) -> np.ndarray:
    """Model output 0 as (N, classes) scores. A one-unit output is binary: a probability in [0, 1] becomes the
    columns (1 - p, p) (class 1 when p > 0.5), anything else a logit, (-z, z) (class 1 when z > 0)."""
    s = np.asarray(y, np.float64).reshape(len(y), -1)
    if s.shape[1] != 1:
        return s
    prob = s.size and s.min() >= 0.0 and s.max() <= 1.0
    return np.concatenate([1.0 - s, s] if prob else [-s, s], axis=1)


def classify(y_scores: np.ndarray, labels: np.ndarray, classes: tuple[str, ...], top_k: int = 5) -> Classification:
    """Classification metrics of (N, C) scores against integer labels."""
    c = y_scores.shape[1]
    n_cls = max(c, len(classes), int(labels.max()) + 1 if labels.size else 0)
    names = tuple(classes) + tuple(str(i) for i in range(len(classes), n_cls))
    pred = np.argmax(y_scores, axis=1)
    k = max(1, min(top_k, c))
    # stable order: ties go to the lower class index, as argmax does
    topk = np.argsort(-y_scores, axis=1, kind="stable")[:, :k]
    conf = np.zeros((n_cls, n_cls), np.int64)
    np.add.at(conf, (labels, pred), 1)
    per = []
    for i, name in enumerate(names):
        tp, support, predicted = int(conf[i, i]), int(conf[i].sum()), int(conf[:, i].sum())
        p = tp / predicted if predicted else None
        r = tp / support if support else None
        f1 = None if p is None or r is None else (2 * p * r / (p + r) if p + r > 0 else 0.0)
        per.append(ClassMetrics(name, support, predicted, p, r, f1))
    return Classification(float(np.mean(pred == labels)), k, float(np.mean(np.any(topk == labels[:, None], axis=1))),
                          tuple(per), tuple(tuple(int(v) for v in row) for row in conf), tuple(int(v) for v in pred))


def regress(y: np.ndarray, target: np.ndarray) -> Regression:
    """MAE, RMSE and R^2 of predictions ``y`` against ``target`` (flattened per sample, all elements)."""
    p = np.asarray(y, np.float64).reshape(len(y), -1)
    t = np.asarray(target, np.float64).reshape(len(target), -1)
    if p.shape != t.shape:
        from mcuml.errors import InputError

        raise InputError(f"targets have {t.shape[1]} values per sample, the model's output {p.shape[1]}")
    err = p - t
    ss_tot = float(np.sum((t - t.mean(axis=0)) ** 2))
    r2 = 1.0 - float(np.sum(err ** 2)) / ss_tot if ss_tot > 0 else None
    return Regression(float(np.mean(np.abs(err))), float(math.sqrt(np.mean(err ** 2))), r2)


class SqnrAccumulator:
    """Signal and noise energy over samples: SQNR = 10 log10(sum ref^2 / sum (got - ref)^2) dB."""

    def __init__(self) -> None:
        self.signal = 0.0
        self.noise = 0.0
        self.max_abs = 0.0
        self.samples = 0

    def add(self, got: np.ndarray, ref: np.ndarray) -> None:
        g, r = np.asarray(got, np.float64), np.asarray(ref, np.float64)
        d = g - r
        self.signal += float(np.sum(r * r))
        self.noise += float(np.sum(d * d))
        self.max_abs = max(self.max_abs, float(np.max(np.abs(d))) if d.size else 0.0)
        self.samples += 1

    @property
    def db(self) -> float:
        if self.noise == 0.0:
            return math.inf
        if self.signal == 0.0:
            return -math.inf
        return 10.0 * math.log10(self.signal / self.noise)


def sqnr_db(got: np.ndarray, ref: np.ndarray) -> float:
    acc = SqnrAccumulator()
    acc.add(got, ref)
    return acc.db


__all__ = ["Classification", "ClassMetrics", "Regression", "SqnrAccumulator", "classify", "regress", "scores",
           "sqnr_db"]
