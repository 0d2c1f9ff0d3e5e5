"""What stock TFLM can run: the builtin operators its ``MicroMutableOpResolver`` registers.

Source: the ``AddBuiltin(BuiltinOperator_...)`` calls in
``tensorflow/lite/micro/micro_mutable_op_resolver.h`` (tflite-micro @ 90b983c2b3, tflm-reference §4):
100 builtins plus CUSTOM. Custom ops TFLM ships as optional libraries need an explicit
registration (``Add...()``) and are reported as such, not as failures.
"""

from __future__ import annotations

TFLM_BUILTINS: frozenset[str] = frozenset({
    "ABS", "ADD", "ADD_N", "ARG_MAX", "ARG_MIN", "ASSIGN_VARIABLE",
    "AVERAGE_POOL_2D", "BATCH_MATMUL", "BATCH_TO_SPACE_ND", "BROADCAST_ARGS", "BROADCAST_TO", "CALL_ONCE",
    "CAST", "CEIL", "CONCATENATION", "CONV_2D", "COS", "CUMSUM",
    "DEPTHWISE_CONV_2D", "DEPTH_TO_SPACE", "DEQUANTIZE", "DIV", "DYNAMIC_UPDATE_SLICE", "ELU",
    "EMBEDDING_LOOKUP", "EQUAL", "EXP", "EXPAND_DIMS", "FILL", "FLOOR",
    "FLOOR_DIV", "FLOOR_MOD", "FULLY_CONNECTED", "GATHER", "GATHER_ND", "GREATER",
    "GREATER_EQUAL", "HARD_SWISH", "IF", "L2_NORMALIZATION", "L2_POOL_2D", "LEAKY_RELU",
    "LESS", "LESS_EQUAL", "LOG", "LOGICAL_AND", "LOGICAL_NOT", "LOGICAL_OR",
    "LOGISTIC", "LOG_SOFTMAX", "MAXIMUM", "MAX_POOL_2D", "MEAN", "MINIMUM",
    "MIRROR_PAD", "MUL", "NEG", "NOT_EQUAL", "PACK", "PAD",
    "PADV2", "PRELU", "QUANTIZE", "READ_VARIABLE", "REDUCE_ALL", "REDUCE_MAX",
    "REDUCE_MIN", "RELU", "RELU6", "RESHAPE", "RESIZE_BILINEAR", "RESIZE_NEAREST_NEIGHBOR",
    "REVERSE_V2", "ROUND", "RSQRT", "SELECT_V2", "SHAPE", "SIN",
    "SLICE", "SOFTMAX", "SPACE_TO_BATCH_ND", "SPACE_TO_DEPTH", "SPLIT", "SPLIT_V",
    "SQRT", "SQUARE", "SQUARED_DIFFERENCE", "SQUEEZE", "STRIDED_SLICE", "SUB",
    "SUM", "SVDF", "TANH", "TRANSPOSE", "TRANSPOSE_CONV", "UNIDIRECTIONAL_SEQUENCE_LSTM",
    "UNPACK", "VAR_HANDLE", "WHILE", "ZEROS_LIKE",
})

# Custom ops with a named ``Add*`` helper in TFLM; the Signal library is an optional build.
SIGNAL_CUSTOM_OPS: frozenset[str] = frozenset({
    "SignalDelay", "SignalEnergy", "SignalFftAutoScale", "SignalFilterBank", "SignalFilterBankLog",
    "SignalFilterBankSpectralSubtraction", "SignalFilterBankSquareRoot", "SignalFramer", "SignalIrfft",
    "SignalOverlapAdd", "SignalPCAN", "SignalRfft", "SignalStacker", "SignalWindow",
})
OPTIONAL_CUSTOM_OPS: frozenset[str] = frozenset({"CIRCULAR_BUFFER", "TFLite_Detection_PostProcess",
                                                  "TFLM_DECODE"}) | SIGNAL_CUSTOM_OPS
# Custom ops that need special hardware: not runnable on a CPU at all.
ACCELERATOR_CUSTOM_OPS: dict[str, str] = {"ethos-u": "Arm Ethos-U NPU (Vela-compiled command stream)"}

# Builtins users often bring that TFLM lacks, with a hint of what to do instead.
MISSING_HINTS: dict[str, str] = {
    "TILE": "use BROADCAST_TO or restructure the graph",
    "GELU": "replace with a tanh/sigmoid approximation or HARD_SWISH",
    "POW": "use MUL for integer powers",
    "RANGE": "precompute the range as a constant",
    "WHERE": "use SELECT_V2",
    "SELECT": "convert with SELECT_V2 (newer converter)",
    "REDUCE_PROD": "rewrite with LOG/SUM/EXP or unroll MUL",
    "LSTM": "convert with UNIDIRECTIONAL_SEQUENCE_LSTM",
    "BIDIRECTIONAL_SEQUENCE_LSTM": "split into two UNIDIRECTIONAL_SEQUENCE_LSTM ops",
    "RELU_N1_TO_1": "fuse into the previous op or use MINIMUM/MAXIMUM",
    "RELU_0_TO_1": "fuse into the previous op or use MINIMUM/MAXIMUM",
}
