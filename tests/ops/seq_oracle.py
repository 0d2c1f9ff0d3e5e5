"""Shared helpers of the stateful-op tests: run several invokes (different inputs each) on TFLM and mcuml."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from oracle import FLOAT_RTOL, assert_same


def tflm_sequence(model: bytes, steps: Sequence[Sequence[np.ndarray]], reset_after: int | None = None):
    """Outputs after every invoke; ``reset_after=k`` calls TFLM's ``reset()`` after the k-th invoke."""
    from tflite_micro.python.tflite_micro import runtime

    from mcuml import load_model

    it = runtime.Interpreter.from_bytes(bytes(model), arena_size=16 << 20)
    n_out = len(load_model(model).main.outputs)
    results = []
    for k, xs in enumerate(steps):
        for i, x in enumerate(xs):
            it.set_input(np.ascontiguousarray(x), i)
        it.invoke()
        results.append([np.array(it.get_output(i)) for i in range(n_out)])
        if reset_after is not None and k + 1 == reset_after:
            it.reset()
    return results


def mcuml_sequence(model: bytes, steps: Sequence[Sequence[np.ndarray]], reset_after: int | None = None):
    from mcuml import Interpreter

    it = Interpreter(model_content=bytes(model))
    it.allocate_tensors()
    results = []
    for k, xs in enumerate(steps):
        for d, x in zip(it.get_input_details(), xs):
            it.set_tensor(d["index"], x)
        it.invoke()
        results.append([it.get_tensor(d["index"]) for d in it.get_output_details()])
        if reset_after is not None and k + 1 == reset_after:
            it.reset()
    return results


def differential_sequence(model: bytes, steps, reset_after: int | None = None, rtol: float = FLOAT_RTOL):
    want = tflm_sequence(model, steps, reset_after)
    got = mcuml_sequence(model, steps, reset_after)
    for k, (g, w) in enumerate(zip(got, want)):
        try:
            assert_same(g, w, rtol)
        except AssertionError as e:
            raise AssertionError(f"invoke {k}: {e}") from None
    return got


def int_inputs(shape, dtype, rng, n):
    info = np.iinfo(dtype)
    return [[rng.integers(info.min, info.max, size=shape, endpoint=True, dtype=dtype)] for _ in range(n)]


def float_inputs(shape, rng, n, scale=1.0):
    return [[(rng.standard_normal(shape) * scale).astype(np.float32)] for _ in range(n)]


def single_op_model(model_bytes: bytes, node_index: int) -> bytes:
    """Cut one operator out of a real model: its activations become the inputs/outputs of a new model."""
    from mcuml import load_model
    from mcuml.ir.model import Model, Subgraph

    src = load_model(model_bytes)
    node = src.main.operators[node_index]
    tensors = []
    for t in list(node.inputs) + list(node.outputs) + list(node.intermediates):
        if t is not None and all(t is not u for u in tensors):
            tensors.append(t)
    buffers = [src.buffers[0]]
    for t in tensors:
        if t.buffer is not None and all(t.buffer is not b for b in buffers):
            buffers.append(t.buffer)
    sg = Subgraph(name="main", tensors=tensors,
                  inputs=[t for t in node.inputs if t is not None and not t.is_constant and not t.is_variable],
                  outputs=list(node.outputs), operators=[node])
    return Model(description="cut", subgraphs=[sg], buffers=buffers, operator_codes=[node.opcode]).to_bytes()
