"""The semantic-hostile corpus (tests/hostile_corpus.py): models that parse but may be wrong, built with the IR.

Oracle: the TFLM wheel's ``AllocateTensors`` verdict, in a subprocess (a TFLM CHECK aborts, some models
segfault it). ``check`` (without the interpreter) must give the same verdict on every model, and mcuml's
interpreter must never return a result for a model the wheel refuses; on the others it runs or refuses with
a ``McumlError``, never another exception.
"""

from __future__ import annotations

import numpy as np
import pytest

from hostile_corpus import CASES, build_case, wheel_verdicts
from mcuml.errors import McumlError

NAMES = list(CASES)


@pytest.fixture(scope="module")
def verdicts() -> dict[str, dict]:
    blobs = [build_case(n) for n in NAMES]
    return dict(zip(NAMES, wheel_verdicts(blobs)))


def test_corpus_size() -> None:
    assert len(CASES) >= 80
    bases = {b for b, _ in CASES.values()}
    assert len(bases) >= 15


def test_corpus_has_both_verdicts(verdicts) -> None:
    refused = sum(not v["ok"] for v in verdicts.values())
    assert 40 <= refused <= len(verdicts) - 40, refused  # a corpus of one verdict would prove nothing


def _interpreter_outcome(data: bytes) -> str:
    from mcuml import Interpreter

    try:
        it = Interpreter(model_content=data)
        it.allocate_tensors()
        for d in it.get_input_details():
            it.set_tensor(d["index"], np.zeros(tuple(d["shape"]), d["dtype"]))
        it.invoke()
        for d in it.get_output_details():
            it.get_tensor(d["index"])
    except McumlError as e:
        assert e.message and "\n" not in e.message
        return "refused"
    return "ran"


@pytest.mark.parametrize("name", NAMES)
def test_check_verdict_equals_wheel(name: str, verdicts) -> None:
    from mcuml.check import check

    data = build_case(name)
    want = verdicts[name]
    got = check(data)
    assert got.runs_on_tflm == want["ok"], (want, [p.reason for p in got.problems])
    ran = _interpreter_outcome(data)
    if not want["ok"]:
        assert ran == "refused", f"the interpreter returned a result for a model TFLM refuses ({want})"
