"""Calibration data loading (no TensorFlow needed)."""

from __future__ import annotations

import numpy as np
import pytest

from mcuml.convert.calibration import from_arrays, load_calibration, save_calibration
from mcuml.errors import InputError


def test_npz_multi_input(tmp_path):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((5, 4, 4, 3)), rng.standard_normal((5, 7))
    np.savez(tmp_path / "c.npz", input_0=a, input_1=b)
    d = load_calibration(tmp_path / "c.npz")
    assert d.n_inputs == 2 and d.n_samples == 5
    assert d.inputs[0].dtype == np.float32
    np.testing.assert_array_equal(d.inputs[1], b.astype(np.float32))
    s = list(d.samples(max_samples=3))
    assert len(s) == 3 and s[2][0].shape == (1, 4, 4, 3)
    np.testing.assert_array_equal(s[2][1][0], b[2].astype(np.float32))


def test_directory_concatenates_sorted(tmp_path):
    np.savez(tmp_path / "b.npz", input_0=np.full((2, 3), 2.0))
    np.savez(tmp_path / "a.npz", input_0=np.full((3, 3), 1.0))
    np.save(tmp_path / "c.npy", np.full((1, 3), 3.0))
    (tmp_path / "notes.txt").write_text("ignored")
    d = load_calibration(tmp_path)
    assert d.n_samples == 6
    np.testing.assert_array_equal(d.inputs[0][:, 0], [1, 1, 1, 2, 2, 3])
    assert load_calibration(tmp_path, max_samples=4).n_samples == 4


def test_save_roundtrip_and_fit_shapes(tmp_path):
    x = np.arange(24, dtype=np.float64).reshape(2, 12)
    p = save_calibration(tmp_path / "x", x)
    d = load_calibration(p).fit_shapes([(None, 2, 2, 3)])
    assert d.inputs[0].shape == (2, 2, 2, 3)
    with pytest.raises(InputError, match="per-sample shape"):
        d.fit_shapes([(1, 5)])
    with pytest.raises(InputError, match="input"):
        d.fit_shapes([(1, 12), (1, 3)])


@pytest.mark.parametrize("arrays, match", [
    ({"x": np.zeros((2, 2))}, "no array input_0"),
    ({"input_0": np.zeros((0, 2))}, "no samples"),
    ({"input_0": np.zeros((2, 2)), "input_1": np.zeros((3, 2))}, "sample count"),
    ({"input_0": np.array([[np.nan]])}, "NaN"),
])
def test_bad_files(tmp_path, arrays, match):
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(InputError, match=match):
        load_calibration(tmp_path / "bad.npz")


def test_missing_and_empty(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        load_calibration(tmp_path / "nope.npz")
    with pytest.raises(InputError, match="no .npz"):
        load_calibration(tmp_path)
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(InputError, match="cannot read"):
        load_calibration(tmp_path / "junk.npz")


def test_from_arrays_single():
    d = from_arrays(np.ones((4, 2), np.float64))
    assert d.n_inputs == 1 and d.inputs[0].dtype == np.float32 and d.take(2).n_samples == 2


def test_dispatcher_kinds(tmp_path):
    from mcuml.convert import source_kind

    assert source_kind("m.keras") == "keras" and source_kind("m.h5") == "keras"
    assert source_kind("m.onnx") == "onnx"
    (tmp_path / "sm").mkdir()
    (tmp_path / "sm" / "saved_model.pb").write_bytes(b"")
    assert source_kind(tmp_path / "sm") == "keras"
    with pytest.raises(InputError, match="unknown model type"):
        source_kind("m.pt")
    with pytest.raises(InputError, match="not a SavedModel"):
        source_kind(tmp_path)
