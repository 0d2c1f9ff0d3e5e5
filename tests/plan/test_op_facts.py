"""Per-op memory facts that are proportional to tensors (the op sweep checks them against the wheel)."""

from __future__ import annotations

from mcuml.ir.build import ModelBuilder
from mcuml.ops import lookup


def _bmm(adj_y: bool, rows: int):
    b = ModelBuilder()
    a = b.input("a", (2, 3, 4), "float32")
    w = b.input("w", (2, 4, rows), "float32")
    y = b.tensor("y", (2, 3, rows), "float32")
    b.op("BATCH_MATMUL", [a, w], [y], "BatchMatMulOptions", adj_x=False, adj_y=adj_y)
    b.output(y)
    return b.build().subgraphs[0].operators[0]


def test_batch_matmul_copies_the_non_adjoint_operand():
    op = lookup("BATCH_MATMUL")
    small, big = (sum(op.persistent(_bmm(False, n), "host").prepare) for n in (5, 50))
    assert big - small == 2 * 4 * 45 * 4  # the transposed RHS copy grows with the operand
    assert sum(op.persistent(_bmm(True, 50), "host").prepare) < small  # adj_y: no copy


def test_every_tflm_op_states_its_memory():
    """No TFLM builtin or Signal op is "approximate": each op module's persistent() is modelled."""
    from mcuml.ir.dtypes import DType
    from mcuml.ops import registry
    from mcuml.ops._coverage import sample_models
    from mcuml.ops._tflm import SIGNAL_CUSTOM_OPS, TFLM_BUILTINS

    unmodelled = []
    for name, op in sorted(registry().items()):
        if name not in TFLM_BUILTINS and name.removeprefix("CUSTOM:") not in SIGNAL_CUSTOM_OPS:
            continue
        node = sample_models(name, DType.int16 if name.startswith("CUSTOM:") else DType.float32)[0].main.operators[0]
        for target in ("host", "cortex-m"):
            if not op.persistent(node, target).modelled:
                unmodelled.append((name, target))
    assert not unmodelled
