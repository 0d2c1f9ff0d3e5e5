"""``mcuml check MODEL``: can stock TFLM (and, with --interpreter, mcuml) run this model?"""

from __future__ import annotations

import sys

import click

from mcuml.cli._common import console, emit, json_option


def _line(p) -> str:
    where = f"subgraph {p.subgraph}, node {p.node} ({p.op})" if p.node >= 0 else f"subgraph {p.subgraph}"
    return f"{where}: {p.reason}"


def render(r) -> None:
    """Print each problem, needed registration, warning and interpreter problem, one per line."""
    from rich.text import Text

    con = console()

    def out(prefix: str, style: str, items) -> None:
        for p in items:
            con.print(Text(prefix, style=style), Text(_line(p).encode("utf-8", "replace").decode("utf-8")))

    out("error   ", "bold red", r.problems)
    out("register", "yellow", r.registrations)
    out("warning ", "yellow", r.warnings)
    out("mcuml   ", "magenta", r.interpreter_problems)
    verdict = "runs on stock TFLM" if r.runs_on_tflm else f"TFLM cannot run this model ({len(r.problems)} problem(s))"
    if r.runs_on_tflm and r.registrations:
        verdict += f" once {len(r.custom_ops)} custom op(s) are registered"
    con.print(Text(verdict, style="bold green" if r.runs_on_tflm else "bold red"))
    if r.runs_on_mcuml is not None:
        con.print(Text("mcuml's interpreter runs it" if r.runs_on_mcuml else
                       f"mcuml's interpreter cannot run it yet ({len(r.interpreter_problems)} node(s))"))


@click.command("check")
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("--interpreter", is_flag=True, help="Also check what mcuml's own interpreter cannot run yet.")
@click.option("--engine", type=click.Choice(["tflm", "c"]), default="tflm", show_default=True,
              help="c: can mcuml's standalone C engine run MODEL? (names every node it cannot)")
@json_option
def command(model: str, interpreter: bool, engine: str, as_json: bool) -> None:
    """Check whether stock TFLM can run MODEL; lists every problem. Exit 1 if it cannot."""
    if engine == "c":
        from mcuml.cengine.api import check_c
        from mcuml.cli._cengine import render_check

        rc = check_c(model)
        emit(rc, as_json, render_check)
        sys.exit(0 if rc.ok else 1)
    from mcuml.check import check

    result = check(model, interpreter=interpreter)
    emit(result, as_json, render)
    if not result.ok:
        sys.exit(1)  # a finding; main() maps it to exit code 1
