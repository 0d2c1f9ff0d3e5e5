"""``mcuml.check``: the corpus verdicts (acceptance 2) and each kind of problem on built models."""

from __future__ import annotations

import numpy as np
import pytest

from mcuml.check import check
from mcuml.ir.build import ModelBuilder
from mcuml.ir.model import Subgraph
from oracle import manifest, model_path

ENTRIES = manifest()


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["file"] for e in ENTRIES])
def test_corpus_verdict_matches_manifest(entry: dict) -> None:
    path = model_path(entry["file"])
    r = check(path)
    assert r.runs_on_tflm == entry["tflm_runs"], [p.reason for p in r.problems]
    if not entry["tflm_runs"]:
        reasons = " ".join(p.reason for p in r.problems)
        assert ("Hybrid" in reasons) if "hybrid" in entry["dtype"] else ("ethos-u" in reasons), reasons
        assert all(p.node >= 0 and p.op for p in r.problems)
    if any(op.startswith("CUSTOM:Signal") for op in entry["op_types"]):
        assert r.registrations and all(p.severity == "needs-registration" for p in r.registrations)
        assert all(c.startswith("Signal") for c in r.custom_ops)


def _fc(b: ModelBuilder, x, dtype: str, wdtype: str, name: str = "y"):
    rng = np.random.default_rng(0)
    q = {"scale": 0.1, "zero_point": 0} if dtype != "float32" else {}
    wq = {"scale": 0.02, "zero_point": 0} if wdtype != "float32" else {}
    w = b.const(name + "_w", rng.integers(-5, 5, size=(3, 4)), wdtype, **wq)
    y = b.tensor(name, (1, 3), dtype, **q)
    b.op("FULLY_CONNECTED", [x, w, None], [y], "FullyConnectedOptions", version=1)
    return y


def test_int8_and_float_fc_pass() -> None:
    for dt in ("int8", "float32"):
        b = ModelBuilder()
        x = b.input("x", (1, 4), dt, **({"scale": 0.1, "zero_point": 0} if dt == "int8" else {}))
        b.output(_fc(b, x, dt, dt))
        r = check(b.build())
        assert r.runs_on_tflm and not r.problems, r.problems


def test_every_problem_is_reported_at_once() -> None:
    b = ModelBuilder()
    x = b.input("x", (1, 4), "float32")
    y = _fc(b, x, "float32", "int8")  # hybrid
    z = b.tensor("z", (2, 3), "float32")
    b.op("TILE", [y, b.const("m", np.array([2, 1], np.int32))], [z])  # no TFLM kernel
    u = b.tensor("u", (2, 3), "float32")
    b.op("CUSTOM:MyFancyOp", [z], [u])  # unknown custom op
    v = b.tensor("v", (2, 3), "float32")
    b.op("CUSTOM:SignalWindow", [u], [v])  # optional library: a registration note, and window.cc wants int16
    b.output(v)
    r = check(b.build())
    assert not r.runs_on_tflm
    by_node = {p.node: p for p in r.problems}
    assert set(by_node) == {0, 1, 2, 3}
    assert "float32" in by_node[3].reason and "int16" in by_node[3].reason
    assert "Hybrid" in by_node[0].reason and by_node[0].op == "FULLY_CONNECTED"
    assert "TILE" in by_node[1].reason and "BROADCAST_TO" in by_node[1].reason  # with the hint
    assert "MyFancyOp" in by_node[2].reason
    assert [p.node for p in r.registrations] == [3]
    assert r.custom_ops == ("MyFancyOp", "SignalWindow")


def test_unsupported_type_combination() -> None:
    b = ModelBuilder()
    x = b.input("x", (1, 4), "int16", scale=0.1, zero_point=0)
    b.output(_fc(b, x, "int16", "int16"))  # int16 x int16 FC: TFLM wants int8 weights
    (p,) = check(b.build()).problems
    assert "int16" in p.reason and "not supported" in p.reason


