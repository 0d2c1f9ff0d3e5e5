"""The .tflite flatbuffer boundary: the only package that touches the generated schema."""

from mcuml.tflite.reader import load_model, read_model
from mcuml.tflite.writer import write_model

__all__ = ["load_model", "read_model", "write_model"]
