"""Run a model on data (``mcuml run``) and compare mcuml with the real TFLM layer by layer (``mcuml compare``).

``compare`` is how users find "host and device disagree" bugs: TFLM's ``kPreserveAllTensors``
mode keeps every intermediate tensor, so the first operator whose output differs is named with
the location and size of the difference.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
import numpy as np

from mcuml.errors import InputError, McumlError, MissingDependencyError
from mcuml.ir.model import Model, Tensor
from mcuml.tflite.reader import load_model, read_bytes


@dataclass(frozen=True, slots=True)
class TensorSummary:
    name: str
    shape: tuple[int, ...]
    dtype: str
    min: float
    max: float
    mean: float
    argmax: int
    values: tuple[float, ...]  # the first few values (all of them for small outputs)


@dataclass(frozen=True, slots=True)
class RunResult:
    model: str
    inputs: tuple[TensorSummary, ...]
    outputs: tuple[TensorSummary, ...]
    invoke_ms: float
    output_file: str | None


@dataclass(frozen=True, slots=True)
class LayerMatch:
    index: int
    op: str
    tensor: str
    shape: tuple[int, ...]
    dtype: str
    match: bool
    n_diff: int
    max_abs_diff: float
    first_diff: tuple[int, ...] | None  # index of the first differing element


@dataclass(frozen=True, slots=True)
class CompareResult:
    model: str
    layers: tuple[LayerMatch, ...]
    outputs_match: bool
    first_mismatch: LayerMatch | None

    @property
    def all_match(self) -> bool:
        return self.first_mismatch is None and self.outputs_match


def random_inputs(model: Model, seed: int = 0) -> list[np.ndarray]:
    """Seeded inputs: integers over the dtype's full range, standard-normal floats, 0/1 bools."""
    rng = np.random.default_rng(seed)
    out = []
    for t in model.main.inputs:
        dt = t.dtype.numpy
        if dt == np.bool_:
            out.append(rng.integers(0, 2, size=t.shape).astype(bool))
        elif np.issubdtype(dt, np.integer):
            info = np.iinfo(dt)
            out.append(rng.integers(info.min, info.max, size=t.shape, endpoint=True, dtype=dt))
        else:
            out.append(rng.standard_normal(size=t.shape).astype(dt))
    return out


def load_inputs(model: Model, path: str | os.PathLike[str] | None, *, seed: int = 0,
                quantize: bool = False) -> list[np.ndarray]:
    """Inputs from an .npz (``input_0``…) or .npy file, or seeded random ones; optionally quantized."""
    ins = model.main.inputs
    if path is None:
        return random_inputs(model, seed)
    p = Path(path)
    if not p.exists():
        raise InputError(f"input file {str(p)!r} does not exist")
    if p.suffix == ".npy":
        arrays = [np.load(p)]
    else:
        with np.load(p) as z:
            missing = [f"input_{i}" for i in range(len(ins)) if f"input_{i}" not in z]
            if missing:
                raise InputError(f"{p.name} lacks {', '.join(missing)} (found: {', '.join(sorted(z.files))})")
            arrays = [z[f"input_{i}"] for i in range(len(ins))]
    if len(arrays) != len(ins):
        raise InputError(f"model has {len(ins)} inputs, {p.name} provides {len(arrays)}")
    if quantize:
        from mcuml.interp.interpreter import quantize_input

        arrays = [quantize_input(a, t) if np.issubdtype(np.asarray(a).dtype, np.floating)
                  and np.issubdtype(t.dtype.numpy, np.integer) else a for a, t in zip(arrays, ins)]
    return [np.asarray(a).reshape(t.shape) if np.asarray(a).size == t.size else np.asarray(a)
            for a, t in zip(arrays, ins)]


def _summary(t: Tensor, a: np.ndarray, keep: int = 16) -> TensorSummary:
    f = a.astype(np.float64).ravel()
    return TensorSummary(t.name, tuple(t.shape), t.dtype.name, float(f.min()) if f.size else 0.0,
                         float(f.max()) if f.size else 0.0, float(f.mean()) if f.size else 0.0,
                         int(np.argmax(f)) if f.size else -1, tuple(float(x) for x in f[:keep]))


