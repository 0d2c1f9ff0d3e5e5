"""The CLI reference in docs/cli.md is generated from the commands and must be current; every command has help."""

from pathlib import Path

import click

from mcuml.cli import cli
from mcuml.cli._docs import cli_reference

ROOT = Path(__file__).resolve().parents[1]


def test_cli_reference_is_current():
    assert (ROOT / "docs" / "cli.md").read_text() == cli_reference(), \
        "docs/cli.md is stale: run `python -m mcuml.cli._docs docs/cli.md`"


def test_every_command_has_help_and_json_where_it_returns_data():
    ctx = click.Context(cli, info_name="mcuml")
    for name in cli.list_commands(ctx):
        cmd = cli.get_command(ctx, name)
        assert cmd.help and len(cmd.help.strip()) > 10, name
        opts = {o for p in cmd.params for o in getattr(p, "opts", [])}
        if name not in {"demo", "codegen"}:
            assert "--json" in opts, f"{name} lacks --json"


def test_readme_names_the_two_setup_commands():
    text = (ROOT / "README.md").read_text()
    assert "make demo" in text and "make test" in text


def test_architecture_names_only_modules_and_paths_that_exist():
    import re

    text = (ROOT / "docs" / "architecture.md").read_text()
    modules = set(re.findall(r"(?<![\w/.])mcuml(?:\.\w+)+", text))
    paths = {p.rstrip(".,)") for p in re.findall(r"(?<![\w/.])(?:src|tests|tools|benchmarks|docs|\.ci)/[\w./-]+", text)}
    paths = {p for p in paths if "NAME" not in p}  # the how-to's placeholders
    assert len(modules) >= 20 and len(paths) >= 10  # the map really names things
    missing = [m for m in sorted(modules)
               if not (ROOT / "src" / Path(*m.split("."))).with_suffix(".py").exists()
               and not (ROOT / "src" / Path(*m.split("."))).is_dir()]  # a package (kernels/ has no __init__)
    missing += [p for p in sorted(paths) if not (ROOT / p).exists()]
    assert missing == [], f"docs/architecture.md names what does not exist: {missing}"
