"""Host engine: the generated C compiled with the system compiler and run through ctypes.

The shared library is cached by a hash of its sources and flags under ``$MCUML_CACHE`` (default
``~/.cache/mcuml``)/cengine, so a model compiles once per machine. ``run`` evaluates a batch in C
(one ``NAME_invoke`` per sample, no Python per sample).
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from mcuml.errors import InputError, McumlError, MissingDependencyError

HOST_FLAGS = ("-O3", "-std=c99", "-fPIC", "-shared", "-ffp-contract=off", "-fno-math-errno")
SANITIZE_FLAGS = ("-O1", "-g", "-std=c99", "-fPIC", "-shared", "-ffp-contract=off", "-fsanitize=undefined",
                  "-fno-sanitize-recover=all", "-fno-omit-frame-pointer")


def cache_dir() -> Path:
    base = os.environ.get("MCUML_CACHE")
    root = Path(base) if base else Path.home() / ".cache" / "mcuml"
    return root / "cengine"


def find_cc() -> str:
    for cand in (os.environ.get("CC"), "cc", "gcc", "clang"):
        if cand and shutil.which(cand):
            return cand
    raise MissingDependencyError("the C engine needs a C compiler (cc, gcc or clang) on PATH")


def host_glue(name: str, n_in: int, n_out: int, in_bytes: Sequence[int], out_bytes: Sequence[int]) -> str:
    """``NAME_run_batch(n, ins, outs)``: n invocations over packed sample arrays, each from the reset state
    (like :meth:`mcuml.Interpreter.run`: samples are independent; the state of stateful layers is restored)."""
    args = [f"(const void *)((const uint8_t *)ins[{k}] + (size_t)i * {b}u)" for k, b in enumerate(in_bytes)] + \
        [f"(void *)((uint8_t *)outs[{k}] + (size_t)i * {b}u)" for k, b in enumerate(out_bytes)]
    return "\n".join([
        f'#include "{name}.h"', "#include <stddef.h>",
        f"int {name}_run_batch(int32_t n, const void *const *ins, void *const *outs) {{",
        "    (void)ins; (void)outs;",
        "    for (int32_t i = 0; i < n; ++i) {", f"        {name}_reset();",
        f"        int rc = {name}_invoke({', '.join(args)});",
        "        if (rc) return rc;", "    }", "    return 0;", "}", ""])


def _key(parts: Sequence[str]) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode() + b"\0")
    return h.hexdigest()[:24]


def _compile(cmd: list[str]) -> None:
    r = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if r.returncode != 0:
        raise McumlError(f"C engine build failed: {' '.join(cmd[:6])} ...\n{r.stderr[-4000:]}")


def _kernel_objects(kernels: Sequence[tuple[str, str]], cc: str, flags: Sequence[str]) -> list[Path]:
    """mcuml's kernel sources compiled once per (sources, compiler, flags), shared by every model."""
    cflags = [f for f in flags if f != "-shared"]
    out_dir = cache_dir() / ("k-" + _key([cc, *cflags, *(f + t for f, t in kernels)]))
    objs = [out_dir / (f[:-2] + ".o") for f, _ in kernels if f.endswith(".c")]
    if all(o.exists() for o in objs):
        return objs
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out_dir) as tmp:
        t = Path(tmp)
        for fname, text in kernels:
            (t / fname).write_text(text)
        for fname, _ in kernels:
            if fname.endswith(".c"):
                obj = t / (fname[:-2] + ".o")
                _compile([cc, *cflags, "-c", "-I", str(t), "-o", str(obj), str(t / fname)])
                os.replace(obj, out_dir / obj.name)
    return objs


def build_shared(sources: Sequence[tuple[str, str]], name: str, *, flags: Sequence[str] = HOST_FLAGS,
                 defines: Sequence[str] = ()) -> Path:
    """Compile ``sources`` into a cached shared library (kernel objects cached separately); returns its path."""
    cc = find_cc()
    dflags = [*flags, *(f"-D{d}" for d in defines)]
    key = _key([cc, *dflags, *(f + "\0" + t for f, t in sources)])
    out_dir = cache_dir() / key
    lib = out_dir / f"lib{name}.so"
    if lib.exists():
        return lib
    kernels = [(f, t) for f, t in sources if f.startswith("mcuml_")]
    model = [(f, t) for f, t in sources if not f.startswith("mcuml_")]
    kobjs = _kernel_objects(kernels, cc, dflags)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out_dir) as tmp:
        t = Path(tmp)
        for fname, text in sources:
            (t / fname).write_text(text)
        cfiles = [str(t / f) for f, _ in model if f.endswith(".c")]
        tmp_lib = t / lib.name
        _compile([cc, *dflags, "-I", str(t), "-o", str(tmp_lib), *cfiles, *map(str, kobjs), "-lm"])
        os.replace(tmp_lib, lib)
    return lib


