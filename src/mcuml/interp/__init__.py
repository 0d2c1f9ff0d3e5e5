"""The interpreter: bit-exact with TFLM reference kernels, tensors in one planned arena."""

from mcuml.interp.interpreter import Interpreter, dequantize_output, quantize_input

__all__ = ["Interpreter", "quantize_input", "dequantize_output"]
