"""ONNX converter: op coverage, layout conversion, float exactness, int8 TFLM bit-exactness, errors.

Small graphs are written in PyTorch and exported with the TorchScript exporter (the same path as
``from_torch``); the unsupported-op test builds its graph with ``onnx.helper`` directly.
"""

from __future__ import annotations


import numpy as np
import pytest

torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
nn = torch.nn
F = nn.functional

pytestmark = [pytest.mark.onnx, pytest.mark.torch]


def _export(module: nn.Module, shape: tuple[int, ...]) -> bytes:
    from mcuml.convert.torch import export_onnx

    return export_onnx(module.eval(), torch.zeros(shape))


def _ops(tflite: bytes) -> list[str]:
    from mcuml import load_model

    return [op.name for op in load_model(tflite).main.operators]


class Mixed(nn.Module):
    """Every lowering that conv-style models use, in one graph."""

    def __init__(self) -> None:
        super().__init__()
        self.c1 = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.dw = nn.Conv2d(8, 8, 3, padding=1, groups=8)
        self.pw = nn.Conv2d(8, 6, 1)
        self.up = nn.ConvTranspose2d(6, 4, 4, stride=2, padding=1)
        self.up2 = nn.ConvTranspose2d(4, 4, 3, stride=2, padding=1, output_padding=1)
        self.fc = nn.Linear(18 * 5 * 5, 7)

    def forward(self, x):  # noqa: D102
        x = F.relu(self.bn(self.c1(x)))                       # 16x16, explicit PAD (PyTorch stride-2 pads)
        a = F.leaky_relu(self.dw(x), 0.1)
        b = F.hardswish(self.pw(a))
        c = torch.sigmoid(b) * torch.tanh(b) - F.hardsigmoid(b)
        c = F.pad(c, (1, 0, 0, 1))                            # 17x17
        c = F.avg_pool2d(c, 3, stride=2, padding=1)           # 9x9 (count_include_pad -> PAD + VALID)
        c = F.max_pool2d(c, 2, stride=2, ceil_mode=True)      # 5x5 (ceil: PADV2 with the lowest value)
        u = self.up2(F.relu(self.up(c)))                      # 10x10 -> 20x20 (SAME, then VALID + SLICE)
        u = F.interpolate(u, scale_factor=0.25, mode="nearest")  # 5x5
        u = torch.cat([u, u * 0.5 + 1.0, F.interpolate(c, size=(5, 5), mode="nearest"),
                       u - u.mean(dim=(2, 3), keepdim=True)], dim=1)
        flat = u.reshape(u.shape[0], -1)
        return torch.softmax(self.fc(flat), dim=-1), torch.clamp(u, -0.5, 0.75).mean(dim=(2, 3))


@pytest.fixture(scope="module")
def mixed():
    torch.manual_seed(0)
    m = Mixed().eval()
    with torch.no_grad():
        m.bn.running_mean.uniform_(-0.2, 0.2)
        m.bn.running_var.uniform_(0.5, 2.0)
    cal = np.random.default_rng(0).standard_normal((64, 3, 32, 32)).astype(np.float32)
    return m, _export(m, (1, 3, 32, 32)), cal


def test_float_conversion_matches_onnxruntime(mixed):
    from mcuml.convert.onnx import convert_onnx

    _, model, cal = mixed
    res = convert_onnx(model, quantize="float", calibration=cal[:16])
    assert res.quantize == "float" and res.io == "float" and res.runs_on_tflm
    assert res.agreement is not None and res.agreement.relative_error < 1e-5, res.agreement
    ops = set(res.ops)
    assert {"CONV_2D", "DEPTHWISE_CONV_2D", "TRANSPOSE_CONV", "PAD", "PADV2", "AVERAGE_POOL_2D", "MAX_POOL_2D",
            "RESIZE_NEAREST_NEIGHBOR", "CONCATENATION", "SOFTMAX", "MEAN", "FULLY_CONNECTED", "SLICE",
            "LEAKY_RELU", "HARD_SWISH", "LOGISTIC", "TANH", "MUL", "ADD", "SUB"} - ops == set()
    assert res.input_shapes == ((1, 32, 32, 3),) and res.input_layouts == ("NHWC (ONNX NCHW)",)


