"""Generate the CLI reference (README section / docs/cli.md) from the click commands themselves."""

from __future__ import annotations

import click


def cli_reference() -> str:
    """Markdown with every command's ``--help`` text, in command order."""
    from mcuml.cli import cli

    # a fixed width: the reference must not depend on the terminal it was generated in. The group's own
    # context_settings (``-h``) apply as in a real run: click caches each command's help option on first
    # use, so a bare Context made the text depend on whether the CLI had already run in this process.
    ctx = click.Context(cli, info_name="mcuml", **{**cli.context_settings, "terminal_width": 100,
                                                    "max_content_width": 100})
    parts = ["# mcuml command reference", "", "Generated from the commands' own `--help` by "
             "`python -m mcuml.cli._docs`; a test checks it is current.", "",
             "```", cli.get_help(ctx), "```", ""]
    for name in cli.list_commands(ctx):
        cmd = cli.get_command(ctx, name)
        sub = click.Context(cmd, info_name=name, parent=ctx, terminal_width=100, max_content_width=100)
        parts += [f"## mcuml {name}", "", "```", cmd.get_help(sub), "```", ""]
    return "\n".join(parts)


if __name__ == "__main__":
    import sys
    from pathlib import Path

    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/cli.md")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(cli_reference())
    print(f"wrote {out}", file=sys.stderr)
