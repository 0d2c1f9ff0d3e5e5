"""Latency model: Cortex-M4 cycles of one TFLM kernel from static layer features, scaled to other cores.

The model is linear per (op, activation dtype) and per kernel set (TFLM reference kernels vs
CMSIS-NN), over a handful of named terms (:data:`TERMS`). Coefficients are non-negative and
live in ``mcuml/data/latency_coeffs.json``; ``tools/calibrate_latency.py`` fits them on the
per-layer instruction-accurate Cortex-M4 cycle counts in the calibration file and prints the
leave-one-model-out error. Why these terms:

* ``macs`` – the inner product; its coefficient is the cycles per MAC of the kernel's inner loop
  (about 2-3 for CMSIS-NN int8 conv using SMLAD, 9-10 for CMSIS-NN depthwise, ~12 / ~55 for
  reference conv / depthwise). Depthwise costs more per MAC because its inner loop is short (one
  filter tap per channel) and cannot amortize loads the way a conv's dot product does.
* ``macs_odd`` – MACs of layers whose input depth is not a multiple of 4: CMSIS-NN then leaves its
  4-way SIMD path for leftover loops (and the reference kernels lose their unrolled fast path).
* ``im2col`` – values copied by CMSIS-NN's im2col for non-1x1 convolutions (and the window
  gather of depthwise shapes other than 3x3).
* ``taps`` – (output, filter tap) pairs: the reference conv's per-tap bounds check and addressing,
  which dominates when the input depth is 1-3.
* ``out`` – per-output work: bias, requantization (MBQM), clamping, store.
* ``pixels`` / ``rows`` – per-output-pixel (per-row) loop overhead.
* ``in`` – input elements touched once (element-wise ops, pooling, copies).
* ``const`` – fixed cost per invocation (kernel entry, parameter setup).

Whole-inference cycles = sum of layers + the interpreter's per-op overhead. Other cores: cycles x
the core class factor (``core_classes`` in the same data file), divided by the clock; the result
carries the class's stated relative uncertainty.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from typing import Callable

from mcuml.profile.features import LayerFeatures

KERNEL_SETS = ("reference", "cmsis-nn")

_CONV = ("CONV_2D", "DEPTHWISE_CONV_2D", "TRANSPOSE_CONV")
_MATMUL = ("FULLY_CONNECTED", "BATCH_MATMUL", "SVDF", "UNIDIRECTIONAL_SEQUENCE_LSTM", "LSTM")


def _odd(f: LayerFeatures) -> int:
    return f.macs if f.in_ch % 4 else 0


def _im2col(f: LayerFeatures) -> int:
    if f.op == "DEPTHWISE_CONV_2D":
        # CMSIS-NN has a dedicated 3x3 kernel; other shapes gather each window into a buffer first
        return 0 if (f.kh, f.kw, f.ch_mult) == (3, 3, 1) else f.out_pixels * f.kh * f.kw * f.in_ch
    if f.op != "CONV_2D" or (f.kh == 1 and f.kw == 1 and f.stride == 1):
        return 0
    return f.out_pixels * f.kh * f.kw * f.in_ch


def _taps(f: LayerFeatures) -> int:
    # the reference conv visits every (output, tap) with a bounds check before its depth loop
    return f.out_elems * f.kh * f.kw if f.op == "CONV_2D" else 0


TERMS: dict[str, Callable[[LayerFeatures], float]] = {
    "const": lambda f: 1.0,
    "macs": lambda f: float(f.macs),
    "macs_odd": lambda f: float(_odd(f)),
    "im2col": lambda f: float(_im2col(f)),
    "taps": lambda f: float(_taps(f)),
    "out": lambda f: float(f.out_elems),
    "pixels": lambda f: float(f.out_pixels),
    "in": lambda f: float(f.in_elems),
}


def family_terms(op: str) -> tuple[str, ...]:
    """The terms the model uses for one op type."""
    if op in _CONV:
        return ("const", "macs", "macs_odd", "im2col", "taps", "out", "pixels", "in")
    if op in _MATMUL:
        return ("const", "macs", "macs_odd", "out", "pixels", "in")
    return ("const", "out", "in")


def group_key(f: LayerFeatures) -> str:
    """The coefficient group of a layer: ``op/dtype``."""
    return f"{f.op}/{f.dtype}"


def fallback_keys(f: LayerFeatures) -> tuple[str, ...]:
    """Most specific first: op+dtype, op, family+dtype, generic element-wise model."""
    fam = "conv" if f.op in _CONV else "matmul" if f.op in _MATMUL else "eltwise"
    return (group_key(f), f"{f.op}/*", f"{fam}/{f.dtype}", f"{fam}/*")


def features_row(f: LayerFeatures, terms: tuple[str, ...]) -> list[float]:
    """The layer's values of the regression ``terms``."""
    return [TERMS[t](f) for t in terms]


