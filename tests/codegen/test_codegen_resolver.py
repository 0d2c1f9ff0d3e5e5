"""Acceptance 3a: the resolver table knows the Add...() method of every builtin TFLM registers."""

from __future__ import annotations

import re

import pytest

from mcuml.codegen.resolver import (
    BUILTIN_ADD_METHODS,
    CUSTOM_ADD_METHODS,
    add_method,
    resolver_entries,
)
from mcuml.errors import UnsupportedOpError
from mcuml.ops._tflm import ACCELERATOR_CUSTOM_OPS, OPTIONAL_CUSTOM_OPS, TFLM_BUILTINS


def test_every_tflm_builtin_has_a_method_and_nothing_else() -> None:
    assert set(BUILTIN_ADD_METHODS) == set(TFLM_BUILTINS)
    assert len(BUILTIN_ADD_METHODS) == 100


def test_every_tflm_custom_op_has_a_method() -> None:
    assert set(CUSTOM_ADD_METHODS) == set(OPTIONAL_CUSTOM_OPS) | set(ACCELERATOR_CUSTOM_OPS)


def test_methods_are_unique_identifiers() -> None:
    methods = [*BUILTIN_ADD_METHODS.values(), *CUSTOM_ADD_METHODS.values()]
    assert len(set(methods)) == len(methods)
    assert all(re.fullmatch(r"Add[A-Z][A-Za-z0-9]*", m) for m in methods)


# Names that naive CamelCase would get wrong, pinned against micro_mutable_op_resolver.h @ 90b983c2b3.
@pytest.mark.parametrize("op, method", [
    ("UNIDIRECTIONAL_SEQUENCE_LSTM", "AddUnidirectionalSequenceLSTM"), ("BATCH_MATMUL", "AddBatchMatMul"),
    ("CUMSUM", "AddCumSum"), ("CONV_2D", "AddConv2D"), ("DEPTHWISE_CONV_2D", "AddDepthwiseConv2D"),
    ("L2_POOL_2D", "AddL2Pool2D"), ("L2_NORMALIZATION", "AddL2Normalization"), ("PADV2", "AddPadV2"),
    ("PRELU", "AddPrelu"), ("SVDF", "AddSvdf"), ("BATCH_TO_SPACE_ND", "AddBatchToSpaceNd"),
    ("GATHER_ND", "AddGatherNd"), ("SELECT_V2", "AddSelectV2"), ("REVERSE_V2", "AddReverseV2"),
    ("RELU6", "AddRelu6"), ("LOG_SOFTMAX", "AddLogSoftmax"), ("ADD_N", "AddAddN"), ("SPLIT_V", "AddSplitV"),
    ("CUSTOM:TFLite_Detection_PostProcess", "AddDetectionPostprocess"), ("CUSTOM:ethos-u", "AddEthosU"),
    ("CUSTOM:CIRCULAR_BUFFER", "AddCircularBuffer"), ("CUSTOM:SignalPCAN", "AddPCAN"),
    ("CUSTOM:TFLM_DECODE", "AddDecode"), ("CUSTOM:SignalFilterBankLog", "AddFilterBankLog"),
])
def test_exceptional_names(op: str, method: str) -> None:
    assert add_method(op) == method


def test_entries_are_deduplicated_sorted_and_annotated() -> None:
    entries = resolver_entries(["SOFTMAX", "CONV_2D", "CONV_2D", "CUSTOM:ethos-u", "CUSTOM:SignalRfft"])
    assert [e.method for e in entries] == ["AddConv2D", "AddEthosU", "AddRfft", "AddSoftmax"]
    assert "Ethos-U" in entries[1].note and "Signal" in entries[2].note and entries[0].note == ""


def test_unknown_ops_are_all_reported() -> None:
    with pytest.raises(UnsupportedOpError) as e:
        resolver_entries(["CONV_2D", "TILE", "GELU", "TILE", "CUSTOM:MyOp"])
    assert [p.op for p in e.value.problems] == ["TILE", "GELU", "CUSTOM:MyOp"]
    assert "TILE" in e.value.message and "GELU" in e.value.message


def test_names_match_tflm_header_when_a_checkout_is_given() -> None:
    """Opt-in cross-check against a tflite-micro git checkout named by MCUML_TFLM_SRC (the table above is the
    source of truth; nothing outside the repo and MCUML_SHARED is read otherwise)."""
    import os
    import subprocess
    from pathlib import Path

    if not os.environ.get("MCUML_TFLM_SRC"):
        pytest.skip("opt-in: set MCUML_TFLM_SRC to a tflite-micro git checkout")
    repo = Path(os.environ["MCUML_TFLM_SRC"])
    text = subprocess.run(["git", "-C", str(repo), "show", "HEAD:tensorflow/lite/micro/micro_mutable_op_resolver.h"],
                          capture_output=True, text=True, check=False).stdout
    if not text:
        pytest.skip("mirror has no resolver header")
    found = {}
    for m in re.finditer(r"TfLiteStatus (Add\w+)\((.*?)\n  \}", text, re.DOTALL):
        b = re.search(r"AddBuiltin\(BuiltinOperator_(\w+)", m.group(2))
        if b and m.group(1) != "AddBuiltin":
            found[b.group(1)] = m.group(1)
    assert found == BUILTIN_ADD_METHODS
