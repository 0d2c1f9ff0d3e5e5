"""PyTorch -> int8 ``.tflite`` through ONNX (extra ``mcuml[torch]``), no TensorFlow.

    tflite = from_torch(model, example_input, calibration)          # bytes
    res = convert_torch(model, example_input, calibration, io="float")  # ConversionResult + report

The module is exported with torch's TorchScript-based exporter (``dynamo=False``: it needs no
onnxscript and yields plain opset-17 graphs) at batch 1, then converted by
:func:`mcuml.convert.onnx.convert_onnx`. ``calibration`` is in PyTorch's layout (NCHW), sample axis
first: a tensor/array, a sequence of them (multi-input), a :class:`CalibrationData` or a path.
"""

from __future__ import annotations

import io as _io
import warnings
from typing import Any

import numpy as np

from mcuml.convert.common import import_extra
from mcuml.errors import ConversionError

OPSET = 17


def _torch() -> Any:
    return import_extra("torch", "converting PyTorch models needs torch", 'pip install "mcuml[torch]"')


def _numpy(x: Any) -> Any:
    torch = _torch()
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy().astype(np.float32)
    if isinstance(x, (list, tuple)):
        return [_numpy(v) for v in x]
    return x


def export_onnx(module: Any, example_input: Any, *, opset: int = OPSET) -> bytes:
    """ONNX bytes of ``module`` (eval mode) traced on the first sample of ``example_input``."""
    torch = _torch()
    examples = example_input if isinstance(example_input, (list, tuple)) else (example_input,)
    examples = tuple(torch.as_tensor(e)[:1].float() for e in examples)
    was_training = module.training
    module.eval()
    buf = _io.BytesIO()
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(module, examples, buf, dynamo=False, opset_version=opset,
                              input_names=[f"input_{i}" for i in range(len(examples))], do_constant_folding=True)
    except Exception as e:  # exporter errors come in many types
        raise ConversionError(f"torch.onnx.export failed: {str(e).splitlines()[0][:300]}") from None
    finally:
        module.train(was_training)
    return buf.getvalue()


def convert_torch(module: Any, example_input: Any, calibration: Any = None, **options: Any) -> Any:
    """Export and convert; returns the :class:`~mcuml.convert.onnx.ConversionResult` (options as convert_onnx)."""
    from mcuml.convert.onnx import convert_onnx

    onnx_bytes = export_onnx(module, example_input)
    cal = _numpy(calibration)
    if "out" in options:
        out = options.pop("out")
    else:
        out = None
    return convert_onnx(onnx_bytes, out, calibration=cal, **options)


def from_torch(module: Any, example_input: Any, calibration: Any = None, **options: Any) -> bytes:
    """The ``.tflite`` bytes of ``module`` (int8 PTQ on ``calibration`` unless ``quantize="float"``)."""
    return convert_torch(module, example_input, calibration, **options).tflite


__all__ = ["convert_torch", "export_onnx", "from_torch"]
