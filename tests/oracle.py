"""Helpers that run the real TFLM (the ``tflite-micro`` wheel) as the oracle, and mcuml beside it."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import NoReturn, Sequence

import numpy as np
import pytest

SHARED = Path(os.environ.get("MCUML_SHARED", Path(__file__).resolve().parents[1].parent / "shared"))
MODELS = SHARED / "models"
IN_CI = os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def unavailable(what: str) -> NoReturn:
    """Something a test needs from outside the repo (../shared, a toolchain, a browser) is missing:
    a skip on a developer's machine, a failure in CI (``CI=true``), where .ci/run provides all of it."""
    if IN_CI:
        pytest.fail(f"{what} (CI=true: the CI machine must provide it; see .ci/run)", pytrace=False)
    pytest.skip(what)


def shared_path(rel: str) -> Path:
    """``SHARED / rel`` (MCUML_SHARED, default ../shared), or :func:`unavailable`."""
    p = SHARED / rel
    if not p.exists():
        unavailable(f"{p} not present (set MCUML_SHARED or put the shared data at ../shared)")
    return p


def require_tools(*tools: str) -> None:
    """Every program on PATH, or :func:`unavailable`."""
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        unavailable(f"{', '.join(missing)} not installed")


def manifest() -> list[dict]:
    """The shared models' manifest; [] when ../shared is absent (in CI that fails the collection)."""
    p = MODELS / "manifest.json"
    if not p.exists():
        if IN_CI:
            pytest.fail(f"{p} not present (CI=true: the CI machine must provide ../shared)", pytrace=False)
        return []
    data = json.loads(p.read_text())
    return data["models"] if isinstance(data, dict) and "models" in data else data


def model_path(rel: str) -> Path:
    return shared_path(f"models/{rel}")


def tflm_run(model: bytes | str | Path, inputs: Sequence[np.ndarray], arena_size: int = 32 << 20,
             invokes: int = 1) -> list[np.ndarray]:
    """Run the TFLM wheel; returns the outputs after the last invoke."""
    from tflite_micro.python.tflite_micro import runtime

    data = Path(model).read_bytes() if not isinstance(model, (bytes, bytearray)) else bytes(model)
    it = runtime.Interpreter.from_bytes(data, arena_size=arena_size)
    from mcuml import load_model

    n_out = len(load_model(data).main.outputs)
    for _ in range(invokes):
        for i, x in enumerate(inputs):
            it.set_input(np.ascontiguousarray(x), i)
        it.invoke()
    return [np.array(it.get_output(i)) for i in range(n_out)]


def mcuml_run(model: bytes | str | Path, inputs: Sequence[np.ndarray], invokes: int = 1) -> list[np.ndarray]:
    from mcuml import Interpreter

    data = Path(model).read_bytes() if not isinstance(model, (bytes, bytearray)) else bytes(model)
    it = Interpreter(model_content=data)
    it.allocate_tensors()
    for _ in range(invokes):
        for d, x in zip(it.get_input_details(), inputs):
            it.set_tensor(d["index"], x)
        it.invoke()
    return [it.get_tensor(d["index"]) for d in it.get_output_details()]


def random_input(shape: Sequence[int], dtype: np.dtype, rng: np.random.Generator) -> np.ndarray:
    """Full-range integers, or standard normal floats (the acceptance-test convention)."""
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return rng.integers(0, 2, size=shape).astype(bool)
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max, size=shape, endpoint=True, dtype=dtype)
    return rng.standard_normal(size=shape).astype(dtype)


FLOAT_RTOL = 1e-6  # measured worst case over tests/ops and every shared model: 1.2e-7 (1 ulp), only in LOG, SIN
# and COS (NumPy's vectorized float32 math); every other float kernel is bit-exact


def assert_same(got: Sequence[np.ndarray], want: Sequence[np.ndarray], rtol: float = FLOAT_RTOL) -> None:
    """Integer outputs: exactly equal. Float outputs: max relative error <= rtol (README: "bit-exact" for float)."""
    assert len(got) == len(want)
    for g, w in zip(got, want):
        g = np.asarray(g).reshape(np.shape(w))
        if np.issubdtype(np.asarray(w).dtype, np.floating):
            denom = np.maximum(np.abs(w), 1e-30)
            err = np.max(np.abs(g.astype(np.float64) - w) / np.maximum(denom, np.max(np.abs(w)) * 1e-6)) if w.size else 0
            assert err <= rtol, f"float outputs differ: max rel err {err}"
        else:
            assert g.dtype == np.asarray(w).dtype, (g.dtype, np.asarray(w).dtype)
            assert np.array_equal(g, w), f"{np.count_nonzero(g != w)} of {w.size} elements differ; " \
                                         f"max |diff| {np.max(np.abs(g.astype(np.int64) - w.astype(np.int64)))}"


def differential(model_bytes: bytes, inputs: Sequence[np.ndarray], invokes: int = 1) -> list[np.ndarray]:
    """Run both; assert equality; return mcuml's outputs."""
    want = tflm_run(model_bytes, inputs, invokes=invokes)
    got = mcuml_run(model_bytes, inputs, invokes=invokes)
    assert_same(got, want)
    return got


def custom_op_model(op: str, ins, outs, opts: dict | None) -> bytes:
    """A one-node model of ``CUSTOM:op`` with FlexBuffer options ``opts``.

    ins: (name, shape, dtype) activations or (name, ndarray) constants; outs: (name, shape, dtype).
    """
    from mcuml.ir.build import ModelBuilder
    from mcuml.ops._signal import flex_bytes

    b = ModelBuilder()
    tensors = [b.const(s[0], s[1]) if len(s) == 2 else b.input(*s) for s in ins]
    ys = [b.tensor(*s) for s in outs]
    b.op(f"CUSTOM:{op}", tensors, ys, custom_options=None if opts is None else flex_bytes(opts))
    b.output(*ys)
    return b.build().to_bytes()


def spectral_subtraction_model(channels: int = 40, clamping: bool = False) -> bytes:
    """A real stateful model: ``SignalFilterBankSpectralSubtraction`` keeps a noise estimate across invokes
    (its op overrides ``Op.reset``), with the options of TFLM's micro_speech front end."""
    opts = {"alternate_one_minus_smoothing": 15401, "alternate_smoothing": 983, "clamping": clamping,
            "min_signal_remaining": 819, "num_channels": channels, "one_minus_smoothing": 15975, "smoothing": 409,
            "smoothing_bits": 10, "spectral_subtraction_bits": 14}
    return custom_op_model("SignalFilterBankSpectralSubtraction", [("x", (channels,), "uint32")],
                           [("y", (channels,), "uint32"), ("n", (channels,), "uint32")], opts)
