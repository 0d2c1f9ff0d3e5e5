"""Model IR: typed dataclasses with object references."""

from mcuml.ir.dtypes import DType
from mcuml.ir.model import (Buffer, Metadata, Model, Operator, OperatorCode, Options, Quantization,
                            SignatureDef, Subgraph, Tensor)

__all__ = ["DType", "Buffer", "Metadata", "Model", "Operator", "OperatorCode", "Options", "Quantization",
           "SignatureDef", "Subgraph", "Tensor"]
