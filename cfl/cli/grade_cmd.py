"""`cfl grade`: write a rule set's grade into a new declaration (before signing)."""

from __future__ import annotations

import datetime as dt

import click

from cfl.cli.jsonout import formatted
from cfl.cli.options import at_option, format_option
from cfl.cli.rules_option import registry_for, rules_option
from cfl.io.atomic import write_atomic
from cfl.io.jsonio import dumps_pretty
from cfl.recognition.grading import grade_declaration
from cfl.recognition.inputs import read_unsigned_declaration
from cfl.recognition.render import render_grade


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--rule-set", "rule_set", required=True, metavar="ID",
              help="Rule set whose thresholds grade the declaration.")
@click.option("-o", "--output", "output", default="-", show_default=True,
              type=click.Path(dir_okay=False, allow_dash=True),
              help="Where to write the new declaration (- = stdout).")
@rules_option
@at_option
@format_option
def grade(file: str, rule_set: str, output: str, rules: tuple[str, ...], at: dt.datetime,
          output_format: str) -> None:
    """Grade the unsigned declaration FILE and write a NEW declaration with the grade.

    The new declaration has a new id and names FILE's id in precedingPfIds. A signed
    bundle is refused: grading happens before signing. Illustrative thresholds are said
    so here and marked in the grade (and so on the label). --rules adds rule sets of your
    own (a rule set with a shipped id replaces the shipped one).
    """
    registry = registry_for(rules)
    loaded = read_unsigned_declaration(file, action="grading")
    result = grade_declaration(loaded.declaration, rule_set, at=at, source=loaded.source,
                               registry=registry)
    write_atomic(output, dumps_pretty(result.declaration))
    click.echo(formatted("grade", render_grade(result, output_format), output_format),
               nl=False, err=output == "-")
