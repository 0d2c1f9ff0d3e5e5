"""The ``mcuml`` command line: thin click wrappers around library functions.

Every module in this package (not starting with ``_``) exposes ``command``, a click command that
is added to the group. Exit codes: 0 ok, 1 finding, 2 bad input or usage, 101 internal error.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import traceback

import click

from mcuml import __version__
from mcuml.errors import McumlError


class _Group(click.Group):
    """Discovers the command modules of this package lazily (fast ``--help`` and startup)."""

    def _modules(self) -> list[str]:
        return sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(self._command_name(m) for m in self._modules())

    @staticmethod
    def _command_name(module: str) -> str:
        return module.rstrip("_").replace("_", "-")

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        for m in self._modules():
            if self._command_name(m) == name:
                return importlib.import_module(f"{__name__}.{m}").command
        return None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="mcuml")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """mcuml: take neural networks onto microcontrollers the TFLM way, and know before the board does."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code (console scripts pass it to ``sys.exit``)."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    for stream in (sys.stdout, sys.stderr):  # names read from a file may hold undecodable bytes (surrogateescape)
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    try:
        cli.main(args=argv, prog_name="mcuml", standalone_mode=False)
        return 0
    except McumlError as e:
        if debug:
            traceback.print_exc()
        click.echo(f"error: {e.message}", err=True)
        if e.hint:
            click.echo(f"hint: {e.hint}", err=True)
        return e.exit_code
    except click.exceptions.Exit as e:
        return e.exit_code
    except click.ClickException as e:
        e.show()
        return 2
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 2
    except SystemExit as e:  # a command's finding (sys.exit(1)) passes through
        return int(e.code or 0)
    except Exception:  # noqa: BLE001 - the last line of defence maps to 101
        click.echo("internal error, please report it (rerun with --debug for the traceback)", err=True)
        if debug:
            traceback.print_exc()
        return 101


if __name__ == "__main__":
    sys.exit(main())
