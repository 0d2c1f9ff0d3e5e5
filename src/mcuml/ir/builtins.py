"""Builtin operator names and codes (from the schema's ``BuiltinOperator``)."""

from __future__ import annotations


def op_name(code: int) -> str:
    from mcuml.tflite.schema import builtin_operator_names

    return builtin_operator_names().get(code, f"BUILTIN_{code}")


def op_code(name: str) -> int:
    from mcuml.tflite.schema import builtin_operator_names

    for k, v in builtin_operator_names().items():
        if v == name:
            return k
    raise KeyError(f"unknown builtin operator {name!r}")
