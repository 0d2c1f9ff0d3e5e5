"""A small builder for writing models from code (tests, converters, examples).

    b = ModelBuilder()
    x = b.input("x", (1, 8, 8, 3), "int8", scale=0.1, zero_point=-3)
    w = b.const("w", weights, scale=w_scales, zero_point=0, quantized_dimension=0)
    y = b.tensor("y", (1, 8, 8, 4), "int8", scale=0.2, zero_point=1)
    b.op("CONV_2D", [x, w, bias], [y], "Conv2DOptions", padding=0, stride_w=1, stride_h=1)
    b.output(y)
    model = b.build()
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from mcuml.ir.builtins import op_code
from mcuml.ir.dtypes import DType
from mcuml.ir.model import (Buffer, Model, Operator, OperatorCode, Options, Quantization, Subgraph, Tensor,
                            _camel)


def _dtype(d: DType | str | np.dtype | type) -> DType:
    if isinstance(d, DType):
        return d
    if isinstance(d, str) and d in DType.__members__:
        return DType[d]
    return DType.from_numpy(d)


def _seq(v: Any, kind: type) -> tuple:
    if v is None:
        return ()
    if np.ndim(v) == 0:
        return (kind(v),)
    return tuple(kind(x) for x in np.asarray(v).ravel())


class ModelBuilder:
    def __init__(self, description: str = "mcuml") -> None:
        self.model = Model(description=description, subgraphs=[Subgraph(name="main")])
        self._codes: dict[tuple[int, str | None, int], OperatorCode] = {}
        self._current = 0

    @property
    def sg(self) -> Subgraph:
        """The subgraph that ``tensor``/``input``/``op``/``output`` add to (0 unless ``subgraph``/``select``)."""
        return self.model.subgraphs[self._current]

    def subgraph(self, name: str = "") -> int:
        """Append a subgraph (for IF/WHILE/CALL_ONCE), make it the current one, return its index."""
        self.model.subgraphs.append(Subgraph(name=name or f"subgraph{len(self.model.subgraphs)}"))
        self._current = len(self.model.subgraphs) - 1
        return self._current

    def select(self, index: int) -> None:
        """Make subgraph ``index`` the current one."""
        self._current = index

    def tensor(self, name: str, shape: Sequence[int], dtype: Any = "float32", *, scale: Any = None,
               zero_point: Any = None, quantized_dimension: int = 0, data: bytes | None = None,
               is_variable: bool = False) -> Tensor:
        q = None
        if scale is not None:
            scales = tuple(float(np.float32(v)) for v in _seq(scale, float))  # what the file stores
            zps = _seq(zero_point if zero_point is not None else 0, int)
            if len(zps) == 1 and len(scales) > 1:
                zps = zps * len(scales)
            q = Quantization(scale=scales, zero_point=zps, quantized_dimension=quantized_dimension)
        buf = None
        if data is not None:
            buf = Buffer(bytes(data))
            self.model.buffers.append(buf)
        t = Tensor(name=name, shape=tuple(int(d) for d in shape), dtype=_dtype(dtype), buffer=buf, quantization=q,
                   is_variable=is_variable)
        self.sg.tensors.append(t)
        return t

    def input(self, name: str, shape: Sequence[int], dtype: Any = "float32", **kw: Any) -> Tensor:
        t = self.tensor(name, shape, dtype, **kw)
        self.sg.inputs.append(t)
        return t

    def const(self, name: str, value: Any, dtype: Any = None, **kw: Any) -> Tensor:
        arr = np.asarray(value)
        if dtype is not None:
            arr = arr.astype(_dtype(dtype).numpy)
        return self.tensor(name, arr.shape, _dtype(arr.dtype) if dtype is None else dtype,
                           data=np.ascontiguousarray(arr).tobytes(), **kw)

    def output(self, *tensors: Tensor) -> None:
        self.sg.outputs.extend(tensors)

    def op(self, name: str, inputs: Sequence[Tensor | None], outputs: Sequence[Tensor], options_kind: str | None = None,
           *, version: int = 1, custom_options: bytes | None = None, **options: Any) -> Operator:
        if name.startswith("CUSTOM:"):
            key = (32, name[7:], version)
        else:
            key = (op_code(name), None, version)
        code = self._codes.get(key)
        if code is None:
            code = OperatorCode(builtin_code=key[0], custom_code=key[1], version=version,
                                deprecated_builtin_code=min(key[0], 127))
            self._codes[key] = code
            self.model.operator_codes.append(code)
        opts = None
        if options_kind is not None:
            from mcuml.tflite.schema import option_defaults

            values = option_defaults(options_kind)  # schema defaults, so a reloaded model compares equal
            values.update({_camel(k): (tuple(v) if isinstance(v, list) else v) for k, v in options.items()})
            opts = Options(options_kind, values)
        node = Operator(opcode=code, inputs=list(inputs), outputs=list(outputs), options=opts,
                        custom_options=custom_options)
        self.sg.operators.append(node)
        return node

    def build(self) -> Model:
        return self.model