def run_model(model_path: str | os.PathLike[str], *, input_path: str | None = None, output_path: str | None = None,
              seed: int = 0, quantize_input: bool = False) -> RunResult:
    """Run one inference with mcuml's interpreter; optionally save outputs as ``output_0``… in an .npz."""
    from mcuml.interp.interpreter import Interpreter

    model = load_model(model_path)
    it = Interpreter(model=model)  # compiles (validates) the model before anything reads its inputs
    xs = load_inputs(model, input_path, seed=seed, quantize=quantize_input)
    it.allocate_tensors()
    for d, x in zip(it.get_input_details(), xs):
        it.set_tensor(d["index"], x)
    t0 = time.perf_counter()
    it.invoke()
    ms = (time.perf_counter() - t0) * 1e3
    ys = [it.get_tensor(d["index"]) for d in it.get_output_details()]
    if output_path is not None:
        np.savez(output_path, **{f"output_{i}": y for i, y in enumerate(ys)})
    sg = model.main
    return RunResult(str(model_path), tuple(_summary(t, x) for t, x in zip(sg.inputs, xs)),
                     tuple(_summary(t, y) for t, y in zip(sg.outputs, ys)), ms, output_path)


def _tflm_runtime():
    try:
        from tflite_micro.python.tflite_micro import runtime
    except ImportError:  # pragma: no cover - tflite-micro is a dependency
        raise MissingDependencyError("mcuml compare needs the tflite-micro wheel", hint="pip install tflite-micro") from None
    return runtime


def compare_with_tflm(model_path: str | os.PathLike[str], *, input_path: str | None = None, seed: int = 0,
                      quantize_input: bool = False, model: Model | None = None) -> CompareResult:
    """Run mcuml and TFLM (preserve-all-tensors mode) on the same input; compare every op's outputs."""
    from mcuml.interp.interpreter import Interpreter

    runtime = _tflm_runtime()
    data = read_bytes(model_path)
    model = model or load_model(data)
    xs = load_inputs(model, input_path, seed=seed, quantize=quantize_input)
    sg = model.main
    tix = {id(t): i for i, t in enumerate(sg.tensors)}

    it = Interpreter(model=model)
    it.allocate_tensors()
    for d, x in zip(it.get_input_details(), xs):
        it.set_tensor(d["index"], x)
    captured: dict[int, np.ndarray] = {}
    it.invoke(hook=lambda bn, outs: captured.update({i: np.array(o[0]) for i, o in zip(bn.outputs, outs)}))
    ours_out = [it.get_tensor(d["index"]) for d in it.get_output_details()]

    arena = max(16 << 20, 20 * len(data))
    try:
        ref = runtime.Interpreter.from_bytes(data, arena_size=arena,
                                             intrepreter_config=runtime.InterpreterConfig.kPreserveAllTensors)
        for i, x in enumerate(xs):
            ref.set_input(np.ascontiguousarray(x), i)
        ref.invoke()
    except (RuntimeError, ValueError) as e:
        raise McumlError(f"TFLM could not run the model: {e}") from None
    ref_out = [np.array(ref.get_output(i)) for i in range(len(sg.outputs))]

    layers: list[LayerMatch] = []
    first = None
    for k, node in enumerate(sg.operators):
        for t in node.outputs:
            i = tix[id(t)]
            mine = captured.get(i)
            theirs = np.asarray(ref.GetTensor(i, 0)["tensor_data"])
            lm = _match(k, node.name, t, mine, theirs)
            layers.append(lm)
            if not lm.match and first is None:
                first = lm
    outputs_match = all(np.array_equal(a.reshape(b.shape), b) for a, b in zip(ours_out, ref_out))
    return CompareResult(str(model_path), tuple(layers), outputs_match, first)


def _match(k: int, op: str, t: Tensor, mine: np.ndarray | None, theirs: np.ndarray) -> LayerMatch:
    if mine is None:
        return LayerMatch(k, op, t.name, tuple(t.shape), t.dtype.name, False, -1, float("nan"), None)
    theirs = theirs.reshape(mine.shape) if theirs.size == mine.size else theirs
    if theirs.shape != mine.shape:
        return LayerMatch(k, op, t.name, tuple(t.shape), t.dtype.name, False, mine.size, float("nan"), None)
    if np.issubdtype(mine.dtype, np.floating):
        diff = np.abs(mine.astype(np.float64) - theirs.astype(np.float64))
        bad = diff > 1e-5 * np.maximum(np.abs(theirs), 1.0)
    else:
        diff = np.abs(mine.astype(np.int64) - theirs.astype(np.int64))
        bad = diff != 0
    n = int(np.count_nonzero(bad))
    first = tuple(int(v) for v in np.unravel_index(int(np.argmax(bad)), bad.shape)) if n else None
    return LayerMatch(k, op, t.name, tuple(t.shape), t.dtype.name, n == 0, n,
                      float(diff.max()) if diff.size else 0.0, first)
