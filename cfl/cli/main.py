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
    "grade": "cfl.cli.grade_cmd:grade",
    "convert": "cfl.cli.convert_cmd:convert",
    "page": "cfl.cli.page_cmd:page",
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
