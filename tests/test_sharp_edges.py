"""Issue 16.4's sharp edges, each a clear error (exit 2 for usage) or warning. The converter ones that need
TensorFlow/ONNX live with the converter tests (test_keras_convert, test_onnx_convert)."""

from __future__ import annotations

import numpy as np
import pytest
from oracle import model_path

from mcuml.cli import main
from mcuml.convert.calibration import from_arrays
from mcuml.errors import InputError

HELLO = "tflite_micro/hello_world_int8.tflite"


def test_codegen_arena_size_below_the_predicted_minimum(tmp_path, capsys):
    from mcuml import load_model
    from mcuml.plan.arena import predict_arena

    p = model_path(HELLO)
    need = predict_arena(load_model(p), target="cortex-m", kernels="cmsis-nn").arena_bytes
    args = ["codegen", str(p), "-t", "arduino", "--kernels", "cmsis-nn"]
    assert main([*args, "-o", str(tmp_path / "a"), "--arena-size", str(need - 1)]) == 2
    err = capsys.readouterr().err
    assert f"below the predicted minimum {need:,} B" in err and "--force" in err
    assert not (tmp_path / "a").exists()
    assert main([*args, "-o", str(tmp_path / "b"), "--arena-size", str(need)]) == 0
    assert main([*args, "-o", str(tmp_path / "c"), "--arena-size", str(need - 1), "--force"]) == 1
    assert "FORCED" in capsys.readouterr().err


def test_convert_float_with_int8_io_is_a_usage_error(tmp_path, capsys):
    src = tmp_path / "m.keras"
    src.write_bytes(b"never read: the options are refused first")
    assert main(["convert", str(src), "-o", str(tmp_path / "m.tflite"), "--float", "--io", "int8"]) == 2
    assert "--io int8 needs an int8 model" in capsys.readouterr().err
    assert main(["convert", str(src), "-o", str(tmp_path / "m.tflite"), "--calibration-layout", "nhwc",
                 "--float"]) == 2  # ONNX only


@pytest.mark.parametrize("cmd", ["plan", "fit"])
def test_plot_to_an_unsupported_extension(cmd, tmp_path, capsys):
    bad = tmp_path / "x.jpg"
    args = [cmd, str(model_path(HELLO)), "--plot", str(bad)] + (["-b", "nano33ble"] if cmd == "fit" else [])
    assert main(args) == 2
    assert ".jpg is not supported" in capsys.readouterr().err and not bad.exists()


def test_design_wrong_rank_input_is_a_usage_error(capsys):
    assert main(["design", "-b", "nano33ble", "--task", "image", "--input", "32x32"]) == 2
    err = capsys.readouterr().err
    assert "3-D per-sample inputs, not 2-D" in err and "32x32x3" in err


def test_design_has_a_default_latency_budget():
    from mcuml.design import DEFAULT_MAX_LATENCY_MS, design

    r = design("nano33ble", "imu", templates=["imu_cnn"], widths=[1, 4], depths=[2])
    assert r.max_latency_ms == DEFAULT_MAX_LATENCY_MS == 1000.0
    assert all(c.latency_ms <= 1000.0 for c in r.candidates)
    assert design("nano33ble", "imu", templates=["imu_cnn"], widths=[1], depths=[2],
                  max_latency_ms=None).max_latency_ms is None


def test_transposed_calibration_data_is_refused_not_reshaped():
    x = np.random.default_rng(0).standard_normal((4, 8, 8, 3)).astype(np.float32)
    with pytest.raises(InputError, match="looks NHWC for a NCHW model") as e:
        from_arrays(x).fit_shapes([(None, 3, 8, 8)])
    assert "--calibration-layout nhwc" in e.value.hint
    got = from_arrays(x).fit_shapes([(None, 3, 8, 8)], "nhwc").inputs[0]
    assert np.array_equal(got, x.transpose(0, 3, 1, 2))
    with pytest.raises(InputError, match="looks NCHW for a NHWC model"):
        from_arrays(x.transpose(0, 3, 1, 2)).fit_shapes([(None, 8, 8, 3)])
    flat = from_arrays(x.reshape(4, -1)).fit_shapes([(None, 8, 8, 3)]).inputs[0]  # flat rows keep their order
    assert np.array_equal(flat, x)
