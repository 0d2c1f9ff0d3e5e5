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
class Stats:
    min: float
    max: float
    mean: float
    values: tuple[float, ...]  # the first few values (all of them for small tensors)


@dataclass(frozen=True, slots=True)
class TensorSummary:
    name: str
    shape: tuple[int, ...]  # of the data summarized: (N, ...) for a batch
    dtype: str
    min: float
    max: float
    mean: float
    argmax: int  # of the first sample
    values: tuple[float, ...]  # the first few raw values (all of them for small outputs)
    scale: float | None = None  # quantized tensors: value = scale * (raw - zero_point)
    zero_point: int | None = None
    dequantized: Stats | None = None  # the same values dequantized (quantized tensors only)


@dataclass(frozen=True, slots=True)
class RunResult:
    model: str
    inputs: tuple[TensorSummary, ...]
    outputs: tuple[TensorSummary, ...]
    invoke_ms: float  # all samples (host)
    output_file: str | None
    input_source: str = ""  # the input file, or "random (seed S)"
    random_input: bool = False
    samples: int = 1  # > 1: a batch through Interpreter.run()


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


FLOAT_TOLERANCE = 1e-5  # float tensors: |mcuml - TFLM| <= FLOAT_TOLERANCE * max(1, |TFLM|), elementwise
TOLERANCE_RULE = (f"integer tensors must be identical; float tensors match when |mcuml - TFLM| <= "
                  f"{FLOAT_TOLERANCE:g} * max(1, |TFLM|) elementwise (layers and final outputs alike)")


@dataclass(frozen=True, slots=True)
class CompareResult:
    model: str
    layers: tuple[LayerMatch, ...]
    outputs_match: bool  # by the same rule as the layers (TOLERANCE_RULE)
    first_mismatch: LayerMatch | None
    outputs: tuple[LayerMatch, ...] = ()  # the final outputs, compared by the same rule
    outputs_identical: bool = True  # bit for bit
    tolerance: str = TOLERANCE_RULE

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


def read_input_arrays(model: Model, path: str | os.PathLike[str]) -> list[np.ndarray]:
    """The arrays of an .npy (one-input models) or .npz file, one per model input.

    An .npz names them ``input_0``, ``input_1``… or by the input tensors' names (as
    ``get_input_details()[i]["name"]`` gives them).
    """
    ins = model.main.inputs
    p = Path(path)
    if not p.exists():
        raise InputError(f"input file {str(p)!r} does not exist")
    if p.suffix == ".npy":
        arrays = [np.load(p)]
    else:
        with np.load(p) as z:
            keys = [f"input_{i}" if f"input_{i}" in z else t.name if t.name in z else None for i, t in enumerate(ins)]
            missing = [f"input_{i} (or {t.name!r})" for i, (k, t) in enumerate(zip(keys, ins)) if k is None]
            if missing:
                raise InputError(f"{p.name} lacks {', '.join(missing)} (found: {', '.join(sorted(z.files))})")
            arrays = [z[k] for k in keys]
    if len(arrays) != len(ins):
        raise InputError(f"model has {len(ins)} inputs, {p.name} provides {len(arrays)}")
    return arrays


def _quantized(arrays: list[np.ndarray], ins: list[Tensor]) -> list[np.ndarray]:
    from mcuml.interp.interpreter import quantize_input

    return [quantize_input(a, t) if np.issubdtype(np.asarray(a).dtype, np.floating)
            and np.issubdtype(t.dtype.numpy, np.integer) else a for a, t in zip(arrays, ins)]


def load_inputs(model: Model, path: str | os.PathLike[str] | None, *, seed: int = 0,
                quantize: bool = False) -> list[np.ndarray]:
    """One sample's inputs from an .npz (``input_0``… or tensor names) or .npy file, or seeded random ones."""
    ins = model.main.inputs
    if path is None:
        return random_inputs(model, seed)
    arrays = read_input_arrays(model, path)
    if quantize:
        arrays = _quantized(arrays, ins)
    return [np.asarray(a).reshape(t.shape) if np.asarray(a).size == t.size else np.asarray(a)
            for a, t in zip(arrays, ins)]


def batch_size_of(arrays: list[np.ndarray], ins: list[Tensor]) -> int | None:
    """N when every array is a batch of N samples ((N, *shape), or (N, *shape[1:]) for batch-1 inputs), else None."""
    ns = set()
    for a, t in zip(arrays, ins):
        a = np.asarray(a)
        if a.size == t.size:
            return None
        shape = tuple(t.shape)
        if a.ndim == len(shape) + 1 and a.shape[1:] == shape or \
                shape and shape[0] == 1 and a.ndim == len(shape) and a.shape[1:] == shape[1:]:
            ns.add(a.shape[0])
        else:
            return None
    return ns.pop() if len(ns) == 1 else None


