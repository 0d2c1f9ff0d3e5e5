"""One op, one file: no per-op name lists outside ``src/mcuml/ops/``.

A "per-op list" is a tuple/list/set/dict literal holding two or more TFLite builtin names (or Signal
custom codes): exactly the kind of table that drifts from the op modules (``arena._op_persistent``,
``REFERENCE_SCRATCH``, ``CMSIS_OPS``, check's type tables did). Per-op facts belong to the op's module
(``Op.persistent``/``scratch``/``tflm_rejects``/flags). Modules that *emit* operators by name (the
converters and model builders) may spell the ops they write; they are listed here with that reason.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "mcuml"
# module (relative to src/mcuml) -> why it may name ops in collections
EMITTERS = {
    "convert": "the ONNX/Keras/PTQ converters write these operators",
    "zoo": "model builders write these operators",
    "examples.py": "builds the example model",
    "profile": "the latency model's op classes (cost features, not TFLM memory/support facts)",
    "emu/estimate.py": "the C engine's fitted cost groups (cost features, like profile)",
    "cengine": "the standalone C engine emits C for these operators (its own kernels, not TFLM facts)",
}


def _op_names() -> set[str]:
    from mcuml.ops import registry
    from mcuml.ops._tflm import SIGNAL_CUSTOM_OPS, TFLM_BUILTINS

    names = set(TFLM_BUILTINS) | set(SIGNAL_CUSTOM_OPS)
    for n in registry():
        names.add(n)
        names.add(n.removeprefix("CUSTOM:"))
    return names


def _collections(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            yield node, node.elts
        elif isinstance(node, ast.Dict):
            yield node, [k for k in node.keys if k is not None]


def _offenders(path: Path, names: set[str]) -> list[str]:
    out = []
    for node, elts in _collections(ast.parse(path.read_text())):
        hits = [e.value for e in elts if isinstance(e, ast.Constant) and isinstance(e.value, str) and e.value in names]
        if len(hits) >= 2:
            out.append(f"{path.name}:{node.lineno}: {hits[:4]}")
    return out


def test_no_per_op_name_lists_outside_ops():
    names = _op_names()
    bad = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC)
        if rel.parts[0] == "ops" or rel.parts[0] in EMITTERS or str(rel) in EMITTERS:
            continue
        bad += _offenders(path, names)
    assert not bad, "per-op name lists outside mcuml/ops/ (move the fact into the op's module):\n" + "\n".join(bad)


def test_the_check_finds_a_list(tmp_path):
    """The scanner must be able to fail."""
    p = tmp_path / "probe.py"
    p.write_text('X = {"CONV_2D": 1, "TANH": 2}\nY = ("SignalRfft", "ADD")\nZ = ("CONV_2D",)\n')
    assert len(_offenders(p, _op_names())) == 2


def test_memory_and_support_modules_ask_the_op():
    """arena/records/cmsis/check hold no op name at all, not even a single comparison."""
    names = _op_names()
    bad = []
    for rel in ("plan/arena.py", "plan/records.py", "plan/cmsis.py", "check.py"):
        for node in ast.walk(ast.parse((SRC / rel).read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in names:
                bad.append(f"{rel}:{node.lineno}: {node.value}")
    assert not bad, bad
