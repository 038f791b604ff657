"""The ``cfl`` command: a lazy group of subcommands and the one error boundary.

Each command group lives in its own module under ``cfl/cli/`` and is imported only when
used, so ``cfl validate`` does not pay for reportlab. Library errors (``CflError``) become
a one-line message and exit 1 here, and nowhere else.
"""

from __future__ import annotations

import importlib
import sys
from typing import IO, Any

import click

from cfl import __version__
from cfl.cli.config_cmd import config_defaults, project_config
from cfl.cli.ui import colour_allowed, quiet_option, ui
from cfl.errors import CflError
from cfl.io.interrupt import EXIT_TERMINATED, Terminated

#: Exit status of a command stopped by Ctrl-C (128 + SIGINT, as shells report it).
EXIT_INTERRUPTED = 130

#: command name → "module:attribute" of its click command or group.
COMMANDS: dict[str, str] = {
    "declare": "cfl.cli.declare_cmd:declare",
    "validate": "cfl.cli.validate_cmd:validate",
    "import": "cfl.cli.pact_cmd:import_group",
    "export": "cfl.cli.pact_cmd:export_group",
    "demo": "cfl.cli.demo_cmd:demo",
    "keys": "cfl.cli.keys_cmd:keys",
    "sign": "cfl.cli.sign_cmd:sign",
    "trust": "cfl.cli.trust_cmd:trust",
    "revoke": "cfl.cli.revoke_cmd:revoke",
    "verify": "cfl.cli.verify_cmd:verify",
    "claim": "cfl.cli.claim_cmd:claim",
    "label": "cfl.cli.label_cmd:label",
    "rulesets": "cfl.cli.rulesets_cmd:rulesets",
    "check": "cfl.cli.check_cmd:check",
    "attest": "cfl.cli.attest_cmd:attest",
    "grade": "cfl.cli.grade_cmd:grade",
    "convert": "cfl.cli.convert_cmd:convert",
    "page": "cfl.cli.page_cmd:page",
    "inspect": "cfl.cli.inspect_cmd:inspect",
    "config": "cfl.cli.config_cmd:config",
    "completion": "cfl.cli.completion_cmd:completion",
    "serve": "cfl.cli.serve_cmd:serve",
    "publish": "cfl.cli.publish_cmd:publish",
    "log": "cfl.cli.log_cmd:log_group",
}


class CflClickException(click.ClickException):
    """A library error as one ``Error:`` line (red on a terminal that takes colour)."""

    def show(self, file: IO[Any] | None = None) -> None:
        stream = file if file is not None else click.get_text_stream("stderr")
        label = click.style("Error:", fg="red", bold=True)
        click.echo(f"{label} {self.format_message()}", file=stream,
                   color=colour_allowed(stream))


def with_common_options(command: click.Command) -> click.Command:
    """Give every command of the tree ``-q/--quiet`` (once)."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            with_common_options(sub)
        return command
    if not any(param.name == "quiet" for param in command.params):
        command.params.append(quiet_option())
    return command


class CflGroup(click.Group):
    """Loads subcommands on demand, gives each the common options, turns ``CflError`` into
    a clean exit 1 and Ctrl-C into exit 130 with what was done and how to go on."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name in COMMANDS if self._load(name) is not None)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self._load(cmd_name)

    def _load(self, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:  # not built yet
                return None
            raise
        command = getattr(module, attr)
        assert isinstance(command, click.Command)
        return with_common_options(command)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CflError as exc:
            raise CflClickException(str(exc)) from exc
        except KeyboardInterrupt as exc:
            interrupted = ui(ctx).interrupted
            done = interrupted() if interrupted is not None else (
                "nothing was left half-written (outputs are renamed into place when complete)")
            click.echo("", err=True)
            click.echo(f"interrupted: {done}", err=True)
            sys.stderr.flush()
            raise click.exceptions.Exit(
                EXIT_TERMINATED if isinstance(exc, Terminated) else EXIT_INTERRUPTED) from None


@click.group(cls=CflGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cfl")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """cfl — carbon-footprint declarations, signed labels, verification and recognition.

    Start with `cfl demo DIR` to see the whole flow on illustrative data. Settings a
    project repeats (trust list, anchor, key, resolver …) go into cfl.toml (`cfl config
    show`); every command takes -h, -q and --format json (docs/cli-conventions.md).
    """
    ctx.default_map = config_defaults(project_config(ctx))


def main() -> None:
    cli()
