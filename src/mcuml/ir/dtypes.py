"""TFLite tensor types (``schema.fbs`` ``TensorType``) and their NumPy equivalents."""

from __future__ import annotations

import enum

import numpy as np


class DType(enum.IntEnum):
    """TFLite ``TensorType``; values are the schema's codes, names are lower-case NumPy-style."""

    float32 = 0
    float16 = 1
    int32 = 2
    uint8 = 3
    int64 = 4
    string = 5
    bool = 6
    int16 = 7
    complex64 = 8
    int8 = 9
    float64 = 10
    complex128 = 11
    uint64 = 12
    resource = 13
    variant = 14
    uint32 = 15
    uint16 = 16
    int4 = 17
    bfloat16 = 18
    int2 = 19

    @property
    def numpy(self) -> np.dtype:
        """The NumPy dtype mcuml stores this type in (int4/int2 are stored unpacked... never planned)."""
        return np.dtype(_NUMPY[self])

    @property
    def itemsize(self) -> int:
        """Bytes per element as TFLM's ``TfLiteTypeSizeOf`` counts them (packed int4 counts 1)."""
        return _SIZE.get(self, np.dtype(_NUMPY[self]).itemsize)

    @classmethod
    def parse(cls, code: int) -> "DType | int":
        try:
            return cls(code)
        except ValueError:
            return code

    @classmethod
    def from_numpy(cls, dtype: np.dtype | type) -> "DType":
        d = np.dtype(dtype)
        for k, v in _NUMPY.items():
            if np.dtype(v) == d and k not in (DType.resource, DType.variant, DType.string):
                return k
        raise ValueError(f"no TFLite type for numpy dtype {d}")


_NUMPY = {
    DType.float32: "float32", DType.float16: "float16", DType.int32: "int32", DType.uint8: "uint8",
    DType.int64: "int64", DType.string: "uint8", DType.bool: "bool", DType.int16: "int16",
    DType.complex64: "complex64", DType.int8: "int8", DType.float64: "float64",
    DType.complex128: "complex128", DType.uint64: "uint64", DType.resource: "int32",
    DType.variant: "int32", DType.uint32: "uint32", DType.uint16: "uint16", DType.int4: "int8",
    DType.bfloat16: "uint16", DType.int2: "int8",
}
_SIZE = {DType.string: 1, DType.resource: 0, DType.variant: 0}
