"""The op contract (``mcuml/ops/_base.py``), checked for every registered op, scikit-learn style.

Each op runs on the tiny single-op samples of :mod:`mcuml.ops._coverage`, evaluated directly
through ``Op.eval`` (no interpreter): the module cites its TFLM source, ``cost`` is sane,
``prepare`` refuses types it does not run with node context, ``eval`` writes every element of its
output views and nothing else (inputs untouched, memory around the views untouched), and a batch of
3 samples equals 3 single-sample evals.
"""

from __future__ import annotations

import importlib
from dataclasses import fields

import numpy as np
import pytest

from mcuml.compile import compile as mcuml_compile
from mcuml.errors import McumlError, UnsupportedOpError
from mcuml.ir.dtypes import DType
from mcuml.ir.model import Model, Tensor
from mcuml.ops import Cost, Op, registry
from mcuml.ops._coverage import CANDIDATE_DTYPES, accepted_dtypes, has_sample, op_coverage, probe, tflm_source

OPS = sorted(registry())
MODULES = sorted({type(k).__module__ for k in registry().values()})
PAD = 64  # sentinel elements before and after every output view
SENTINELS = (0xA5, 0x5A)

# Contract violations found by these tests in ops owned by others: (op, check) -> reason.
KNOWN_BUGS: dict[tuple[str, str], str] = {}


# Ops that Op.eval cannot run from compile's params alone: they call subgraphs or use the interpreter's
# resource variables, and are evaluated with what their ``bind(params, graph)`` returns. The eval checks
# skip them; tests/ops/test_control_flow.py and tests/ops/test_resource_variables.py check them
# against TFLM through the interpreter (single invokes, batched run(), reset).
RUNTIME_OPS = {"IF", "WHILE", "CALL_ONCE", "READ_VARIABLE", "ASSIGN_VARIABLE"}


def _xfail(op: str, check: str) -> None:
    if op in RUNTIME_OPS and check in ("writes", "batch"):
        pytest.skip(f"{op} runs through the interpreter's subgraph/resource runtime (see RUNTIME_OPS)")
    reason = KNOWN_BUGS.get((op, check))
    if reason:
        pytest.xfail(reason)


def _mark(op: str, check: str):
    reason = KNOWN_BUGS.get((op, check))
    return pytest.param(op, marks=pytest.mark.xfail(strict=True, reason=reason)) if reason else op


def _samples(op: str) -> list[tuple[DType, Model]]:
    """One prepared sample per accepted dtype."""
    out = []
    for name in accepted_dtypes(op):
        model, err = probe(op, DType[name])
        assert err is None
        out.append((DType[name], model))
    return out


def _rand(t: Tensor, batch: int, rng: np.random.Generator) -> np.ndarray:
    shape = (batch, *t.shape)
    dt = np.dtype(t.dtype.numpy)
    if dt == np.bool_:
        return rng.integers(0, 2, size=shape).astype(bool)
    if np.issubdtype(dt, np.integer):
        info = np.iinfo(dt)
        return rng.integers(info.min, info.max, size=shape, endpoint=True, dtype=dt)
    return (rng.standard_normal(size=shape) * 2).astype(dt)


def _reset_value(t: Tensor) -> int:
    return t.zero_point if t.dtype == DType.int8 else 0


