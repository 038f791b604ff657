"""`cfl check`: is a declaration recognised under other rule sets?

Exit status: 0 when every target recognises the declaration (with or without conditions),
3 when any target does not or cannot tell, 1 on bad input, 2 on a usage mistake.
"""

from __future__ import annotations

import datetime as dt

import click

from cfl.cli.options import at_option, format_option
from cfl.cli.rules_option import registry_for, rules_option
from cfl.recognition import render
from cfl.recognition.engine import check_declaration
from cfl.recognition.inputs import read_check_input

#: Exit status when a target does not recognise the declaration (or cannot tell).
EXIT_NOT_RECOGNISED = 3


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--against", "against", metavar="ID[,ID…]",
              help="Target rule set ids, comma-separated.")
@click.option("--all", "all_targets", is_flag=True, help="Check against every rule set.")
@rules_option
@at_option
@format_option
@click.pass_context
def check(ctx: click.Context, file: str, against: str | None, all_targets: bool,
          rules: tuple[str, ...], at: dt.datetime, output_format: str) -> None:
    """Check FILE (declaration, signed bundle or label PDF) against rule sets.

    Each requirement comes out met, met-after-conversion, not-met, undeterminable or
    not-applicable, with its citation; each target gets a verdict. Exit 0 if every target
    recognises the declaration, 3 if not. --rules adds rule sets and mappings of your own.
    """
    if bool(against) == all_targets:
        raise click.UsageError("give either --against ID[,ID…] or --all")
    targets = None if all_targets else [t.strip() for t in (against or "").split(",") if t.strip()]
    if targets is not None and not targets:
        raise click.UsageError("--against needs at least one rule set id")
    registry = registry_for(rules)
    loaded = read_check_input(file)
    notes = [f"{loaded.source}: read as {loaded.kind}"] + ([loaded.note] if loaded.note else [])
    result = check_declaration(loaded.declaration, targets, at=at, notes=notes,
                               registry=registry)
    click.echo(render.render_recognition(result, output_format, matrix=all_targets), nl=False)
    if not result.all_recognised:
        ctx.exit(EXIT_NOT_RECOGNISED)