def test_pool_input_type() -> None:
    b = ModelBuilder()
    x = b.input("x", (1, 4, 4, 1), "int32")
    y = b.tensor("y", (1, 2, 2, 1), "int32")
    b.op("MAX_POOL_2D", [x], [y], "Pool2DOptions", padding=1, stride_w=2, stride_h=2, filter_width=2,
         filter_height=2)
    b.output(y)
    (p,) = check(b.build()).problems
    assert p.op == "MAX_POOL_2D" and "int32" in p.reason


def _reshape_model() -> ModelBuilder:
    b = ModelBuilder()
    x = b.input("x", (1, 4), "int8", scale=0.5, zero_point=0)
    y = b.tensor("y", (4,), "int8", scale=0.5, zero_point=0)
    b.op("RESHAPE", [x], [y])
    b.output(y)
    return b


def test_dynamic_dimensions() -> None:
    m = _reshape_model().build()
    m.main.tensors[0].shape_signature = (-1, 4)  # a dynamic batch is fine: TFLM runs batch 1
    assert check(m).runs_on_tflm
    m.main.tensors[0].shape_signature = (1, -1)
    r = check(m)
    assert not r.runs_on_tflm and "dynamic" in r.problems[0].reason


def test_unreferenced_subgraph_and_schema_version() -> None:
    m = _reshape_model().build()
    m.subgraphs.append(Subgraph(name="other_signature"))
    m.version = 2
    reasons = [p.reason for p in check(m).problems]
    assert any("subgraph 1" in r and "IF/WHILE/CALL_ONCE" in r for r in reasons), reasons
    assert any("schema version 2" in r for r in reasons), reasons


def test_control_flow_subgraph_is_fine() -> None:
    b = _reshape_model()
    m = b.build()
    m.subgraphs.append(Subgraph(name="init"))
    b.op("CALL_ONCE", [], [], "CallOnceOptions", init_subgraph_index=1)
    assert check(m).runs_on_tflm, check(m).problems


def test_warnings_do_not_fail() -> None:
    b = ModelBuilder()
    x = b.input("x", (1, 4), "int8", scale=0.1, zero_point=0)
    y = _fc(b, x, "int8", "int8")
    f = b.tensor("f", (1, 3), "float32")
    b.op("DEQUANTIZE", [y], [f])
    g = b.tensor("g", (1, 3), "float32")
    b.op("SOFTMAX", [f], [g], "SoftmaxOptions", beta=1.0)
    y2 = _fc(b, x, "int8", "int8", "y2")
    b.output(g, y2)
    r = check(b.build(), size=3 << 20)
    assert r.runs_on_tflm
    text = " ".join(p.reason for p in r.warnings)
    assert "float32 inside an otherwise int8 model" in text and "over 1 MB" in text


def test_interpreter_problems() -> None:
    b = ModelBuilder()
    x = b.input("x", (1, 4), "float32")
    y = b.tensor("y", (1, 4), "float32")
    b.op("CUSTOM:NotAKernelAnywhere", [x], [y])
    b.output(y)
    r = check(b.build(), interpreter=True)
    assert r.runs_on_mcuml is False and not r.ok
    assert r.interpreter_problems[0].node == 0 and "no kernel" in r.interpreter_problems[0].reason
    ok = check(_reshape_model().build(), interpreter=True)
    assert ok.runs_on_mcuml is True and ok.ok
    assert check(_reshape_model().build()).runs_on_mcuml is None


def test_package_attribute_stays_callable() -> None:
    import mcuml
    import mcuml.check  # rebinds the package attribute to the submodule

    assert mcuml.check_model(_reshape_model().build()).runs_on_tflm


def test_int8_exp_cannot_run_on_tflm() -> None:
    """TFLM's EXP kernel is float32-only (exp.cc Prepare): an int8 EXP model must not pass check."""
    b = ModelBuilder()
    x = b.input("x", (1, 4), "int8", scale=0.1, zero_point=0)
    y = b.tensor("y", (1, 4), "int8", scale=0.1, zero_point=0)
    b.op("EXP", [x], [y])
    b.output(y)
    r = check(b.build())
    assert not r.runs_on_tflm
    assert r.problems[0].op == "EXP" and "int8" in r.problems[0].reason and "float32" in r.problems[0].reason