def test_int8_mixed_bit_exact_and_constraints(mixed):
    from mcuml import load_model
    from mcuml.convert.onnx import convert_onnx
    from mcuml.interp.interpreter import quantize_input
    from oracle import differential

    _, model, cal = mixed
    res = convert_onnx(model, calibration=cal, evaluate_samples=64, layer_samples=8)
    m = load_model(res.tflite)
    sg = m.main
    for op in sg.operators:
        if op.name in ("SOFTMAX", "LOGISTIC"):
            assert (op.outputs[0].scale, op.outputs[0].zero_point) == (1 / 256, -128)
        if op.name == "TANH":
            assert (op.outputs[0].scale, op.outputs[0].zero_point) == (1 / 128, 0)
        if op.name in ("CONCATENATION", "MAX_POOL_2D", "PAD", "RESHAPE", "SLICE", "MAXIMUM", "MINIMUM"):
            q = {(t.scale, t.zero_point) for t in [*op.inputs, *op.outputs] if t is not None and t.dtype.name == "int8"}
            assert len(q) == 1, (op.name, q)
        if op.name in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "TRANSPOSE_CONV"):
            w, b = (op.inputs[1], op.inputs[2]) if op.name != "TRANSPOSE_CONV" else (op.inputs[1], op.inputs[3])
            x = op.inputs[0] if op.name != "TRANSPOSE_CONV" else op.inputs[2]
            assert w.dtype.name == "int8" and b.dtype.name == "int32"
            assert w.quantization.quantized_dimension == (3 if op.name == "DEPTHWISE_CONV_2D" else 0)
            assert len(w.quantization.scale) == w.shape[w.quantization.quantized_dimension]
            np.testing.assert_allclose(b.quantization.scale, np.float32(x.scale) * np.float32(w.quantization.scale),
                                       rtol=1e-6)
            assert set(w.quantization.zero_point) == {0} and int(np.abs(w.data).max()) <= 127
    x = quantize_input(np.ascontiguousarray(cal[:3].transpose(0, 2, 3, 1)), sg.inputs[0])
    for i in range(3):
        differential(res.tflite, [x[i:i + 1]])
    assert res.agreement.relative_error < 0.1, res.agreement
    assert [e.op for e in res.report.layers][:2] == ["PAD", "CONV_2D"]
    assert "SQNR per layer" in res.report.format()


def test_float_io_and_per_tensor(mixed, tmp_path):
    from mcuml import load_model
    from mcuml.convert.calibration import save_calibration
    from mcuml.convert.onnx import convert_onnx
    from oracle import differential

    _, model, cal = mixed
    p = tmp_path / "m.onnx"
    p.write_bytes(model)
    calib = save_calibration(tmp_path / "cal.npz", cal)
    res = convert_onnx(p, tmp_path / "m.tflite", calibration=calib, io="float", per_tensor=True,
                       method="percentile", evaluate_samples=32, layer_samples=4)
    assert (tmp_path / "m.tflite").read_bytes() == res.tflite
    ops = _ops(res.tflite)
    assert ops[0] == "QUANTIZE" and ops[-1] == "DEQUANTIZE" and ops.count("DEQUANTIZE") == 2
    sg = load_model(res.tflite).main
    assert sg.inputs[0].dtype.name == "float32" and sg.outputs[0].dtype.name == "float32"
    for op in sg.operators:
        if op.name == "CONV_2D":
            assert len(set(op.inputs[1].quantization.scale)) == 1
    differential(res.tflite, [np.ascontiguousarray(cal[:1].transpose(0, 2, 3, 1))])


@pytest.mark.parametrize("method", ["minmax", "percentile", "mse"])
def test_calibration_methods_give_close_results(method):
    from mcuml.convert.torch import convert_torch

    torch.manual_seed(1)
    m = nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 8)).eval()
    cal = np.random.default_rng(1).standard_normal((300, 20)).astype(np.float32)
    res = convert_torch(m, cal[:1], cal, method=method, evaluate_samples=300, layer_samples=16)
    assert res.agreement.relative_error < 0.03, (method, res.agreement)
    assert _ops(res.tflite) == ["FULLY_CONNECTED", "FULLY_CONNECTED"]  # ReLU fused


