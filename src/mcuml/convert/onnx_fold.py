"""Constant folding for ONNX graphs: everything computable before the model sees data.

Exporters (torch.onnx in particular) emit shape arithmetic such as ``Shape -> Gather -> Unsqueeze
-> Concat -> Reshape`` for ``x.view(x.size(0), -1)``. With static shapes all of it is constant; it
is evaluated here with NumPy (a small table of ops), falling back to onnxruntime for any other op
whose inputs are all constant, so the lowering only ever sees data-dependent nodes.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from mcuml.errors import ConversionError


def _axes(n: Any, ins: list[np.ndarray | None], pos: int = 1) -> list[int] | None:
    if "axes" in n.attrs:
        return [int(a) for a in n.attrs["axes"]]
    if len(ins) > pos and ins[pos] is not None:
        return [int(a) for a in np.asarray(ins[pos]).ravel()]
    return None


def _slice(n: Any, ins: list[np.ndarray | None]) -> np.ndarray:
    x = ins[0]
    if "starts" in n.attrs:  # opset < 10
        starts, ends = n.attrs["starts"], n.attrs["ends"]
        axes = n.attrs.get("axes", list(range(len(starts))))
        steps = [1] * len(starts)
    else:
        starts, ends = ins[1].tolist(), ins[2].tolist()
        axes = ins[3].tolist() if len(ins) > 3 and ins[3] is not None else list(range(len(starts)))
        steps = ins[4].tolist() if len(ins) > 4 and ins[4] is not None else [1] * len(starts)
    idx = [slice(None)] * x.ndim
    for a, s, e, st in zip(axes, starts, ends, steps):
        idx[int(a)] = slice(int(s), int(e), int(st))
    return x[tuple(idx)]


def _reshape(n: Any, ins: list[np.ndarray | None]) -> np.ndarray:
    shape = [int(d) for d in ins[1]]
    if not n.attrs.get("allowzero", 0):
        shape = [ins[0].shape[i] if d == 0 else d for i, d in enumerate(shape)]
    return ins[0].reshape(shape)


def _unsqueeze(n: Any, ins: list[np.ndarray | None]) -> np.ndarray:
    x = ins[0]
    axes = sorted(a % (x.ndim + len(_axes(n, ins))) for a in _axes(n, ins))
    for a in axes:
        x = np.expand_dims(x, a)
    return x


def _squeeze(n: Any, ins: list[np.ndarray | None]) -> np.ndarray:
    axes = _axes(n, ins)
    return np.squeeze(ins[0], axis=None if axes is None else tuple(axes))


def _cast(n: Any, ins: list[np.ndarray | None]) -> np.ndarray:
    from onnx import helper

    return ins[0].astype(helper.tensor_dtype_to_np_dtype(int(n.attrs["to"])))


def _const_of_shape(n: Any, ins: list[np.ndarray | None]) -> np.ndarray:
    v = n.attrs.get("value")
    v = np.zeros(1, np.float32) if v is None else np.asarray(v).ravel()
    return np.full([int(d) for d in ins[0]], v[0], dtype=v.dtype)


def _binary(f: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Callable[[Any, list], np.ndarray]:
    def run(n: Any, ins: list[np.ndarray | None]) -> np.ndarray:
        out = f(ins[0], ins[1])
        return out.astype(np.result_type(ins[0], ins[1])) if hasattr(out, "astype") else out

    return run


def _div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if np.issubdtype(a.dtype, np.integer):
        return (np.trunc(a / b)).astype(a.dtype)  # ONNX integer Div truncates
    return a / b


FOLDERS: dict[str, Callable[[Any, list[np.ndarray | None]], np.ndarray]] = {
    "Identity": lambda n, i: i[0],
    "Dropout": lambda n, i: i[0],
    "Gather": lambda n, i: np.take(i[0], i[1].astype(np.int64), axis=int(n.attrs.get("axis", 0))),
    "Unsqueeze": _unsqueeze,
    "Squeeze": _squeeze,
    "Concat": lambda n, i: np.concatenate([np.atleast_1d(x) for x in i], axis=int(n.attrs["axis"])),
    "Cast": _cast,
    "Slice": _slice,
    "Reshape": _reshape,
    "Flatten": lambda n, i: i[0].reshape(int(np.prod(i[0].shape[:int(n.attrs.get("axis", 1))])), -1),
    "Transpose": lambda n, i: np.transpose(i[0], n.attrs.get("perm")),
    "ConstantOfShape": _const_of_shape,
    "Add": _binary(np.add), "Sub": _binary(np.subtract), "Mul": _binary(np.multiply), "Div": _binary(_div),
    "Sqrt": lambda n, i: np.sqrt(i[0]), "Neg": lambda n, i: -i[0],
    "Range": lambda n, i: np.arange(i[0], i[1], i[2]),
}


def _node_value(n: Any, g: Any) -> list[np.ndarray] | None:
    """The node's outputs if they are known before inference, else None."""
    if n.op == "Constant":
        for key in ("value", "value_float", "value_int", "value_floats", "value_ints"):
            if key in n.attrs:
                v = np.asarray(n.attrs[key])
                if key == "value_float" or key == "value_floats":
                    v = v.astype(np.float32)
                elif key != "value":
                    v = v.astype(np.int64)
                return [v]
        raise ConversionError(f"Constant node {n.name!r} has an unsupported value attribute")
    if n.op == "Shape":
        shape = g.shapes.get(n.inputs[0])
        if shape is None:
            return None
        start, end = n.attrs.get("start", 0), n.attrs.get("end", None)
        return [np.array(shape[start:end], np.int64)]
    if n.op == "Size":
        shape = g.shapes.get(n.inputs[0])
        return None if shape is None else [np.array(int(np.prod(shape)), np.int64)]
    real = [i for i in n.inputs if i]
    if not real or not all(i in g.consts for i in real):
        return None
    ins = [g.consts[i] if i else None for i in n.inputs]
    f = FOLDERS.get(n.op)
    if f is not None and len(n.outputs) == 1:
        return [np.asarray(f(n, ins))]
    return _ort_eval(n, ins, g)


def _ort_eval(n: Any, ins: list[np.ndarray | None], g: Any) -> list[np.ndarray] | None:
    """Any other all-constant node: run it alone in onnxruntime (None if that is not possible)."""
    try:
        import onnxruntime as ort
        from onnx import TensorProto, helper, numpy_helper
    except ImportError:
        return None
    try:
        names = [f"i{k}" if x is not None else "" for k, x in enumerate(ins)]
        inits = [numpy_helper.from_array(x, nm) for x, nm in zip(ins, names) if x is not None]
        outs = [helper.make_tensor_value_info(f"o{k}", TensorProto.UNDEFINED, None) for k in range(len(n.outputs))]
        node = helper.make_node(n.op, names, [o.name for o in outs], **n.attrs)
        graph = helper.make_graph([node], "fold", [], outs, inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", g.opset)])
        sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
        return [np.asarray(v) for v in sess.run(None, {})]
    except Exception:  # not foldable this way: leave it to the lowering (which names it if unsupported)
        return None


def fold_constants(g: Any) -> None:
    """Evaluate every node whose outputs do not depend on the graph inputs; drop it from the graph."""
    keep = []
    for n in g.nodes:
        vals = _node_value(n, g)
        if vals is None:
            keep.append(n)
            continue
        for name, v in zip(n.outputs, vals):
            g.consts[name] = v
            g.shapes[name] = tuple(v.shape)
    g.nodes = keep
