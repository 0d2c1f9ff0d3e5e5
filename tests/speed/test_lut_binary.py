"""Same-shape int8 binary ops gather from their 64K table in slabs straight into the output."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ops"))

from pw_util import binary_model

from mcuml import Interpreter
from mcuml.ops import _pointwise


def test_slabs_cover_every_element(monkeypatch) -> None:
    monkeypatch.setattr(_pointwise, "LUT_CHUNK", 1000)
    rng = np.random.default_rng(0)
    lut = rng.integers(-128, 128, 1 << 16).astype(np.int8)
    a, b = (rng.integers(0, 256, 2 * 1000 + 37).astype(np.uint8) for _ in range(2))
    out = np.zeros(a.shape, np.int8)
    _pointwise._lut_binary(lut, a, b, out)
    assert np.array_equal(out, lut[(a.astype(np.intp) << 8) | b])


@pytest.mark.parametrize("op", ["ADD", "SUB", "MUL"])
def test_batched_same_shape_matches_invoke(op, monkeypatch) -> None:
    monkeypatch.setattr(_pointwise, "LUT_CHUNK", 100)  # several slabs per call, one ending mid-sample
    rng = np.random.default_rng(7)
    shape = (1, 6, 5, 3)
    m = binary_model(op, shape, shape, "int8", (0.07, -5), (0.03, 11), (0.09, 2),
                     {"ADD": "AddOptions", "SUB": "SubOptions", "MUL": "MulOptions"}[op])
    it = Interpreter(model_content=m)
    xs = [rng.integers(-128, 128, (9, *shape)).astype(np.int8) for _ in range(2)]
    got = it.run(xs, workers=1)[0]
    ins = [d["index"] for d in it.get_input_details()]
    for s in range(9):
        for i, x in zip(ins, xs):
            it.set_tensor(i, x[s])
        it.invoke()
        assert np.array_equal(got[s], it.get_tensor(it.get_output_details()[0]["index"]))
    assert it.compiled.nodes[0].params.lut is not None
