"""`cfl check`: is a declaration recognised under other rule sets?

Exit status: 0 when every target recognises the declaration (with or without conditions),
3 when any target does not or cannot tell, 1 on bad input, 2 on a usage mistake.
"""

from __future__ import annotations

import datetime as dt
import json

import click

from cfl.cli.options import at_option, format_option
from cfl.cli.rules_option import registry_for, rules_option
from cfl.recognition.engine import (
    Outcome,
    RecognitionReport,
    RecognitionResult,
    RequirementResult,
    check_declaration,
)
from cfl.recognition.inputs import read_check_input

#: Exit status when a target does not recognise the declaration (or cannot tell).
EXIT_NOT_RECOGNISED = 3


def _row_text(row: RequirementResult) -> list[str]:
    conversion = f" [{row.conversion}]" if row.conversion else ""
    return [f"  {row.outcome.value:21} {row.requirement_id}{conversion}",
            f"      {row.sentence}",
            f"      → {row.detail}",
            f"      cite: {row.citation}"]


def _report_text(report: RecognitionReport) -> list[str]:
    path = " → ".join(report.path) if report.path else "(no mapping path)"
    lines = [f"{report.target}: {report.verdict.value.upper()}", f"  {report.target_name}",
             f"  path: {path}", _files_text(report)]
    for row in report.rows:
        lines += _row_text(row)
    for note in report.notes:
        lines.append(f"  note: {note}")
    return lines


def _files_text(report: RecognitionReport) -> str:
    return "  files: " + ", ".join(f.describe() for f in report.files)


def matrix_text(result: RecognitionResult) -> list[str]:
    """The ``--all`` view: one line per target, then the rows that decide the verdicts
    (also written to the demo's ``reports/recognition.txt``)."""
    lines = [f"{'target':34} {'verdict':27} {'met':>3} {'conv':>4} {'not':>3} {'undet':>5} "
             f"{'n/a':>3}  path"]
    for r in result.reports:
        lines.append(
            f"{r.target:34} {r.verdict.value:27} {r.count(Outcome.MET):>3} "
            f"{r.count(Outcome.MET_AFTER_CONVERSION):>4} {r.count(Outcome.NOT_MET):>3} "
            f"{r.count(Outcome.UNDETERMINABLE):>5} {r.count(Outcome.NOT_APPLICABLE):>3}  "
            f"{' → '.join(r.path) if r.path else '(none)'}")
    own = [r for r in result.reports if any(f.yours for f in r.files)]
    if own:
        lines += ["", "Targets that use files of your own:"]
        lines += [f"{r.target}:\n{_files_text(r)}" for r in own]
    lines.append("")
    lines.append("Rows that decide the verdicts (not met, undeterminable, met after conversion):")
    for r in result.reports:
        deciding = [row for row in r.rows if row.outcome in (
            Outcome.NOT_MET, Outcome.UNDETERMINABLE, Outcome.MET_AFTER_CONVERSION)]
        if deciding:
            lines.append(f"{r.target} ({r.verdict.value}):")
            for row in deciding:
                lines += _row_text(row)
    return lines


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
    if output_format == "json":
        click.echo(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
    else:
        for note in result.notes:
            click.echo(f"note: {note}")
        if all_targets:
            lines = matrix_text(result)
        else:
            lines = [line for report in result.reports for line in [*_report_text(report), ""]]
        click.echo("\n".join(lines).rstrip())
    if not result.all_recognised:
        ctx.exit(EXIT_NOT_RECOGNISED)