def test_flatten_needs_no_transpose_but_elementwise_does():
    """A flatten feeding FC permutes the FC weights; one feeding a non-FC op gets a TRANSPOSE (exact)."""
    from mcuml.convert.onnx import convert_onnx

    class Two(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.c = nn.Conv2d(2, 3, 1)
            self.fc = nn.Linear(3 * 4 * 5, 4)

        def forward(self, x):  # noqa: D102
            y = self.c(x).flatten(1)
            return self.fc(F.relu(y)), torch.sigmoid(y)

    torch.manual_seed(0)
    model = _export(Two(), (1, 2, 4, 5))
    cal = np.random.default_rng(0).standard_normal((8, 2, 4, 5)).astype(np.float32)
    res = convert_onnx(model, quantize="float", calibration=cal)
    assert _ops(res.tflite).count("TRANSPOSE") == 1
    assert res.agreement.relative_error < 1e-5


def test_unsupported_nodes_all_listed():
    from onnx import TensorProto, helper

    from mcuml.convert.onnx import convert_onnx
    from mcuml.errors import ConversionError

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])
    nodes = [helper.make_node("Relu", ["x"], ["a"], name="ok"), helper.make_node("Erf", ["a"], ["b"], name="erf1"),
             helper.make_node("Sin", ["b"], ["c"], name="sin1"), helper.make_node("Erf", ["c"], ["y"], name="erf2")]
    model = helper.make_model(helper.make_graph(nodes, "g", [x], [y]), opset_imports=[helper.make_opsetid("", 17)])
    with pytest.raises(ConversionError) as e:
        convert_onnx(model.SerializeToString(), quantize="float")
    msg = str(e.value)
    assert "3 unsupported" in msg and "erf1" in msg and "sin1" in msg and "erf2" in msg
    assert len(e.value.context["problems"]) == 3


def test_needs_calibration_for_int8():
    from mcuml.convert.onnx import convert_onnx
    from mcuml.errors import InputError

    model = _export(nn.Sequential(nn.Linear(4, 2)), (1, 4))
    with pytest.raises(InputError):
        convert_onnx(model)


def test_dispatcher_and_import_stays_light(tmp_path):
    import subprocess
    import sys

    from mcuml.convert import convert

    model = _export(nn.Sequential(nn.Linear(4, 3), nn.Sigmoid()), (1, 4))
    p = tmp_path / "m.onnx"
    p.write_bytes(model)
    res = convert(p, tmp_path / "m.tflite", calibration=np.random.default_rng(0).standard_normal((32, 4)))
    assert res.ops == ("FULLY_CONNECTED", "LOGISTIC") and res.runs_on_tflm
    code = "import sys, mcuml, mcuml.convert, mcuml.convert.onnx, mcuml.convert.torch; " \
           "print(any(m in sys.modules for m in ('onnx', 'torch', 'onnxruntime', 'tensorflow')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_cli_converts_onnx_with_calibration(mixed, tmp_path, capsys):
    import json

    from mcuml.cli import main
    from mcuml.convert.calibration import save_calibration

    _, onnx_bytes, cal = mixed
    (tmp_path / "m.onnx").write_bytes(onnx_bytes)
    save_calibration(tmp_path / "cal.npz", [cal[:32]])
    out = tmp_path / "m.tflite"
    assert main(["convert", str(tmp_path / "m.onnx"), "-o", str(out), "--calibration", str(tmp_path / "cal.npz"),
                 "-q", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["runs_on_tflm"] is True and out.exists()
    assert main(["check", str(out)]) == 0


def test_nhwc_calibration_for_an_nchw_model_is_refused_with_a_hint(tmp_path, capsys):
    """Issue 16.4: NHWC samples for an NCHW model used to be reshaped silently (pixels scrambled)."""
    from mcuml.cli import main

    torch.manual_seed(0)
    (tmp_path / "c.onnx").write_bytes(_export(nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU()), (1, 3, 8, 8)))
    nchw = np.random.default_rng(1).standard_normal((16, 3, 8, 8)).astype(np.float32)
    np.savez(tmp_path / "nhwc.npz", input_0=nchw.transpose(0, 2, 3, 1))
    np.savez(tmp_path / "nchw.npz", input_0=nchw)
    args = ["convert", str(tmp_path / "c.onnx"), "-q", "--calibration"]
    assert main([*args, str(tmp_path / "nhwc.npz"), "-o", str(tmp_path / "bad.tflite")]) == 2
    err = capsys.readouterr().err
    assert "looks NHWC for a NCHW model" in err and "--calibration-layout nhwc" in err
    assert not (tmp_path / "bad.tflite").exists()
    assert main([*args, str(tmp_path / "nhwc.npz"), "--calibration-layout", "nhwc", "-o", str(tmp_path / "a.tflite")]) == 0
    assert main([*args, str(tmp_path / "nchw.npz"), "-o", str(tmp_path / "b.tflite")]) == 0
    assert (tmp_path / "a.tflite").read_bytes() == (tmp_path / "b.tflite").read_bytes()
