"""``mcuml eval --ray``: the samples sharded over a (local) Ray cluster give the local run's outputs, bit for bit."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

ray = pytest.importorskip("ray")

import mcuml  # noqa: E402
from mcuml.cli import main  # noqa: E402
from mcuml.evaluate_ray import chunks, run_ray  # noqa: E402
from mcuml.evaluation import evaluate, run_local  # noqa: E402
from mcuml.interp.interpreter import quantize_input  # noqa: E402
from mcuml.tflite.reader import load_model  # noqa: E402

pytestmark = pytest.mark.ray
EXAMPLE = str(Path(mcuml.__file__).parent / "data" / "example_cnn.tflite")


def test_bad_address_is_a_clear_error(tmp_path, capsys):
    assert not ray.is_initialized()  # runs before the cluster fixture starts one
    np.savez(tmp_path / "d.npz", x=np.zeros((4, 32, 32, 3), np.float32), y=np.zeros(4, np.int64))
    assert main(["eval", EXAMPLE, "--data", str(tmp_path / "d.npz"), "--ray", "127.0.0.1:9"]) == 2
    err = capsys.readouterr().err
    assert "Ray cluster" in err and "Traceback" not in err


@pytest.fixture(scope="module")
def cluster():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="error")
    yield
    ray.shutdown()


def test_chunks_cover_every_sample_once():
    for n, w in ((1, 1), (31, 2), (200, 2), (1000, 3)):
        c = chunks(n, w)
        assert c[0][0] == 0 and c[-1][1] == n and all(a[1] == b[0] for a, b in zip(c, c[1:]))


def test_ray_outputs_equal_local(cluster, tmp_path, capsys):
    m = load_model(EXAMPLE)
    rng = np.random.default_rng(0)
    x = quantize_input(rng.uniform(0, 1, (150, 32, 32, 3)).astype(np.float32), m.main.inputs[0])
    (local,) = run_local(m, [x])
    for workers in (1, 2):
        (got,), backend = run_ray(m, [x], address="auto", workers=workers)
        assert np.array_equal(got, local) and got.dtype == np.int8
        assert backend == f"ray auto ({workers} worker{'s' if workers > 1 else ''})"
    y = rng.integers(0, 10, 150)
    np.savez(tmp_path / "d.npz", x=rng.uniform(0, 1, x.shape).astype(np.float32), y=y)
    a = evaluate(EXAMPLE, tmp_path / "d.npz")
    assert main(["eval", EXAMPLE, "--data", str(tmp_path / "d.npz"), "--ray", "auto", "--ray-workers", "2",
                 "--json"]) == 0
    b = json.loads(capsys.readouterr().out)
    assert b["backend"] == "ray auto (2 workers)" and b["top1"] == a.top1
    assert [tuple(r) for r in b["confusion"]] == list(a.confusion)