@dataclass(frozen=True, slots=True)
class CoreClass:
    """How a core class scales Cortex-M4 cycles; ``uncertainty`` is a relative 1-sigma-ish band."""

    name: str
    factor_reference: float
    factor_cmsis: float
    uncertainty: float
    note: str


@dataclass(frozen=True, slots=True)
class LayerEstimate:
    """Estimated Cortex-M4 cycles of one layer and which coefficient group gave them."""

    cycles_m4: float       # Cortex-M4 cycles, zero wait states
    branch_ratio: float    # taken branches per cycle (for flash wait-state penalties)
    group: str             # which coefficient group answered


def normalize_kernels(kernels: str) -> str:
    """``reference`` or ``cmsis-nn`` from the accepted spellings; McumlError otherwise."""
    k = kernels.lower().replace("_", "-")
    if k in ("cmsis", "cmsis-nn", "cmsisnn", "optimized"):
        return "cmsis-nn"
    if k in ("ref", "reference"):
        return "reference"
    from mcuml.errors import McumlError

    raise McumlError(f"unknown kernel set {kernels!r}", hint="use reference or cmsis-nn")


@functools.lru_cache(maxsize=1)
def coefficients() -> dict:
    """The calibrated coefficient file (``mcuml/data/latency_coeffs.json``)."""
    text = resources.files("mcuml").joinpath("data/latency_coeffs.json").read_text()
    return json.loads(text)


def estimate_layer(f: LayerFeatures, kernels: str, coeffs: dict | None = None) -> LayerEstimate:
    """Cortex-M4 cycles of one layer for one kernel set."""
    c = coeffs if coeffs is not None else coefficients()
    ks = normalize_kernels(kernels)
    groups = c["kernels"][ks]["groups"]
    if ks == "cmsis-nn" and f.dtype == "float32" and group_key(f) not in groups and "reference" in c["kernels"]:
        # CMSIS-NN has no float kernels: TFLM's cmsis_nn build runs the reference float code
        groups = c["kernels"]["reference"]["groups"]
    for key in fallback_keys(f):
        g = groups.get(key)
        if g is None:
            continue
        row = features_row(f, tuple(g["terms"]))
        cyc = sum(a * x for a, x in zip(g["coef"], row))
        return LayerEstimate(max(cyc, 0.0), float(g.get("branch_ratio", 0.0)), key)
    return LayerEstimate(0.0, 0.0, "none")


def interpreter_overhead(n_ops: int, kernels: str, coeffs: dict | None = None) -> float:
    """Cycles the interpreter spends outside kernels for one Invoke (dispatch, profiler hooks)."""
    c = coeffs if coeffs is not None else coefficients()
    o = c["kernels"][normalize_kernels(kernels)]["interpreter_overhead"]
    return o["const"] + o["per_op"] * n_ops


def core_class(name: str, coeffs: dict | None = None) -> CoreClass:
    """The calibrated scaling of one core class."""
    c = coeffs if coeffs is not None else coefficients()
    d = c["core_classes"][name]
    return CoreClass(name, d["factor_reference"], d["factor_cmsis"], d["uncertainty"], d["note"])


def core_classes(coeffs: dict | None = None) -> tuple[str, ...]:
    """Names of the calibrated core classes."""
    c = coeffs if coeffs is not None else coefficients()
    return tuple(c["core_classes"])
