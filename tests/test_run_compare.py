"""``mcuml run`` / ``mcuml compare``: library functions and CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mcuml.cli import main
from mcuml.ops import lookup
from mcuml.runner import compare_with_tflm, run_model
from oracle import model_path

KWS = "mlcommons_tiny/kws_ref_model.tflite"


def test_run_writes_npz_and_json(tmp_path, capsys):
    p = model_path(KWS)
    out = tmp_path / "out.npz"
    assert main(["run", str(p), "--output", str(out), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["outputs"][0]["shape"] == [1, 12]
    with np.load(out) as z:
        assert z["output_0"].shape == (1, 12) and z["output_0"].dtype == np.int8


def test_run_with_input_file_and_quantize(tmp_path):
    p = model_path(KWS)
    x = np.random.default_rng(1).standard_normal((1, 49, 10, 1)).astype(np.float32)
    np.savez(tmp_path / "in.npz", input_0=x)
    r = run_model(p, input_path=str(tmp_path / "in.npz"), quantize_input=True)
    assert r.inputs[0].dtype == "int8"
    assert main(["run", str(p), "--input", str(tmp_path / "in.npz")]) == 2  # float data, no --quantize-input


def test_run_bad_shape_is_input_error(tmp_path, capsys):
    p = model_path(KWS)
    np.save(tmp_path / "x.npy", np.zeros((3, 3), np.int8))
    assert main(["run", str(p), "--input", str(tmp_path / "x.npy")]) == 2
    assert "expected shape" in capsys.readouterr().err


def test_compare_all_layers_match():
    r = compare_with_tflm(model_path(KWS))
    assert r.all_match and len(r.layers) == 13


def test_compare_pinpoints_injected_error(monkeypatch, capsys):
    op = lookup("DEPTHWISE_CONV_2D")
    real = op.eval
    calls = {"n": 0}

    def corrupted(params, inputs, outputs):
        real(params, inputs, outputs)
        calls["n"] += 1
        if calls["n"] == 3:  # the third depthwise layer is off by one somewhere
            flat = outputs[0].reshape(-1)
            flat[17] = np.int8(flat[17] ^ 1)

    monkeypatch.setattr(op, "eval", corrupted)
    p = model_path(KWS)
    r = compare_with_tflm(p)
    assert not r.all_match
    m = r.first_mismatch
    assert m is not None and m.op == "DEPTHWISE_CONV_2D" and m.n_diff == 1 and m.max_abs_diff == 1
    dw_nodes = [lm.index for lm in r.layers if lm.op == "DEPTHWISE_CONV_2D"]
    assert m.index == dw_nodes[2]
    calls["n"] = 0
    assert main(["compare", str(p)]) == 1
    assert f"node {m.index} (DEPTHWISE_CONV_2D)" in capsys.readouterr().out


@pytest.mark.parametrize("args,code", [(["run", "/nonexistent.tflite"], 2), (["compare", "/nonexistent.tflite"], 2),
                                       (["run"], 2), (["no-such-command"], 2)])
def test_cli_usage_errors(args, code, capsys):
    assert main(args) == code
    assert "Traceback" not in capsys.readouterr().err


FLOAT_RESNET = "mlcommons_tiny/pretrainedResnet.tflite"


def test_compare_float_model_one_rule_for_layers_and_outputs(capsys):
    """Float kernels may differ in the last bits (summation order): the layers and the outputs pass the same rule."""
    r = compare_with_tflm(model_path(FLOAT_RESNET))
    assert r.all_match and r.outputs_match and all(lm.match for lm in r.layers)
    worst = max(o.max_abs_diff for o in r.outputs)
    assert worst < 1e-5 and "1e-05 * max(1, |TFLM|)" in r.tolerance
    assert main(["compare", str(model_path(FLOAT_RESNET))]) == 0
    out = capsys.readouterr().out
    # "identical" once the float kernels agree to the bit (they do after the exact exp/log work), else "match"
    assert ("final outputs match" in out or "final outputs identical" in out) and "DIFFER" not in out
    assert "rule: " in out


def test_compare_float_beyond_tolerance_is_a_mismatch(monkeypatch, capsys):
    op = lookup("SOFTMAX")
    real = op.eval

    def nudged(params, inputs, outputs):
        real(params, inputs, outputs)
        if np.issubdtype(outputs[0].dtype, np.floating):
            outputs[0].reshape(-1)[0] += np.float32(1e-3)

    monkeypatch.setattr(op, "eval", nudged)
    r = compare_with_tflm(model_path(FLOAT_RESNET))
    assert not r.outputs_match and r.first_mismatch is not None and r.first_mismatch.op == "SOFTMAX"
    assert r.first_mismatch.n_diff == 1 and abs(r.first_mismatch.max_abs_diff - 1e-3) < 1e-6
    assert main(["compare", str(model_path(FLOAT_RESNET))]) == 1


def test_run_dequantized_beside_raw_and_says_random(capsys):
    p = model_path(KWS)
    assert main(["run", str(p), "--json"]) == 0
    cap = capsys.readouterr()
    d = json.loads(cap.out)
    assert d["random_input"] is True and d["input_source"] == "random (seed 0)" and "random data" in cap.err
    o = d["outputs"][0]
    assert o["scale"] == 0.00390625 and o["zero_point"] == -128
    assert o["dequantized"]["values"] == [0.00390625 * (v + 128) for v in o["values"]]
    assert main(["run", str(p)]) == 0
    assert "dequantized" in capsys.readouterr().out


def test_run_batch_with_tensor_name_keys(tmp_path):
    p = model_path(KWS)
    x = np.random.default_rng(2).integers(-128, 128, (6, 1, 49, 10, 1), dtype=np.int8)
    np.savez(tmp_path / "b.npz", input_1=x)  # the input tensor's name, not input_0
    r = run_model(p, input_path=str(tmp_path / "b.npz"), output_path=str(tmp_path / "o.npz"))
    assert r.samples == 6 and not r.random_input and r.outputs[0].shape == (6, 1, 12)
    from mcuml.interp.interpreter import Interpreter

    it = Interpreter(model_path=p)
    it.allocate_tensors()
    want = []
    for s in x:  # one invoke per sample gives the same outputs as the batch
        it.set_tensor(it.get_input_details()[0]["index"], s)
        it.invoke()
        want.append(it.get_tensor(it.get_output_details()[0]["index"]))
    with np.load(tmp_path / "o.npz") as z:
        assert np.array_equal(z["output_0"], np.stack(want))
    np.savez(tmp_path / "s.npz", input_1=x[:, 0])  # (N, 49, 10, 1): stacked on the batch axis
    assert run_model(p, input_path=str(tmp_path / "s.npz")).outputs[0].shape == (6, 12)
