"""Per-layer quantization error of a Keras conversion: the int8 .tflite against the float .tflite TF's
converter makes from the same SavedModel, op output by op output (both run with mcuml's interpreter).

The two graphs come from the same converter passes, so after dropping QUANTIZE/DEQUANTIZE the op
sequences line up; outputs are matched by tensor name, else by position when the op sequences agree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

_BOUNDARY = ("QUANTIZE", "DEQUANTIZE")


def _trace(model: Any, xs: Sequence[np.ndarray]) -> dict[int, tuple[str, str, list[np.ndarray]]]:
    """{node index: (op, output tensor name, [output per sample])} over the samples ``xs`` (batch 1 each)."""
    from mcuml.interp.interpreter import Interpreter, quantize_input

    it = Interpreter(model=model)
    it.allocate_tensors()
    sg = model.main
    out: dict[int, tuple[str, str, list[np.ndarray]]] = {}
    for k in range(xs[0].shape[0]):
        for d, x, t in zip(it.get_input_details(), xs, sg.inputs):
            v = x[k:k + 1].reshape(t.shape)
            it.set_tensor(d["index"], quantize_input(v, t) if np.issubdtype(t.dtype.numpy, np.integer)
                          else v.astype(t.dtype.numpy))
        step = [0]

        def hook(bn: Any, outs: list[np.ndarray], step: list[int] = step) -> None:
            i = step[0]
            step[0] += 1
            op = sg.operators[i]
            t = op.outputs[0]
            val = np.array(outs[0], dtype=np.float64)
            q = t.quantization
            if q is not None and len(q.scale) == 1 and np.issubdtype(t.dtype.numpy, np.integer):
                val = (val - float(q.zero_point[0])) * float(q.scale[0])
            out.setdefault(i, (op.name, t.name, []))[2].append(val)

        it.invoke(hook)
    return out


def keras_layer_errors(int8_model: Any, float_model: Any, xs: Sequence[np.ndarray]) -> tuple[Any, ...]:
    """:class:`~mcuml.convert.onnx.LayerError` per matched op output, in graph order."""
    from mcuml.convert.onnx import LayerError

    q, f = _trace(int8_model, xs), _trace(float_model, xs)
    qn = [i for i in sorted(q) if q[i][0] not in _BOUNDARY]
    fn = [i for i in sorted(f) if f[i][0] not in _BOUNDARY]
    by_name = {f[i][1]: i for i in fn}
    positional = [q[i][0] for i in qn] == [f[i][0] for i in fn]
    out = []
    for pos, i in enumerate(qn):
        j = by_name.get(q[i][1], fn[pos] if positional else None)
        if j is None:
            continue
        a, b = np.concatenate([v.reshape(-1) for v in q[i][2]]), np.concatenate([v.reshape(-1) for v in f[j][2]])
        if a.shape != b.shape:
            continue
        err = float(np.sum(np.square(a - b)))
        sig = float(np.sum(np.square(b)))
        db = math.inf if err == 0 else 10 * math.log10(max(sig, 1e-30) / err)
        t = int8_model.main.operators[i].outputs[0]
        qq = t.quantization
        scale = float(qq.scale[0]) if qq is not None and len(qq.scale) else 0.0
        zp = int(qq.zero_point[0]) if qq is not None and len(qq.zero_point) else 0
        out.append(LayerError(q[i][1], q[i][0], "", db, scale, zp))
    return tuple(out)


__all__ = ["keras_layer_errors"]
