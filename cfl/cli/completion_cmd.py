"""``cfl completion SHELL``: the script that makes a shell complete cfl's commands, options
and file names (click's shell completion, docs/cli-conventions.md)."""

from __future__ import annotations

import click
from click.shell_completion import get_completion_class

from cfl.cli.jsonout import json_document
from cfl.cli.options import format_option
from cfl.cli.ui import ui

SHELLS = ("bash", "zsh", "fish")
#: The environment variable click's completion scripts call cfl with.
COMPLETE_VAR = "_CFL_COMPLETE"


@click.command()
@click.argument("shell", type=click.Choice(SHELLS))
@format_option
@click.pass_context
def completion(ctx: click.Context, shell: str, output_format: str) -> None:
    """Print the completion script for SHELL (bash, zsh or fish).

    \b
    bash:  echo 'eval "$(cfl completion bash)"' >> ~/.bashrc
    zsh:   echo 'eval "$(cfl completion zsh)"' >> ~/.zshrc
    fish:  cfl completion fish > ~/.config/fish/completions/cfl.fish
    """
    cls = get_completion_class(shell)
    assert cls is not None  # every shell of SHELLS has one
    script = cls(ctx.find_root().command, {}, "cfl", COMPLETE_VAR).source()
    if output_format == "json":
        ui(ctx).result(json_document("completion", {"shell": shell, "script": script}),
                       nl=False)
        return
    ui(ctx).result(script)
