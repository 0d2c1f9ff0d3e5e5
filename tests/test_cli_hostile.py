"""No hostile file makes a CLI command exit 101 (internal error): a bad model is exit 2 with one ``error:`` line.

Both corpora: the semantic-hostile models of tests/hostile_corpus.py and seeded mutants of the shared models
(tests/fuzz_stages.py), through check, inspect, run, plan, fit, profile, codegen and deploy, in-process.
"""

from __future__ import annotations

import os

import pytest

from fuzz_stages import case_seed, load_sources, make_case
from hostile_corpus import CASES, build_case

BOARD = "nano33ble"
MUTANTS = int(os.environ.get("MCUML_FUZZ_CLI_CASES", "150"))


def _commands(path: str, out: str) -> dict[str, list[str]]:
    return {"check": ["check", path], "inspect": ["inspect", path], "run": ["run", path], "plan": ["plan", path],
            "fit": ["fit", path, "-b", BOARD], "profile": ["profile", path, "-b", BOARD],
            "codegen": ["codegen", path, "-t", "tflm-app", "-o", out + "/cg"],
            "deploy": ["deploy", path, "-b", BOARD, "-o", out + "/dep"]}


def _run_all(data: bytes, tmp_path, capsys) -> list[str]:
    from mcuml.cli import main

    p = tmp_path / "m.tflite"
    p.write_bytes(data)
    bad = []
    for name, argv in _commands(str(p), str(tmp_path)).items():
        rc = main(argv)
        err = capsys.readouterr().err
        errors = [ln for ln in err.splitlines() if ln.startswith("error:")]
        if rc == 101 or rc not in (0, 1, 2):
            bad.append(f"{name}: exit {rc}: {err.strip()[-300:]}")
        elif rc == 2 and len(errors) != 1:
            bad.append(f"{name}: exit 2 with {len(errors)} 'error:' lines: {err.strip()[-300:]}")
    return bad


@pytest.mark.parametrize("name", list(CASES))
def test_semantic_corpus_never_exits_101(name: str, tmp_path, capsys) -> None:
    bad = _run_all(build_case(name), tmp_path, capsys)
    assert not bad, "\n".join(bad)


def test_mutants_never_exit_101(tmp_path, capsys) -> None:
    sources = load_sources()
    if not sources:
        pytest.skip("shared models not present")
    bad = []
    for case in range(MUTANTS):
        seed = case_seed(77, case)
        rel, what, mutant = make_case(seed, sources)
        d = tmp_path / str(case)
        d.mkdir()
        bad += [f"seed {seed} ({rel} {what}) {b}" for b in _run_all(mutant, d, capsys)]
    assert not bad, "\n".join(bad[:20])