def _stats(f: np.ndarray, keep: int) -> Stats:
    f = f.astype(np.float64).ravel()
    if not f.size:
        return Stats(0.0, 0.0, 0.0, ())
    return Stats(float(f.min()), float(f.max()), float(f.mean()), tuple(float(x) for x in f[:keep]))


def _summary(t: Tensor, a: np.ndarray, keep: int = 16, batch: bool = False) -> TensorSummary:
    a = np.asarray(a)
    st = _stats(a, keep)
    first = a[0] if batch and a.shape[0] else a
    q = t.quantization is not None and bool(t.quantization.scale) and np.issubdtype(a.dtype, np.integer)
    deq = _stats(t.scale * (a.astype(np.float64) - t.zero_point), keep) if q else None
    return TensorSummary(t.name, tuple(a.shape), t.dtype.name, st.min, st.max, st.mean,
                         int(np.argmax(first)) if first.size else -1, st.values,
                         float(t.scale) if q else None, int(t.zero_point) if q else None, deq)


def run_model(model_path: str | os.PathLike[str], *, input_path: str | None = None, output_path: str | None = None,
              seed: int = 0, quantize_input: bool = False) -> RunResult:
    """Run the model once (or on a batch: the input file's arrays with a leading sample axis, through
    :meth:`Interpreter.run`); optionally save the outputs as ``output_0``… in an .npz.

    Without ``input_path`` the input is seeded random data (``random_input`` says so).
    """
    from mcuml.interp.interpreter import Interpreter

    model = load_model(model_path)
    it = Interpreter(model=model)  # compiles (validates) the model before anything reads its inputs
    sg = model.main
    n = None
    if input_path is not None:
        arrays = read_input_arrays(model, input_path)
        n = batch_size_of(arrays, sg.inputs)
    xs = load_inputs(model, input_path, seed=seed, quantize=quantize_input) if n is None else \
        [np.asarray(a) for a in (_quantized(arrays, sg.inputs) if quantize_input else arrays)]
    t0 = time.perf_counter()
    if n is None:
        it.allocate_tensors()
        for d, x in zip(it.get_input_details(), xs):
            it.set_tensor(d["index"], x)
        t0 = time.perf_counter()
        it.invoke()
        ms = (time.perf_counter() - t0) * 1e3
        ys = [it.get_tensor(d["index"]) for d in it.get_output_details()]
    else:
        ys = it.run(xs)
        ms = (time.perf_counter() - t0) * 1e3
    if output_path is not None:
        np.savez(output_path, **{f"output_{i}": y for i, y in enumerate(ys)})
    batch = n is not None
    return RunResult(str(model_path), tuple(_summary(t, x, batch=batch) for t, x in zip(sg.inputs, xs)),
                     tuple(_summary(t, y, batch=batch) for t, y in zip(sg.outputs, ys)), ms, output_path,
                     str(input_path) if input_path is not None else f"random (seed {seed})", input_path is None,
                     n or 1)


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
    outs = tuple(_match(-1, "output", t, a, b) for t, a, b in zip(sg.outputs, ours_out, ref_out))
    identical = all(a.size == b.size and np.array_equal(a.reshape(b.shape), b) for a, b in zip(ours_out, ref_out))
    return CompareResult(str(model_path), tuple(layers), all(o.match for o in outs), first, outs, identical)


def _match(k: int, op: str, t: Tensor, mine: np.ndarray | None, theirs: np.ndarray) -> LayerMatch:
    if mine is None:
        return LayerMatch(k, op, t.name, tuple(t.shape), t.dtype.name, False, -1, float("nan"), None)
    theirs = theirs.reshape(mine.shape) if theirs.size == mine.size else theirs
    if theirs.shape != mine.shape:
        return LayerMatch(k, op, t.name, tuple(t.shape), t.dtype.name, False, mine.size, float("nan"), None)
    if np.issubdtype(mine.dtype, np.floating):
        diff = np.abs(mine.astype(np.float64) - theirs.astype(np.float64))
        bad = ~(diff <= FLOAT_TOLERANCE * np.maximum(np.abs(theirs.astype(np.float64)), 1.0))  # NaN counts as bad
    else:
        diff = np.abs(mine.astype(np.int64) - theirs.astype(np.int64))
        bad = diff != 0
    n = int(np.count_nonzero(bad))
    first = tuple(int(v) for v in np.unravel_index(int(np.argmax(bad)), bad.shape)) if n else None
    return LayerMatch(k, op, t.name, tuple(t.shape), t.dtype.name, n == 0, n,
                      float(diff.max()) if diff.size else 0.0, first)
