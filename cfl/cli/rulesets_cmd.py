"""`cfl rulesets`: list, show and lint the rule sets and mapping files."""

from __future__ import annotations

import click

from cfl.cli.jsonout import formatted
from cfl.cli.options import format_option
from cfl.cli.rules_option import registry_for, rules_option
from cfl.recognition.lint import lint_rule_files
from cfl.recognition.render import render_lint, render_rule_set, render_rule_set_list
from cfl.recognition.rules import read_rule_file
from cfl.recognition.user_rules import collect_rule_files, rule_file_bytes


@click.group()
def rulesets() -> None:
    """Rule sets (one scheme each) and the mappings between them."""


@rulesets.command("list")
@rules_option
@format_option
def list_command(rules: tuple[str, ...], output_format: str) -> None:
    """List the rule sets (shipped, and yours with --rules or $CFL_RULES)."""
    click.echo(formatted("rulesets", render_rule_set_list(registry_for(rules), output_format),
                         output_format, list_key="ruleSets"), nl=False)


@rulesets.command("show")
@click.argument("rule_set_id")
@click.option("--raw", is_flag=True,
              help="Print the rule set's YAML file exactly as it is (to copy and correct it).")
@rules_option
@format_option
def show_command(rule_set_id: str, raw: bool, rules: tuple[str, ...], output_format: str
                 ) -> None:
    """Show one rule set: requirements with citations, grading, mappings."""
    registry = registry_for(rules)
    rule_set = registry.rule_set(rule_set_id)
    if raw:
        click.echo(rule_file_bytes(registry, rule_set.origin).decode("utf-8"), nl=False)
        return
    click.echo(formatted("rule-set", render_rule_set(rule_set, registry, output_format),
                         output_format), nl=False)


@rulesets.command("lint")
@click.argument("files", nargs=-1, type=click.Path(allow_dash=True))
@format_option
@click.pass_context
def lint_command(ctx: click.Context, files: tuple[str, ...], output_format: str) -> None:
    """Check rule set and mapping FILES (default: the shipped ones). Exit 1 on errors.

    A FILE may be a folder: its *.yaml rule sets and mappings/*.yaml, linted together.
    """
    report = lint_rule_files(_lint_inputs(files) if files else None)
    click.echo(formatted("lint", render_lint(report, output_format), output_format),
               nl=False)
    if not report.ok:
        ctx.exit(1)


def _lint_inputs(files: tuple[str, ...]) -> list[tuple[str, bytes]]:
    out: list[tuple[str, bytes]] = []
    for name in files:
        out += [read_rule_file(name)] if name == "-" else collect_rule_files(
            [name], origin="the command line")
    return out
