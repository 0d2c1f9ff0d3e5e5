"""CLI basics for ``check`` and ``inspect``: exit codes 0/1/2, ``--json`` parses, errors without tracebacks."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from mcuml.cli import cli, main
from oracle import MODELS, model_path

GOOD = "tflite_micro/hello_world_int8.tflite"
HYBRID = "mlcommons_tiny/model_ToyCar_quant.tflite"
VELA = "tflite_micro/person_detect_vela.tflite"
SIGNAL = "tflite_micro/audio_preprocessor_int8.tflite"


def _p(rel: str) -> str:
    p = model_path(rel)
    return str(p)


def test_check_ok(capsys) -> None:
    assert main(["check", _p(GOOD)]) == 0
    assert "runs on stock TFLM" in capsys.readouterr().out


@pytest.mark.parametrize("rel, needle", [(HYBRID, "Hybrid"), (VELA, "ethos-u")])
def test_check_finding_exits_1(capsys, rel: str, needle: str) -> None:
    assert main(["check", _p(rel)]) == 1
    out = capsys.readouterr()
    assert needle in out.out and "node 0" in out.out and "Traceback" not in out.err
    assert main(["check", _p(rel), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["runs_on_tflm"] is False and data["schema_version"] == 1
    assert data["problems"] and all({"op", "node", "reason"} <= set(p) for p in data["problems"])
    assert needle in data["problems"][0]["reason"]


def test_check_needs_registration_is_not_a_failure(capsys) -> None:
    assert main(["check", _p(SIGNAL), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["runs_on_tflm"] and not data["problems"]
    assert {p["severity"] for p in data["registrations"]} == {"needs-registration"}


def test_check_interpreter_flag(capsys) -> None:
    assert main(["check", _p(GOOD), "--interpreter", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["runs_on_mcuml"] is True and data["interpreter_problems"] == []


def test_inspect_json_and_table(capsys) -> None:
    assert main(["inspect", _p(GOOD), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["totals"]["op_histogram"] == {"FULLY_CONNECTED": 3}
    assert data["inputs"][0]["shape"] == [1, 1] and data["operators"][0]["op"] == "FULLY_CONNECTED"
    assert main(["inspect", _p(GOOD)]) == 0
    out = capsys.readouterr().out
    assert "FULLY_CONNECTED v4" in out and "serving_default_dense_input:0" in out and "MACs" in out


@pytest.mark.parametrize("command", ["check", "inspect"])
def test_bad_inputs_exit_2(capsys, tmp_path, command: str) -> None:
    assert main([command, str(tmp_path / "missing.tflite")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err
    junk = tmp_path / "notes.tflite"
    junk.write_text("this is not a flatbuffer at all\n")
    assert main([command, str(junk)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and ".tflite" in err and "Traceback" not in err
    truncated = tmp_path / "cut.tflite"
    truncated.write_bytes((MODELS / GOOD).read_bytes()[:1000] if (MODELS / GOOD).exists() else b"\0" * 8)
    assert main([command, str(truncated), "--json"]) == 2
    assert capsys.readouterr().out == ""  # nothing half-written on stdout


def test_usage_error_exits_2(capsys) -> None:
    assert main(["check"]) == 2
    assert main(["inspect", "--no-such-flag", "x"]) == 2


def test_cli_runner_json() -> None:
    r = CliRunner().invoke(cli, ["check", _p(HYBRID), "--json"])
    assert r.exit_code == 1 and json.loads(r.output)["runs_on_tflm"] is False
    r = CliRunner().invoke(cli, ["inspect", _p(GOOD), "--json"])
    assert r.exit_code == 0 and json.loads(r.output)["totals"]["operators"] == 3
    r = CliRunner().invoke(cli, ["check", "--help"])
    assert r.exit_code == 0 and "--interpreter" in r.output
