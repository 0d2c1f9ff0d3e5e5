"""Builtin op -> ``MicroMutableOpResolver`` ``Add...()`` method, for every op stock TFLM registers.

Source: the ``Add*`` members of ``tensorflow/lite/micro/micro_mutable_op_resolver.h`` (tflite-micro @ 90b983c2b3).
Most names are the CamelCase of the builtin (``CONV_2D`` -> ``AddConv2D``), but not all of them:
``AddCumSum``, ``AddPadV2``, ``AddPrelu``, ``AddSvdf``, ``AddPCAN``, ``AddUnidirectionalSequenceLSTM`` and the
``Nd``/``2D`` suffixes do not follow one rule, which is why the table is spelled out instead of derived.
Custom ops TFLM ships (``AddCustom`` wrappers) are keyed by their custom-code string.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from mcuml.errors import OpProblem, UnsupportedOpError

BUILTIN_ADD_METHODS: dict[str, str] = {
    "ABS": "AddAbs", "ADD": "AddAdd", "ADD_N": "AddAddN", "ARG_MAX": "AddArgMax", "ARG_MIN": "AddArgMin",
    "ASSIGN_VARIABLE": "AddAssignVariable", "AVERAGE_POOL_2D": "AddAveragePool2D",
    "BATCH_MATMUL": "AddBatchMatMul", "BATCH_TO_SPACE_ND": "AddBatchToSpaceNd",
    "BROADCAST_ARGS": "AddBroadcastArgs", "BROADCAST_TO": "AddBroadcastTo", "CALL_ONCE": "AddCallOnce",
    "CAST": "AddCast", "CEIL": "AddCeil", "CONCATENATION": "AddConcatenation", "CONV_2D": "AddConv2D",
    "COS": "AddCos", "CUMSUM": "AddCumSum", "DEPTHWISE_CONV_2D": "AddDepthwiseConv2D",
    "DEPTH_TO_SPACE": "AddDepthToSpace", "DEQUANTIZE": "AddDequantize", "DIV": "AddDiv",
    "DYNAMIC_UPDATE_SLICE": "AddDynamicUpdateSlice", "ELU": "AddElu", "EMBEDDING_LOOKUP": "AddEmbeddingLookup",
    "EQUAL": "AddEqual", "EXP": "AddExp", "EXPAND_DIMS": "AddExpandDims", "FILL": "AddFill",
    "FLOOR": "AddFloor", "FLOOR_DIV": "AddFloorDiv", "FLOOR_MOD": "AddFloorMod",
    "FULLY_CONNECTED": "AddFullyConnected", "GATHER": "AddGather", "GATHER_ND": "AddGatherNd",
    "GREATER": "AddGreater", "GREATER_EQUAL": "AddGreaterEqual", "HARD_SWISH": "AddHardSwish", "IF": "AddIf",
    "L2_NORMALIZATION": "AddL2Normalization", "L2_POOL_2D": "AddL2Pool2D", "LEAKY_RELU": "AddLeakyRelu",
    "LESS": "AddLess", "LESS_EQUAL": "AddLessEqual", "LOG": "AddLog", "LOGICAL_AND": "AddLogicalAnd",
    "LOGICAL_NOT": "AddLogicalNot", "LOGICAL_OR": "AddLogicalOr", "LOGISTIC": "AddLogistic",
    "LOG_SOFTMAX": "AddLogSoftmax", "MAXIMUM": "AddMaximum", "MAX_POOL_2D": "AddMaxPool2D", "MEAN": "AddMean",
    "MINIMUM": "AddMinimum", "MIRROR_PAD": "AddMirrorPad", "MUL": "AddMul", "NEG": "AddNeg",
    "NOT_EQUAL": "AddNotEqual", "PACK": "AddPack", "PAD": "AddPad", "PADV2": "AddPadV2", "PRELU": "AddPrelu",
    "QUANTIZE": "AddQuantize", "READ_VARIABLE": "AddReadVariable", "REDUCE_ALL": "AddReduceAll",
    "REDUCE_MAX": "AddReduceMax", "REDUCE_MIN": "AddReduceMin", "RELU": "AddRelu", "RELU6": "AddRelu6",
    "RESHAPE": "AddReshape", "RESIZE_BILINEAR": "AddResizeBilinear",
    "RESIZE_NEAREST_NEIGHBOR": "AddResizeNearestNeighbor", "REVERSE_V2": "AddReverseV2", "ROUND": "AddRound",
    "RSQRT": "AddRsqrt", "SELECT_V2": "AddSelectV2", "SHAPE": "AddShape", "SIN": "AddSin", "SLICE": "AddSlice",
    "SOFTMAX": "AddSoftmax", "SPACE_TO_BATCH_ND": "AddSpaceToBatchNd", "SPACE_TO_DEPTH": "AddSpaceToDepth",
    "SPLIT": "AddSplit", "SPLIT_V": "AddSplitV", "SQRT": "AddSqrt", "SQUARE": "AddSquare",
    "SQUARED_DIFFERENCE": "AddSquaredDifference", "SQUEEZE": "AddSqueeze", "STRIDED_SLICE": "AddStridedSlice",
    "SUB": "AddSub", "SUM": "AddSum", "SVDF": "AddSvdf", "TANH": "AddTanh", "TRANSPOSE": "AddTranspose",
    "TRANSPOSE_CONV": "AddTransposeConv", "UNIDIRECTIONAL_SEQUENCE_LSTM": "AddUnidirectionalSequenceLSTM",
    "UNPACK": "AddUnpack", "VAR_HANDLE": "AddVarHandle", "WHILE": "AddWhile", "ZEROS_LIKE": "AddZerosLike",
}

# custom_code string -> method. ``AddEthosU`` registers under ``GetString_ETHOSU()`` == "ethos-u" and is a no-op
# (returns kTfLiteOk without registering) in builds without the Ethos-U driver.
CUSTOM_ADD_METHODS: dict[str, str] = {
    "CIRCULAR_BUFFER": "AddCircularBuffer", "TFLite_Detection_PostProcess": "AddDetectionPostprocess",
    "TFLM_DECODE": "AddDecode", "ethos-u": "AddEthosU",
    "SignalDelay": "AddDelay", "SignalEnergy": "AddEnergy", "SignalFftAutoScale": "AddFftAutoScale",
    "SignalFilterBank": "AddFilterBank", "SignalFilterBankLog": "AddFilterBankLog",
    "SignalFilterBankSpectralSubtraction": "AddFilterBankSpectralSubtraction",
    "SignalFilterBankSquareRoot": "AddFilterBankSquareRoot", "SignalFramer": "AddFramer",
    "SignalIrfft": "AddIrfft", "SignalOverlapAdd": "AddOverlapAdd", "SignalPCAN": "AddPCAN",
    "SignalRfft": "AddRfft", "SignalStacker": "AddStacker", "SignalWindow": "AddWindow",
}

# Custom ops whose kernels live outside TFLM's default microlite build: generated code says so next to the call.
CUSTOM_NOTES: dict[str, str] = {
    "ethos-u": "needs TFLM built with CO_PROCESSOR=ethos_u and an Ethos-U NPU",
    **{k: "needs the TFLM Signal library (signal/micro/kernels)" for k in CUSTOM_ADD_METHODS if k.startswith("Signal")},
}


@dataclass(frozen=True, slots=True)
class ResolverEntry:
    """One registration: the op as mcuml names it and the ``MicroMutableOpResolver`` call that registers it."""

    op: str          # "CONV_2D" or "CUSTOM:ethos-u"
    method: str      # "AddConv2D"
    note: str = ""   # why the call may need a special TFLM build


def add_method(op: str) -> str:
    """``"CONV_2D"`` -> ``"AddConv2D"``; ``"CUSTOM:ethos-u"`` -> ``"AddEthosU"``; KeyError if TFLM has none."""
    if op.startswith("CUSTOM:"):
        return CUSTOM_ADD_METHODS[op[len("CUSTOM:"):]]
    return BUILTIN_ADD_METHODS[op]


def resolver_entries(ops: Iterable[str]) -> tuple[ResolverEntry, ...]:
    """The registrations a model needs, sorted by method name (stable output for diffs and goldens).

    Raises ``UnsupportedOpError`` listing every op stock TFLM cannot register, not just the first.
    """
    entries: dict[str, ResolverEntry] = {}
    missing: list[str] = []
    for op in ops:
        try:
            method = add_method(op)
        except KeyError:
            if op not in missing:
                missing.append(op)
            continue
        note = CUSTOM_NOTES.get(op[len("CUSTOM:"):], "") if op.startswith("CUSTOM:") else ""
        entries[method] = ResolverEntry(op, method, note)
    if missing:
        problems = tuple(OpProblem(op=op, node=-1, reason="no MicroMutableOpResolver registration in TFLM")
                         for op in missing)
        raise UnsupportedOpError(
            f"TFLM has no kernel for {', '.join(missing)}; the generated resolver could not register it",
            problems=problems, hint="run `mcuml check MODEL` for replacements; codegen --target c-array still works")
    return tuple(sorted(entries.values(), key=lambda e: e.method))
