"""The ``cfl`` command: a lazy group of subcommands and the one error boundary.

Each command group lives in its own module under ``cfl/cli/`` and is imported only when
used, so ``cfl validate`` does not pay for reportlab. Library errors (``CflError``) become
a one-line message and exit 1 here, and nowhere else.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

from cfl import __version__
from cfl.errors import CflError

#: command name → "module:attribute" of its click command or group.
COMMANDS: dict[str, str] = {
    "declare": "cfl.cli.declare:declare",
    "validate": "cfl.cli.validate:validate",
    "import": "cfl.cli.pact:import_group",
    "export": "cfl.cli.pact:export_group",
    "demo": "cfl.cli.demo:demo",
    "keys": "cfl.cli.keys:keys",
    "sign": "cfl.cli.sign:sign",
    "trust": "cfl.cli.trust:trust",
    "revoke": "cfl.cli.revoke:revoke",
    "verify": "cfl.cli.verify:verify",
    "claim": "cfl.cli.claim:claim",
    "label": "cfl.cli.label:label",
    "rulesets": "cfl.cli.rulesets:rulesets",
    "check": "cfl.cli.check:check",
    "grade": "cfl.cli.grade:grade",
    "convert": "cfl.cli.convert:convert",
    "page": "cfl.cli.page:page",
}


class CflGroup(click.Group):
    """Loads subcommands on demand and turns ``CflError`` into a clean exit 1."""

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
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CflError as exc:
            raise click.ClickException(str(exc)) from exc


@click.group(cls=CflGroup)
@click.version_option(__version__, prog_name="cfl")
def cli() -> None:
    """cfl — carbon-footprint declarations, signed labels, verification and recognition.

    Start with `cfl demo DIR` to see the whole flow on illustrative data.
    """


def main() -> None:
    cli()
