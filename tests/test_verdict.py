"""Every command honours the TFLM verdict (issue 13.6): on the three shared models stock TFLM cannot run (two
hybrid, one Ethos-U), fit, profile, codegen, report and deploy exit 1 with the reasons and write nothing;
--force goes on, says FORCED, and still exits 1; profile never prices a node it cannot cost."""

from __future__ import annotations

import json

import pytest
from oracle import SHARED, model_path

from mcuml.cli import main

NOT_RUNNABLE = sorted(e["file"] for e in json.loads((SHARED / "models" / "manifest.json").read_text())
                      if not e["tflm_runs"])
REASON = {"tflite_micro/person_detect_vela.tflite": "ethos-u", "mlcommons_tiny/kws_ref_model_float32.tflite":
          "Hybrid models", "mlcommons_tiny/model_ToyCar_quant.tflite": "Hybrid models"}


def test_the_shared_set_has_three_models_tflm_cannot_run():
    assert NOT_RUNNABLE == sorted(REASON)


def _commands(p: str, tmp) -> dict[str, list[str]]:
    return {"fit": ["fit", p, "-b", "nano33ble"], "profile": ["profile", p, "-b", "nano33ble"],
            "codegen": ["codegen", p, "-t", "arduino", "-o", str(tmp / "cg")],
            "report": ["report", p, "-b", "nano33ble", "-o", str(tmp / "r.html")],
            "deploy": ["deploy", p, "-b", "nano33ble", "-o", str(tmp / "dep")]}


@pytest.mark.parametrize("rel", sorted(REASON))
def test_commands_exit_1_with_the_reasons(rel, tmp_path, capsys):
    p = str(model_path(rel))
    for name, args in _commands(p, tmp_path).items():
        capsys.readouterr()
        assert main(args) == 1, name
        err = capsys.readouterr().err
        assert "TFLM cannot run this model" in err and REASON[rel] in err and "--force" in err, (name, err)
    assert not (tmp_path / "cg").exists() and not (tmp_path / "r.html").exists()
    assert not (tmp_path / "dep" / "report.html").exists()
    for cmd in ("run", "compare"):  # mcuml cannot run it either: the same exit code
        assert main([cmd, p]) == 1, cmd
    capsys.readouterr()
    assert main(["plan", p]) == 1  # plan still shows its figures, with a warning
    cap = capsys.readouterr()
    assert "arena" in cap.out and "TFLM cannot run this model" in cap.err


@pytest.mark.parametrize("rel", sorted(REASON))
def test_force_goes_on_labelled_and_exits_1(rel, tmp_path, capsys):
    p = str(model_path(rel))
    for name, args in _commands(p, tmp_path).items():
        capsys.readouterr()
        assert main([*args, "--force"]) == 1, name
        out = capsys.readouterr().out
        assert "FORCED" in out, (name, out[:500])
    assert (tmp_path / "cg").is_dir() and "FORCED" in (tmp_path / "r.html").read_text()
    capsys.readouterr()
    main(["fit", p, "-b", "nano33ble", "--force", "--json"])
    d = json.loads(capsys.readouterr().out)
    assert d["forced"] and not d["runs_on_tflm"] and any(REASON[rel] in r for r in d["tflm_problems"])


def test_profile_does_not_price_what_it_cannot_cost(capsys):
    p = str(model_path("tflite_micro/person_detect_vela.tflite"))
    capsys.readouterr()
    main(["profile", p, "-b", "nano33ble", "--force", "--json"])
    d = json.loads(capsys.readouterr().out)
    assert d["uncosted"] == [0] and d["layers"][0]["costed"] is False
    assert any("cannot cost" in n for n in d["notes"])
    main(["profile", p, "-b", "nano33ble", "--force"])
    out = capsys.readouterr().out
    assert "n/a (no cost model)" in out and "excludes 1 node(s) with no cost model" in out
