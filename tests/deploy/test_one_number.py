"""One number per quantity: plan, fit, deploy, the generated sketch and the report give the same minimal arena,
kTensorArenaSize, embedded-model size and flash/SRAM totals, for a model deploy embeds as is and for one it
replaces by its optimized rewrite (issue 16.3)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from oracle import model_path

from mcuml.cli import main


def _cli_json(capsys, args: list[str]) -> dict:
    capsys.readouterr()
    code = main([*args, "--json"])
    assert code in (0, 1), code
    return json.loads(capsys.readouterr().out)


def _sketch_numbers(out: Path) -> tuple[int, int, int]:
    """(kTensorArenaSize, predicted minimum, embedded model length) written into the Arduino sketch."""
    ino = next((out / "arduino").rglob("*.ino")).read_text()
    cpp = next((out / "arduino").rglob("*_model.cpp")).read_text()
    k = int(re.search(r"constexpr size_t kTensorArenaSize = (\d+);", ino).group(1))
    predicted = int(re.search(r"needs (\d+) bytes on a 32-bit Cortex-M", ino).group(1))
    length = int(re.search(r"_model_len = (\d+)u;", cpp).group(1))
    return k, predicted, length


def _report_cards(html: str) -> dict[str, str]:
    return dict(re.findall(r'<div class="k">([^<]*)</div><div class="v[^"]*">(.*?)</div>', html))


@pytest.mark.parametrize("rel,optimized", [("tflite_micro/person_detect.tflite", False),
                                           ("mlcommons_tiny/vww_96_int8.tflite", True)])
def test_plan_fit_deploy_sketch_and_report_agree(rel, optimized, tmp_path, capsys):
    p = model_path(rel)
    out = tmp_path / "dep"
    dep = _cli_json(capsys, ["deploy", str(p), "-b", "nano33ble", "-o", str(out)])
    assert dep["optimized"] is optimized
    embedded = Path(dep["deployed_model"])
    assert embedded.stat().st_size == dep["model_bytes"]
    if not optimized:
        assert embedded == p and dep["baseline_arena_bytes"] == dep["arena_bytes"]
    else:  # deploy says which model it embeds and shows both arenas
        assert embedded.name.endswith("_optimized.tflite") and dep["baseline_arena_bytes"] > dep["arena_bytes"]
        assert dep["baseline_recommended_arena_bytes"] > dep["recommended_arena_bytes"]
    plan = _cli_json(capsys, ["plan", str(embedded), "--target", "cortex-m", "--kernels", "cmsis-nn"])
    fit = _cli_json(capsys, ["fit", str(embedded), "-b", "nano33ble"])
    k, predicted, length = _sketch_numbers(out)
    arena, recommended = dep["arena_bytes"], dep["recommended_arena_bytes"]
    assert plan["arena_bytes"] == fit["ram"]["arena_bytes"] == predicted == arena
    assert plan["recommended_arena_bytes"] == fit["ram"]["ktensorarena_bytes"] == k == recommended
    assert fit["flash"]["model_bytes"] == length == dep["model_bytes"]
    assert fit["flash"]["total_bytes"] == dep["flash_bytes"] and fit["ram"]["total_bytes"] == dep["sram_bytes"]
    cards = _report_cards((out / "report.html").read_text())
    assert cards["minimal arena"] == f"{arena:,} B" and cards["kTensorArenaSize"] == f"{recommended:,} B"
    assert cards["flash used"] == f"{dep['flash_bytes']:,} / {dep['flash_capacity_bytes']:,} B"
    assert cards["SRAM used"] == f"{dep['sram_bytes']:,} / {dep['sram_capacity_bytes']:,} B"
    html = (out / "report.html").read_text()
    assert f"{length:,} B embedded" in html
    # the human renderings use the same figures and names
    capsys.readouterr()
    main(["fit", str(embedded), "-b", "nano33ble"])
    text = capsys.readouterr().out
    assert f"kTensorArenaSize {recommended:,} B = arena {arena:,}" in text
    assert f"model {length:,} B" in text


def test_profile_and_inspect_count_parameters_in_the_same_unit(capsys):
    p = str(model_path("mlcommons_tiny/vww_96_int8.tflite"))
    prof = _cli_json(capsys, ["profile", p, "-b", "nano33ble"])
    ins = _cli_json(capsys, ["inspect", p])
    by_op = {o["index"]: o["param_bytes"] for o in ins["operators"]} if "operators" in ins else {}
    assert by_op, sorted(ins)
    assert all(lp["param_bytes"] == by_op[lp["index"]] for lp in prof["layers"])
    capsys.readouterr()
    main(["profile", p, "-b", "nano33ble"])
    assert "param B" in capsys.readouterr().out