class Run:
    """One node bound by ``compile``, evaluated on arrays this test owns."""

    def __init__(self, model: Model) -> None:
        c = mcuml_compile(model)
        assert len(c.nodes) == 1
        self.bn, self.tensors = c.nodes[0], c.subgraph.tensors

    @property
    def stateful(self) -> bool:
        return any(i >= 0 and self.tensors[i].is_variable for i in self.bn.inputs)

    def inputs(self, batch: int, seed: int) -> list[np.ndarray | None]:
        rng = np.random.default_rng(seed)
        ins: list[np.ndarray | None] = []
        for i in self.bn.inputs:
            t = None if i < 0 else self.tensors[i]
            if t is None:
                ins.append(None)
            elif t.is_constant:
                ins.append(t.data.reshape((1, *t.shape)))
            elif t.is_variable:
                ins.append(np.full((batch, *t.shape), _reset_value(t), dtype=t.dtype.numpy))
            else:
                ins.append(_rand(t, batch, rng))
        return ins

    def eval(self, ins: list[np.ndarray | None], batch: int, sentinel: int = SENTINELS[0]):
        """Outputs (views in the middle of sentinel-filled buffers) and the buffers themselves."""
        views, bufs = [], []
        for i in self.bn.outputs:
            t = self.tensors[i]
            buf = np.empty(2 * PAD + batch * t.size, dtype=t.dtype.numpy)
            buf.view(np.uint8)[...] = sentinel
            bufs.append(buf)
            views.append(buf[PAD:PAD + batch * t.size].reshape((batch, *t.shape)))
        if self.bn.op.stateful:  # op-held state (Signal ops): every eval starts from reset
            self.bn.op.reset(self.bn.params)
        with np.errstate(all="ignore"):
            self.bn.op.eval(self.bn.params, ins, views)
        return views, bufs


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Exact equality, NaN == NaN for floats (LOG/SQRT of negative samples)."""
    if np.issubdtype(a.dtype, np.floating):
        return np.array_equal(a, b, equal_nan=True)
    return np.array_equal(a, b)


# -- static contract ----------------------------------------------------------------------------------
@pytest.mark.parametrize("module", MODULES)
def test_module_docstring_cites_a_tflm_source(module):
    doc = importlib.import_module(module).__doc__
    assert doc and doc.strip(), f"{module} has no module docstring"
    assert tflm_source(doc), f"{module}'s docstring cites no tensorflow/lite/... source file"


def test_every_registered_op_has_a_sample_and_runs_some_dtype():
    no_sample = [op for op in OPS if not has_sample(op)]
    assert no_sample == [], f"add a sample recipe for {no_sample} in mcuml/ops/_coverage.py"
    assert [op for op in OPS if not accepted_dtypes(op)] == [], "a sample recipe no longer prepares in any dtype"


@pytest.mark.parametrize("op", OPS)
def test_cost_is_a_cost_with_non_negative_fields(op):
    for _, model in _samples(op):
        node = model.subgraphs[0].operators[0]
        cost = registry()[op].cost(node)
        assert isinstance(cost, Cost)
        for f in fields(Cost):
            v = getattr(cost, f.name)
            assert isinstance(v, (int, np.integer)) and v >= 0, f"{op}: cost.{f.name} = {v!r}"
        assert cost.macs + cost.elementwise + cost.bytes_out > 0, f"{op}: cost reports no work at all"


@pytest.mark.parametrize("op", ["CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "TRANSPOSE_CONV", "BATCH_MATMUL",
                                "SVDF", "UNIDIRECTIONAL_SEQUENCE_LSTM"])
def test_weighted_ops_report_macs(op):
    _, model = _samples(op)[0]
    assert registry()[op].cost(model.subgraphs[0].operators[0]).macs > 0


@pytest.mark.parametrize("op", OPS)
def test_prepare_returns_frozen_params_and_leaves_the_model_alone(op):
    import dataclasses

    from mcuml.ops import OpContext

    for dt, model in _samples(op):
        before = model.to_bytes()
        sg = model.subgraphs[0]
        params = registry()[op].prepare(sg.operators[0], OpContext(model, sg, 0, 0, op))
        assert model.to_bytes() == before, f"{op} {dt.name}: prepare modified the model"
        assert dataclasses.is_dataclass(params) and params.__dataclass_params__.frozen, \
            f"{op} {dt.name}: params {type(params).__name__} is not a frozen dataclass"
        assert hasattr(type(params), "__slots__"), f"{op} {dt.name}: params {type(params).__name__} lacks slots"
        if not registry()[op].stateful:  # only declared op state may change after prepare
            mutable = [f.name for f in dataclasses.fields(params)
                       if isinstance(getattr(params, f.name), (dict, list, set, bytearray))]
            assert mutable == [], f"{op} {dt.name}: params fields {mutable} are mutable containers"


@pytest.mark.parametrize("op", OPS)
def test_prepare_refuses_unsupported_dtypes_with_node_context(op):
    _xfail(op, "dtype")
    accepted = set(accepted_dtypes(op))
    refused = [d for d in CANDIDATE_DTYPES if d.name not in accepted]
    if not refused:
        pytest.skip(f"{op} runs every candidate dtype")
    where = f"subgraph 0, node 0 ({op})"
    for d in refused:
        _, err = probe(op, d)
        assert isinstance(err, McumlError), f"{op} {d.name}: prepare raised {type(err).__name__}: {err}"
        assert isinstance(err, UnsupportedOpError), f"{op} {d.name}: {type(err).__name__} for a type: {err}"
        assert where in str(err), f"{op} {d.name}: no node context in {str(err)!r}"


# -- eval contract ------------------------------------------------------------------------------------
def check_writes(op: str, dt: DType, run: Run) -> None:
    ins = run.inputs(2, seed=1)
    before = [None if a is None else a.copy() for a in ins]
    results = []
    for sentinel in SENTINELS:
        state = [None if a is None else a.copy() for a in ins]  # stateful ops update their state in place
        views, bufs = run.eval(state if run.stateful else ins, 2, sentinel)
        for buf in bufs:
            edges = np.concatenate([buf[:PAD], buf[-PAD:]]).view(np.uint8)
            assert np.all(edges == sentinel), f"{op} {dt.name}: eval wrote outside its output view"
        results.append([v.copy() for v in views])
    for a, b in zip(*results):
        assert a.tobytes() == b.tobytes(), f"{op} {dt.name}: output depends on the old contents of the view " \
                                           "(not every element written)"
    for k, (a, b) in enumerate(zip(ins, before)):
        if a is not None:
            assert a.tobytes() == b.tobytes(), f"{op} {dt.name}: eval modified input {k}"


def check_batch(op: str, dt: DType, run: Run) -> None:
    ins = run.inputs(3, seed=2)
    batched, _ = run.eval([None if a is None else a.copy() for a in ins], 3)
    for s in range(3):
        one = [None if a is None else (a.copy() if a.shape[0] == 1 else a[s:s + 1].copy()) for a in ins]
        single, _ = run.eval(one, 1)
        for k, (b, o) in enumerate(zip(batched, single)):
            assert _same(b[s:s + 1], o), f"{op} {dt.name}: output {k} of sample {s} differs batched vs alone"


@pytest.mark.parametrize("op", OPS)
def test_eval_writes_all_of_its_outputs_and_nothing_else(op):
    _xfail(op, "writes")
    for dt, model in _samples(op):
        check_writes(op, dt, Run(model))


@pytest.mark.parametrize("op", OPS)
def test_batch_of_three_equals_three_single_evals(op):
    _xfail(op, "batch")
    for dt, model in _samples(op):
        check_batch(op, dt, Run(model))


# -- option-heavy variants: axes (0, negative), broadcasting, masks, padding modes ------------------------
# (op, inputs, outputs, options kind, options); inputs: ("x", shape[, dtype]) activation, ("c", value) int32
# constant; outputs: (shape[, dtype]). The data type is filled in per run (int8 and float32).
VARIANTS = {
    "reverse_axis-1": ("REVERSE_V2", [("x", (3, 4)), ("c", [-1])], [(3, 4)], "ReverseV2Options", {}),
    "concat_axis0": ("CONCATENATION", [("x", (2, 3)), ("x", (1, 3))], [(3, 3)], "ConcatenationOptions", {"axis": 0}),
    "concat_axis-1": ("CONCATENATION", [("x", (2, 3)), ("x", (2, 1))], [(2, 4)], "ConcatenationOptions",
                      {"axis": -1}),
    "pack_axis0": ("PACK", [("x", (2, 3)), ("x", (2, 3))], [(2, 2, 3)], "PackOptions", {"axis": 0, "values_count": 2}),
    "pack_axis-1": ("PACK", [("x", (2, 3)), ("x", (2, 3))], [(2, 3, 2)], "PackOptions",
                    {"axis": -1, "values_count": 2}),
    "unpack_axis0": ("UNPACK", [("x", (2, 3))], [(3,), (3,)], "UnpackOptions", {"axis": 0, "num": 2}),
    "unpack_axis-1": ("UNPACK", [("x", (3, 2))], [(3,), (3,)], "UnpackOptions", {"axis": -1, "num": 2}),
    "split_axis0": ("SPLIT", [("c", 0), ("x", (4, 3))], [(2, 3), (2, 3)], "SplitOptions", {"num_splits": 2}),
    "split_axis-1": ("SPLIT", [("c", -1), ("x", (3, 4))], [(3, 2), (3, 2)], "SplitOptions", {"num_splits": 2}),
    "split_v_axis0": ("SPLIT_V", [("x", (5, 3)), ("c", [2, 3]), ("c", 0)], [(2, 3), (3, 3)], "SplitVOptions",
                      {"num_splits": 2}),
    "gather_axis0_2d_idx": ("GATHER", [("x", (4, 3)), ("c", [[1, 0], [3, 3]])], [(2, 2, 3)], "GatherOptions",
                            {"axis": 0}),
    "gather_axis1": ("GATHER", [("x", (4, 3)), ("c", [2, 0])], [(4, 2)], "GatherOptions", {"axis": 1}),
    "gather_batch_dims": ("GATHER", [("x", (2, 4, 3)), ("c", [[1, 0], [3, 2]])], [(2, 2, 3)], "GatherOptions",
                          {"axis": 1, "batch_dims": 1}),
    "gather_nd_full": ("GATHER_ND", [("x", (3, 4)), ("c", [[2, 1], [0, 3]])], [(2,)], "GatherNdOptions", {}),
    "arg_max_axis0": ("ARG_MAX", [("x", (2, 3)), ("c", [0])], [((3,), "int32")], "ArgMaxOptions", {"output_type": 2}),
    "arg_min_axis-1": ("ARG_MIN", [("x", (2, 3)), ("c", [-1])], [((2,), "int32")], "ArgMinOptions",
                       {"output_type": 2}),
    "cumsum_axis0_rev_excl": ("CUMSUM", [("x", (3, 4)), ("c", 0)], [(3, 4)], "CumsumOptions",
                              {"reverse": True, "exclusive": True}),
    "cumsum_axis-1": ("CUMSUM", [("x", (3, 4)), ("c", -1)], [(3, 4)], "CumsumOptions", {}),
    "reverse_axis0": ("REVERSE_V2", [("x", (3, 4)), ("c", [0])], [(3, 4)], "ReverseV2Options", {}),
    "transpose_4d": ("TRANSPOSE", [("x", (2, 3, 4, 5)), ("c", [3, 0, 2, 1])], [(5, 2, 4, 3)], "TransposeOptions", {}),
    "expand_dims_axis0": ("EXPAND_DIMS", [("x", (3, 4)), ("c", [0])], [(1, 3, 4)], "ExpandDimsOptions", {}),
    "expand_dims_axis-1": ("EXPAND_DIMS", [("x", (3, 4)), ("c", [-1])], [(3, 4, 1)], "ExpandDimsOptions", {}),
    "squeeze_all": ("SQUEEZE", [("x", (1, 3, 1))], [(3,)], "SqueezeOptions", {}),
    "slice_size-1": ("SLICE", [("x", (3, 4)), ("c", [1, 0]), ("c", [-1, 2])], [(2, 2)], "SliceOptions", {}),
    "strided_slice_masks": ("STRIDED_SLICE", [("x", (3, 4, 5)), ("c", [0, 3, 1]), ("c", [0, 0, 5]),
                                              ("c", [1, -1, 2])], [(3, 4, 2)], "StridedSliceOptions",
                            {"begin_mask": 1, "end_mask": 3}),
    "strided_slice_shrink": ("STRIDED_SLICE", [("x", (3, 4)), ("c", [1, 0]), ("c", [2, 4]), ("c", [1, 1])], [(4,)],
                             "StridedSliceOptions", {"shrink_axis_mask": 1}),
    "mirror_pad_symmetric": ("MIRROR_PAD", [("x", (3, 4)), ("c", [[2, 1], [0, 3]])], [(6, 7)], "MirrorPadOptions",
                             {"mode": 1}),
    "pad_2d": ("PAD", [("x", (2, 3)), ("c", [[1, 0], [2, 2]])], [(3, 7)], "PadOptions", {}),
    "add_broadcast_both_relu": ("ADD", [("x", (2, 1, 4)), ("x", (3, 1))], [(2, 3, 4)], "AddOptions",
                                {"fused_activation_function": 1}),
    "mul_broadcast_both_relu6": ("MUL", [("x", (1, 3, 1)), ("x", (2, 1, 4))], [(2, 3, 4)], "MulOptions",
                                 {"fused_activation_function": 3}),
    "sub_scalar": ("SUB", [("x", (2, 3)), ("x", ())], [(2, 3)], "SubOptions", {}),
    "maximum_broadcast": ("MAXIMUM", [("x", (2, 1)), ("x", (1, 3))], [(2, 3)], None, {}),
    "select_v2_broadcast": ("SELECT_V2", [("x", (2, 1), "bool"), ("x", (1, 3)), ("x", (2, 3))], [(2, 3)], None, {}),
    "max_pool_same_relu": ("MAX_POOL_2D", [("x", (1, 5, 5, 2))], [(1, 3, 3, 2)], "Pool2DOptions",
                           {"padding": 0, "stride_w": 2, "stride_h": 2, "filter_width": 3, "filter_height": 3,
                            "fused_activation_function": 1}),
    "avg_pool_same_n2": ("AVERAGE_POOL_2D", [("x", (2, 5, 5, 2))], [(2, 3, 3, 2)], "Pool2DOptions",
                         {"padding": 0, "stride_w": 2, "stride_h": 2, "filter_width": 3, "filter_height": 3}),
    "resize_nn_align": ("RESIZE_NEAREST_NEIGHBOR", [("x", (1, 2, 3, 2)), ("c", [5, 4])], [(1, 5, 4, 2)],
                        "ResizeNearestNeighborOptions", {"align_corners": True}),
    "resize_bilinear_half_pixel": ("RESIZE_BILINEAR", [("x", (2, 2, 3, 2)), ("c", [5, 4])], [(2, 5, 4, 2)],
                                   "ResizeBilinearOptions", {"half_pixel_centers": True}),
    "l2_normalization_rows": ("L2_NORMALIZATION", [("x", (3, 5))], [(3, 5)], "L2NormOptions", {}),
    "batch_matmul_adj_broadcast": ("BATCH_MATMUL", [("x", (2, 4, 3)), ("x", (1, 5, 4))], [(2, 3, 5)],
                                   "BatchMatMulOptions", {"adj_x": True, "adj_y": True}),
    "depth_to_space_n2": ("DEPTH_TO_SPACE", [("x", (2, 2, 2, 12))], [(2, 4, 4, 3)], "DepthToSpaceOptions",
                          {"block_size": 2}),
    "space_to_batch_padded": ("SPACE_TO_BATCH_ND", [("x", (2, 3, 3, 2)), ("c", [2, 2]), ("c", [[1, 0], [0, 1]])],
                              [(8, 2, 2, 2)], "SpaceToBatchNDOptions", {}),
    "batch_to_space_cropped": ("BATCH_TO_SPACE_ND", [("x", (8, 2, 2, 2)), ("c", [2, 2]), ("c", [[1, 0], [0, 1]])],
                               [(2, 3, 3, 2)], "BatchToSpaceNDOptions", {}),
    "dynamic_update_slice_clamped": ("DYNAMIC_UPDATE_SLICE", [("x", (3, 4)), ("x", (2, 2)), ("c", [2, 3])], [(3, 4)],
                                     None, {}),
    "fill_activation_value": ("FILL", [("c", [2, 3]), ("x", ())], [(2, 3)], "FillOptions", {}),
    "broadcast_to_3d": ("BROADCAST_TO", [("x", (3, 1)), ("c", [2, 3, 4])], [(2, 3, 4)], "BroadcastToOptions", {}),
    **{f"{op.lower()}_{name}": (op, [("x", (2, 3, 4)), ("c", axes)], [shape], "ReducerOptions", {"keep_dims": keep})
       for op in ("MEAN", "SUM", "REDUCE_MAX", "REDUCE_MIN")
       for name, axes, shape, keep in (("axis0", [0], (3, 4), False), ("axes0-1_keep", [0, -1], (1, 3, 1), True),
                                       ("all", [0, 1, 2], (), False))},
}
# prepare refuses a configuration the TFLM wheel runs: (variant, reason)
VARIANT_BUGS: dict = {}  # name -> spec of a variant that exposes a known op bug (xfail strict)
VARIANT_BUG_REASONS: dict = {}


def _variant_model(spec, dtype: str) -> Model:
    from mcuml.ir.build import ModelBuilder

    op, ins, outs, kind, opts = spec
    quant = {"int8": {"scale": 0.05, "zero_point": 3}}

    def q(dt: str) -> dict:
        fixed = {"L2_NORMALIZATION": {"scale": 1 / 128, "zero_point": 0}}
        return fixed.get(op, quant.get(dt, {})) if dt == "int8" else {}

    b = ModelBuilder()
    tensors = []
    for k, spec_in in enumerate(ins):
        if spec_in[0] == "c":
            tensors.append(b.const(f"c{k}", np.asarray(spec_in[1], np.int32)))
        else:
            dt = spec_in[2] if len(spec_in) > 2 else dtype
            tensors.append(b.input(f"x{k}", spec_in[1], dt, **quant.get(dt, {})))
    outputs = []
    for k, spec_out in enumerate(outs):
        shape, dt = spec_out if spec_out and isinstance(spec_out[-1], str) else (spec_out, dtype)
        outputs.append(b.tensor(f"y{k}", shape, dt, **q(dt)))
    b.op(op, tensors, outputs, kind, **opts)
    b.output(*outputs)
    return b.build()


@pytest.mark.parametrize("dtype", ["int8", "float32"])
@pytest.mark.parametrize("name", list(VARIANTS) + [pytest.param(n, marks=pytest.mark.xfail(
    strict=True, reason=VARIANT_BUG_REASONS[n])) for n in VARIANT_BUGS])
def test_variants_keep_the_eval_contract(name, dtype):
    spec = VARIANTS.get(name) or VARIANT_BUGS[name]
    run = Run(_variant_model(spec, dtype))
    check_writes(name, DType[dtype], run)
    check_batch(name, DType[dtype], run)


# -- the checks catch what they claim to (deliberately broken kernels around a good one) -------------
class _Broken(Op):
    def __init__(self, inner, how: str) -> None:
        self.inner, self.how = inner, how

    def eval(self, params, inputs, outputs) -> None:
        if self.how == "rebind":  # computes into fresh arrays and never writes the views
            outputs = [np.empty_like(o) for o in outputs]
        if self.how == "partial":  # leaves each sample's last element as it was
            tmp = [np.empty_like(o) for o in outputs]
            self.inner.eval(params, inputs, tmp)
            flat = outputs[0].reshape(outputs[0].shape[0], -1)
            flat[:, :-1] = tmp[0].reshape(flat.shape)[:, :-1]
            return
        self.inner.eval(params, inputs, outputs)
        if self.how == "clobber_input":
            inputs[0][...] = 0
        elif self.how == "mix_samples":
            outputs[0][...] = outputs[0][:1]


def _broken_run(how: str) -> Run:
    from dataclasses import replace

    model, _ = probe("RELU", DType.int8)
    run = Run(model)
    run.bn = replace(run.bn, op=_Broken(run.bn.op, how))
    return run


@pytest.mark.parametrize("how,check", [("rebind", check_writes), ("partial", check_writes),
                                       ("clobber_input", check_writes), ("mix_samples", check_batch)])
def test_contract_checks_catch_broken_kernels(how, check):
    check("RELU", DType.int8, Run(probe("RELU", DType.int8)[0]))  # the real kernel passes
    with pytest.raises(AssertionError):
        check("RELU", DType.int8, _broken_run(how))


# -- coverage object ----------------------------------------------------------------------------------
def test_op_coverage_lists_every_tflm_builtin_and_what_is_missing():
    from mcuml.ops._tflm import TFLM_BUILTINS

    cov = op_coverage()
    assert {o.name for o in cov.ops if o.in_tflm} == set(TFLM_BUILTINS)
    assert set(cov.missing) == set(TFLM_BUILTINS) - set(OPS)
    assert cov.tflm_covered + len(cov.missing) == cov.tflm_total == len(TFLM_BUILTINS)
    conv = cov.get("CONV_2D")
    assert conv.implemented and conv.module == "mcuml.ops.conv_2d"
    assert conv.tflm_source.startswith("tensorflow/lite/")
    assert {"float32", "int8", "int16"} <= set(conv.dtypes)
    assert cov.get("LOGICAL_AND").dtypes == ("bool",)
    for name in cov.missing:
        assert cov.get(name).dtypes == () and cov.get(name).module is None
    # a module porting several kernels cites each op's own file
    assert cov.get("UNPACK").tflm_source == "tensorflow/lite/micro/kernels/unpack.cc"
    assert cov.get("BROADCAST_TO").tflm_source == "tensorflow/lite/micro/kernels/broadcast_to.cc"


def test_tflm_source_picks_the_ops_own_file():
    doc = "Ports ``tensorflow/lite/micro/kernels/pack.cc`` and ``unpack.cc``."
    assert tflm_source(doc) == "tensorflow/lite/micro/kernels/pack.cc"
    assert tflm_source(doc, "PACK") == "tensorflow/lite/micro/kernels/pack.cc"
    assert tflm_source(doc, "UNPACK") == "tensorflow/lite/micro/kernels/unpack.cc"
    assert tflm_source(doc, "SPLIT") == "tensorflow/lite/micro/kernels/pack.cc"
    assert tflm_source("no citation here") is None


# -- `mcuml check --interpreter` reads the same coverage ---------------------------------------------
def _one_op_model(op: str, dtype: str, kind: str | None = None, **opts) -> Model:
    from mcuml.ir.build import ModelBuilder

    b = ModelBuilder()
    q = {"scale": 0.05, "zero_point": 0} if dtype == "int8" else {}
    x = b.input("x", (1, 4), dtype, **q)
    y = b.tensor("y", (1, 4), dtype, **q)
    b.op(op, [x], [y], kind, **opts)
    b.output(y)
    return b.build()


@pytest.fixture
def missing_builtin(monkeypatch):
    """mcuml runs every TFLM builtin now: unregister one (WHILE) for the tests of what is missing."""
    from mcuml.ops import REGISTRY, registry

    registry()  # load every op module first
    monkeypatch.delitem(REGISTRY, "WHILE")
    op_coverage.cache_clear()
    yield "WHILE"
    op_coverage.cache_clear()


def test_check_interpreter_names_missing_tflm_builtins_from_coverage(missing_builtin):
    from mcuml.check import check

    cov = op_coverage()
    missing = cov.missing[0]
    assert missing == missing_builtin
    r = check(_one_op_model(missing, "float32"), interpreter=True)
    assert r.runs_on_mcuml is False and r.mcuml_missing_ops == (missing,)
    reason = r.interpreter_problems[0].reason
    assert "no kernel" in reason and "TFLM builtin" in reason
    assert f"{cov.tflm_covered} of TFLM's {cov.tflm_total}" in reason
    custom = check(_one_op_model("CUSTOM:Mine", "float32"), interpreter=True)
    assert custom.mcuml_missing_ops == ("CUSTOM:Mine",) and "custom op 'Mine'" in custom.interpreter_problems[0].reason
    ok = check(_one_op_model("RELU", "float32"), interpreter=True)
    assert ok.runs_on_mcuml is True and ok.mcuml_missing_ops == () and ok.interpreter_problems == ()


def test_check_interpreter_lists_the_types_a_kernel_runs():
    from mcuml.check import check
    from mcuml.ir.build import ModelBuilder

    b = ModelBuilder()  # hybrid: float32 activations, int8 weights
    x = b.input("x", (1, 4), "float32")
    w = b.const("w", np.ones((3, 4), np.int8), scale=0.1, zero_point=0)
    y = b.tensor("y", (1, 3), "float32")
    b.op("FULLY_CONNECTED", [x, w, None], [y], "FullyConnectedOptions")
    b.output(y)
    r = check(b.build(), interpreter=True)
    assert r.runs_on_mcuml is False and r.mcuml_missing_ops == ()
    runs = ", ".join(op_coverage().get("FULLY_CONNECTED").dtypes)
    assert r.interpreter_problems[0].reason.endswith(f"(mcuml's FULLY_CONNECTED kernel runs {runs})")
    ceil = check(_one_op_model("CEIL", "int8"), interpreter=True).interpreter_problems[0].reason
    assert "supported: float32" in ceil and "kernel runs" not in ceil  # already says it


def test_check_cli_json_carries_missing_ops(tmp_path, missing_builtin):
    import json

    from click.testing import CliRunner

    from mcuml.cli import cli

    path = tmp_path / "m.tflite"
    path.write_bytes(_one_op_model(op_coverage().missing[0], "float32").to_bytes())
    res = CliRunner().invoke(cli, ["check", "--interpreter", "--json", str(path)])
    assert res.exit_code == 1, res.output
    data = json.loads(res.output)
    assert data["runs_on_mcuml"] is False
    assert data["mcuml_missing_ops"] == [op_coverage().missing[0]]
