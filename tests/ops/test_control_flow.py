"""IF / WHILE (multi-subgraph control flow) against the TFLM wheel, single invokes and batched run()."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from mcuml import Interpreter
from mcuml.compile import compile as mcuml_compile
from mcuml.errors import McumlError, UnsupportedOpError
from mcuml.ir.build import ModelBuilder
from oracle import differential, tflm_run

Q = {"scale": 0.05, "zero_point": 3}


def if_model(dtype: str = "int8", shape=(1, 4)) -> bytes:
    """IF(cond, x): then x + c, else x * c."""
    q = Q if dtype == "int8" else {}
    np_dt = np.int8 if dtype == "int8" else np.float32
    b = ModelBuilder()
    c = b.input("cond", (1,), "bool")
    x = b.input("x", shape, dtype, **q)
    y = b.tensor("y", shape, dtype, **q)
    b.op("IF", [c, x], [y], "IfOptions", then_subgraph_index=1, else_subgraph_index=2)
    b.output(y)
    const = (np.arange(int(np.prod(shape))).reshape(shape) % 7 - 3).astype(np_dt)
    for op, kind in (("ADD", "AddOptions"), ("MUL", "MulOptions")):
        b.subgraph(op.lower())
        a = b.input("a", shape, dtype, **q)
        k = b.const("k", const, **q)
        o = b.tensor("o", shape, dtype, **q)
        b.op(op, [a, k], [o], kind)
        b.output(o)
    return b.build().to_bytes()


def while_model() -> bytes:
    """WHILE(i < n): i += 1; acc = acc * 1.5 + 1 (float), loop variables (i, n, acc)."""
    b = ModelBuilder()
    i0 = b.input("i0", (1,), "int32")
    n0 = b.input("n", (1,), "int32")
    a0 = b.input("acc0", (1, 3), "float32")
    i1, n1, a1 = b.tensor("i", (1,), "int32"), b.tensor("n_out", (1,), "int32"), b.tensor("acc", (1, 3), "float32")
    b.op("WHILE", [i0, n0, a0], [i1, n1, a1], "WhileOptions", cond_subgraph_index=1, body_subgraph_index=2)
    b.output(i1, a1)
    b.subgraph("cond")
    ci, cn, _ = b.input("i", (1,), "int32"), b.input("n", (1,), "int32"), b.input("acc", (1, 3), "float32")
    lt = b.tensor("lt", (1,), "bool")
    b.op("LESS", [ci, cn], [lt])
    b.output(lt)
    b.subgraph("body")
    bi, bn, ba = b.input("i", (1,), "int32"), b.input("n", (1,), "int32"), b.input("acc", (1, 3), "float32")
    one = b.const("one", np.array([1], np.int32))
    inc = b.tensor("i_next", (1,), "int32")
    b.op("ADD", [bi, one], [inc], "AddOptions")
    k = b.const("k", np.full((1, 3), 1.5, np.float32))
    m = b.tensor("m", (1, 3), "float32")
    b.op("MUL", [ba, k], [m], "MulOptions")
    c1 = b.const("c1", np.ones((1, 3), np.float32))
    nxt = b.tensor("acc_next", (1, 3), "float32")
    b.op("ADD", [m, c1], [nxt], "AddOptions")
    b.output(inc, bn, nxt)
    return b.build().to_bytes()


@pytest.mark.parametrize("dtype", ["int8", "float32"])
@pytest.mark.parametrize("cond", [True, False])
def test_if_both_branches_match_tflm(dtype, cond):
    rng = np.random.default_rng(1)
    data = if_model(dtype)
    x = (rng.integers(-128, 128, (1, 4)).astype(np.int8) if dtype == "int8"
         else rng.standard_normal((1, 4)).astype(np.float32))
    got = differential(data, [np.array([cond]), x], invokes=2)
    assert got[0].shape == (1, 4)


def test_if_batched_mixed_conditions_equal_single_invokes():
    rng = np.random.default_rng(2)
    data = if_model("int8")
    n = 9
    conds = rng.integers(0, 2, (n, 1)).astype(bool)
    xs = rng.integers(-128, 128, (n, 1, 4)).astype(np.int8)
    it = Interpreter(model_content=data)
    (batched,) = it.run([conds, xs], batch_size=4)
    for s in range(n):
        want = tflm_run(data, [conds[s], xs[s]])[0]
        assert np.array_equal(batched[s], want), s


@pytest.mark.parametrize("n", [0, 1, 5])
def test_while_counter_loop_matches_tflm(n):
    acc = np.array([[0.5, -1.0, 2.0]], np.float32)
    got = differential(while_model(), [np.array([0], np.int32), np.array([n], np.int32), acc], invokes=2)
    assert got[0][0] == n


def test_while_batched_per_sample_iteration_counts():
    rng = np.random.default_rng(3)
    data = while_model()
    n = 7
    i0 = np.zeros((n, 1), np.int32)
    counts = rng.integers(0, 6, (n, 1)).astype(np.int32)
    acc = rng.standard_normal((n, 1, 3)).astype(np.float32)
    it = Interpreter(model_content=data)
    i_out, acc_out = it.run([i0, counts, acc], batch_size=3)
    assert np.array_equal(i_out[:, 0], counts[:, 0])
    for s in range(n):
        want = tflm_run(data, [i0[s], counts[s], acc[s]])
        assert np.array_equal(acc_out[s], want[1]), s


def test_if_plan_nests_branches_inside_the_if_step():
    from mcuml import load_model

    c = mcuml_compile(load_model(if_model("int8")))
    recs = {r.label: r for r in c.records}
    y = recs["y"]
    branch = [r for r in c.records if r.subgraph > 0]
    assert branch and all(y.first_use < r.first_use and r.last_use <= y.last_use for r in branch)
    assert c.plan.overlapping_pairs() == []
    Interpreter(model_content=if_model("int8"), check_overlaps=True).allocate_tensors()


_HEAD = """
import sys
from tflite_micro.python.tflite_micro import runtime
it = runtime.Interpreter.from_bytes(open(sys.argv[1], 'rb').read(), arena_size=1 << 16)
it.invoke()
it.print_allocations()
"""


@pytest.mark.parametrize("which", ["if", "while"])
def test_arena_head_equals_tflm(which, tmp_path):
    from mcuml import load_model
    from mcuml.plan.arena import predict_arena

    data = if_model("int8") if which == "if" else while_model()
    path = tmp_path / "m.tflite"
    path.write_bytes(data)
    r = subprocess.run([sys.executable, "-c", _HEAD, str(path)], capture_output=True, text=True, timeout=120)
    line = next(ln for ln in (r.stdout + r.stderr).splitlines() if "allocation head" in ln)
    head = int(line.split("head")[1].split()[0])
    assert mcuml_compile(load_model(data)).plan.size == head
    est = predict_arena(load_model(data))  # the predictor copes with several subgraphs
    assert est.arena_bytes >= head


def _if_node(b: ModelBuilder, branch: int) -> None:
    """In the builder's current subgraph: (cond, x[1, 2]) -> IF with both branches ``branch`` -> y."""
    c = b.input("cond", (1,), "bool")
    x = b.input("x", (1, 2), "float32")
    y = b.tensor("y", (1, 2), "float32")
    b.op("IF", [c, x], [y], "IfOptions", then_subgraph_index=branch, else_subgraph_index=branch)
    b.output(y)


def test_recursive_subgraph_is_refused():
    b = ModelBuilder()
    _if_node(b, 1)
    b.subgraph("self")
    _if_node(b, 2)
    b.subgraph("again")
    _if_node(b, 1)
    with pytest.raises(UnsupportedOpError, match="calls itself"):
        mcuml_compile(b.build())


def test_if_branch_io_mismatch_fails_with_node_context():
    b = ModelBuilder()
    _if_node(b, 1)
    b.subgraph("wrong")
    a = b.input("a", (1, 3), "float32")
    b.output(a)
    with pytest.raises(McumlError, match=r"subgraph 0, node 0 \(IF\)"):
        mcuml_compile(b.build())
