"""The rest of ``tf.lite.Interpreter``'s API on :class:`mcuml.Interpreter`: signatures, batch resizing, variables.

* ``resize_tensor_input(index, shape)`` changes the batch dimension of an input (the only
  dimension mcuml resizes; TFLM itself never resizes). After the next ``allocate_tensors()`` (done
  on first use, too) ``set_tensor``/``invoke``/``get_tensor`` work on B samples at once, with
  every sample computed exactly as a batch-1 invoke computes it; ``get_input_details`` and
  ``get_output_details`` report the resized shapes. Resizing back to 1 restores the plain path.
* ``get_signature_list()`` / ``get_signature_runner(key)``: the model's SignatureDefs, called with
  the signature's input names as keywords; returns a dict keyed by output name, like tf.lite's
  ``SignatureRunner``. An input with a different leading dimension runs as a batch (run()).
* ``reset_all_variables()``: variable tensors back to their initial state (``reset()``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mcuml.errors import InputError


class SignatureRunner:
    """One SignatureDef of an interpreter, callable with its input names (tf.lite's ``SignatureRunner``)."""

    def __init__(self, interpreter: Any, key: str, inputs: list[tuple[str, Any]], outputs: list[tuple[str, Any]]):
        self._it = interpreter
        self.signature_key = key
        sg = interpreter.model.main
        self._inputs = [(name, sg.index_of(t)) for name, t in inputs]
        self._outputs = [(name, sg.index_of(t)) for name, t in outputs]

    def get_input_details(self) -> dict[str, dict[str, Any]]:
        det = {d["index"]: d for d in self._it.get_input_details()}
        return {name: det[i] for name, i in self._inputs}

    def get_output_details(self) -> dict[str, dict[str, Any]]:
        det = {d["index"]: d for d in self._it.get_output_details()}
        return {name: det[i] for name, i in self._outputs}

    def __call__(self, **kwargs: np.ndarray) -> dict[str, np.ndarray]:
        names = [n for n, _ in self._inputs]
        for k in kwargs:
            if k not in names:
                raise InputError(f"Invalid Input name ({k}) for SignatureDef {self.signature_key!r}; "
                                 f"inputs: {', '.join(names)}")
        missing = [n for n in names if n not in kwargs]
        if missing:
            raise InputError(f"SignatureDef {self.signature_key!r} needs {', '.join(missing)}")
        it = self._it
        sg = it.model.main
        arrays = [np.asarray(kwargs[n]) for n in names]
        single = all(a.shape == tuple(sg.tensors[i].shape) for a, (_, i) in zip(arrays, self._inputs))
        if single and it._input_batch_size() == 1:
            for a, (_, i) in zip(arrays, self._inputs):
                it.set_tensor(i, a)
            it.invoke()
            return {name: it.get_tensor(i) for name, i in self._outputs}
        order = {sg.index_of(t): k for k, t in enumerate(sg.inputs)}
        xs: list[np.ndarray] = [None] * len(sg.inputs)  # type: ignore[list-item]
        for a, (_, i) in zip(arrays, self._inputs):
            xs[order[i]] = a
        ys = it.run(xs)
        out_pos = {sg.index_of(t): k for k, t in enumerate(sg.outputs)}
        return {name: ys[out_pos[i]] for name, i in self._outputs}


class TfLiteApi:
    """Mixed into :class:`mcuml.interp.interpreter.Interpreter`."""

    _resized: dict[int, int]  # input tensor index -> batch size set by resize_tensor_input

    def _input_batch_size(self) -> int:
        """The batch size every input was resized to (1 when none was)."""
        sizes = set(getattr(self, "_resized", {}).values())
        return sizes.pop() if len(sizes) == 1 else 1

    def resize_tensor_input(self, input_index: int, tensor_size: Any, strict: bool = False) -> None:
        """Resize an input's batch dimension (tf.lite semantics; call allocate_tensors() afterwards)."""
        sg = self.model.main  # type: ignore[attr-defined]
        t = self._tensor(int(input_index))  # type: ignore[attr-defined]
        if all(t is not x for x in sg.inputs):
            raise InputError(f"tensor {input_index} is not an input: only inputs can be resized")
        size = tuple(int(d) for d in np.asarray(tensor_size).reshape(-1))
        shape = tuple(t.shape)
        if len(size) != len(shape) or size[1:] != shape[1:] or not shape or size[0] < 1:
            raise InputError(f"input {t.name!r} is {list(shape)}: mcuml resizes the batch dimension only "
                             f"(got {list(size)})")
        if size[0] != 1 and shape[0] != 1:
            raise InputError(f"input {t.name!r} has batch dimension {shape[0]}; only batch-1 inputs can be resized")
        sig = tuple(t.shape_signature) if t.shape_signature is not None else shape
        if strict and size != shape and sig[0] != -1:
            raise InputError(f"input {t.name!r}: strict resizing changes only dimensions that are -1 in its "
                             f"shape_signature {list(sig)}")
        resized = dict(getattr(self, "_resized", {}))
        resized[sg.index_of(t)] = size[0]
        if len(sg.inputs) > 1:  # one batch size for every input: resizing one resizes all (samples stay aligned)
            resized = {sg.index_of(x): size[0] for x in sg.inputs}
        if size[0] == 1:
            resized = {}
        self._resized = resized
        self._views = None  # type: ignore[attr-defined]  # re-allocated by allocate_tensors() / first use

    def _batched_shape(self, index: int, shape: Any) -> np.ndarray:
        b = self._input_batch_size()
        t = self.model.main.tensors[index]  # type: ignore[attr-defined]
        if b == 1 or t.is_constant:
            return shape
        s = tuple(int(d) for d in shape)
        return np.array((b, *s[1:]) if s and s[0] == 1 else (b, *s), dtype=np.int32)

    def _resized_details(self, details: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for d in details:
            d["shape"] = self._batched_shape(d["index"], d["shape"])
        return details

    def _store(self, index: int, t: Any, value: np.ndarray) -> None:
        """set_tensor's write: one sample, or B samples after a batch resize."""
        view = self._views[index]  # type: ignore[attr-defined]
        b = view.shape[0]
        if b == 1:
            view[0] = self._check_input(t, value, batched=False)  # type: ignore[attr-defined]
            return
        shape = tuple(t.shape)
        if value.shape == (b, *shape[1:]) and shape and shape[0] == 1:
            value = value.reshape((b, *shape))
        view[...] = self._check_input(t, value, batched=True)  # type: ignore[attr-defined]

    def _load(self, index: int) -> np.ndarray:
        view = self._views[index]  # type: ignore[attr-defined]
        b = self._input_batch_size()
        if b == 1 or view.shape[0] != b:
            return np.array(view[0])
        t = self.model.main.tensors[index]  # type: ignore[attr-defined]
        shape = tuple(t.shape)
        return np.array(view).reshape((b, *shape[1:]) if shape and shape[0] == 1 else (b, *shape))

    def get_signature_list(self) -> dict[str, dict[str, list[str]]]:
        """{signature key: {"inputs": [names], "outputs": [names]}}, as tf.lite gives it."""
        return {s.key: {"inputs": [n for n, _ in s.inputs], "outputs": [n for n, _ in s.outputs]}
                for s in self.model.signature_defs}  # type: ignore[attr-defined]

    def get_signature_runner(self, signature_key: str | None = None) -> SignatureRunner:
        """The runner of ``signature_key`` (None: the model's only SignatureDef)."""
        sigs = self.model.signature_defs  # type: ignore[attr-defined]
        if signature_key is None:
            if len(sigs) != 1:
                raise InputError(f"signature_key is None and the model has {len(sigs)} SignatureDefs; "
                                 "None is only allowed when it has exactly 1",
                                 hint=f"keys: {', '.join(s.key for s in sigs) or 'none'}")
            sig = sigs[0]
        else:
            sig = next((s for s in sigs if s.key == signature_key), None)
            if sig is None:
                raise InputError(f"invalid signature_key {signature_key!r}; the model has "
                                 f"{', '.join(repr(s.key) for s in sigs) or 'none'}")
        if sig.subgraph is not self.model.main:  # type: ignore[attr-defined]
            raise InputError(f"SignatureDef {sig.key!r} runs subgraph {sig.subgraph.name!r}; mcuml runs subgraph 0")
        return SignatureRunner(self, sig.key, sig.inputs, sig.outputs)

    def reset_all_variables(self) -> None:
        """Reset every variable tensor (and op-held state) to its initial value, like tf.lite."""
        self.reset()  # type: ignore[attr-defined]


__all__ = ["SignatureRunner", "TfLiteApi"]