class CEngine:
    """The generated C engine of one model, with ``tf.lite.Interpreter``'s API and a batched ``run``."""

    def __init__(self, model_path: str | os.PathLike[str] | None = None, model_content: bytes | None = None, *,
                 model: Any = None, name: str = "model", sanitize: bool = False, dsp: bool = False,
                 **generate_options: Any) -> None:
        from mcuml import load_model
        from mcuml.cengine.gen import generate

        if model is None:
            if (model_path is None) == (model_content is None):
                raise McumlError("give exactly one of model_path or model_content")
            model = load_model(model_path if model_path is not None else model_content)
        self.model = model
        generate_options.setdefault("pack", dsp)  # the packed layout is the Cortex-M (DSP) one
        self.generated = g = generate(model, name=name, **generate_options)
        glue = host_glue(name, len(g.inputs), len(g.outputs), [t.nbytes for t in g.inputs],
                         [t.nbytes for t in g.outputs])
        srcs = [*g.sources, (f"{name}_host.c", glue)]
        self.library = build_shared(srcs, name, flags=SANITIZE_FLAGS if sanitize else HOST_FLAGS,
                                    defines=("MCUML_FORCE_DSP",) if dsp else ())
        self._lib = ctypes.CDLL(str(self.library))
        self._invoke = getattr(self._lib, f"{name}_invoke")
        self._invoke.restype = ctypes.c_int
        self._reset = getattr(self._lib, f"{name}_reset")
        self._reset.restype = None
        self._batch = getattr(self._lib, f"{name}_run_batch")
        self._batch.restype = ctypes.c_int
        self._batch.argtypes = [ctypes.c_int32, ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_void_p)]
        self._in = [np.zeros(t.shape, dtype=t.dtype) for t in g.inputs]
        self._out = [np.zeros(t.shape, dtype=t.dtype) for t in g.outputs]
        self._by_index = {t.index: ("in", k) for k, t in enumerate(g.inputs)}
        self._by_index.update({t.index: ("out", k) for k, t in enumerate(g.outputs)})

    # -- tf.lite.Interpreter API ---------------------------------------------------------------
    @property
    def arena_bytes(self) -> int:
        return self.generated.arena_bytes

    def allocate_tensors(self) -> None:
        """Nothing to do: the arena is a static array of the library."""

    def _details(self, ios) -> list[dict[str, Any]]:
        from mcuml.interp.interpreter import _tensor_details

        sg = self.model.main
        return [_tensor_details(t.index, sg.tensors[t.index]) for t in ios]

    def get_input_details(self) -> list[dict[str, Any]]:
        return self._details(self.generated.inputs)

    def get_output_details(self) -> list[dict[str, Any]]:
        return self._details(self.generated.outputs)

    def set_tensor(self, tensor_index: int, value: np.ndarray) -> None:
        kind, k = self._by_index.get(tensor_index, (None, -1))
        if kind != "in":
            raise InputError(f"tensor {tensor_index} is not an input of the C engine")
        v = np.asarray(value)
        if v.dtype != self._in[k].dtype or v.size != self._in[k].size:
            raise InputError(f"input {k} wants {self._in[k].dtype} {list(self._in[k].shape)}, got {v.dtype} "
                             f"{list(v.shape)}")
        self._in[k][...] = v.reshape(self._in[k].shape)

    def get_tensor(self, tensor_index: int) -> np.ndarray:
        kind, k = self._by_index.get(tensor_index, (None, -1))
        if kind is None:
            raise InputError(f"tensor {tensor_index} is not an input or output of the C engine")
        return np.array(self._in[k] if kind == "in" else self._out[k])

    def invoke(self) -> None:
        ptrs = [ctypes.c_void_p(a.ctypes.data) for a in (*self._in, *self._out)]
        rc = self._invoke(*ptrs)
        if rc:
            raise McumlError(f"C engine returned {rc}")

    def reset(self) -> None:
        """Restore the state of stateful layers (SVDF) to its start-up value (``NAME_reset``), like TFLM's reset."""
        self._reset()

    def reset_all_variables(self) -> None:
        """``tf.lite.Interpreter`` spelling of :meth:`reset`."""
        self._reset()

    def run(self, inputs: np.ndarray | Sequence[np.ndarray]) -> list[np.ndarray]:
        """Evaluate many samples in C. Conventions of :meth:`mcuml.Interpreter.run`: the first axis is the
        sample axis, ``(N, *shape)`` or ``(N, *shape[1:])`` for inputs with batch dimension 1."""
        g = self.generated
        from mcuml.interp.interpreter import sample_axis, unstack

        xs, stacked = sample_axis(g.inputs, inputs)
        arrs = []
        for t, x in zip(g.inputs, xs):
            x = np.ascontiguousarray(x, dtype=np.dtype(t.dtype))
            if x.size % max(1, t.nbytes // x.itemsize):
                raise InputError(f"input {t.name!r}: {list(x.shape)} is not a batch of {list(t.shape)}")
            arrs.append(x)
        counts = {a.size // max(1, t.nbytes // a.itemsize) for t, a in zip(g.inputs, arrs)}
        if len(counts) > 1:  # the C loop reads n samples of every input: a shorter one would be read past its end
            raise InputError("all inputs must have the same number of samples")
        n = counts.pop() if counts else 0
        outs = [np.empty((n, *t.shape), dtype=t.dtype) for t in g.outputs]
        ins_p = (ctypes.c_void_p * max(1, len(arrs)))(*[a.ctypes.data for a in arrs])
        outs_p = (ctypes.c_void_p * max(1, len(outs)))(*[o.ctypes.data for o in outs])
        rc = self._batch(n, ins_p, outs_p)
        if rc:
            raise McumlError(f"C engine returned {rc}")
        return unstack(outs) if stacked else outs
