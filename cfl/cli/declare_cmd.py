"""``cfl declare INPUT``: a friendly YAML/JSON input (or a CSV batch) → declaration(s)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from cfl.cli.options import at_option
from cfl.declaration.friendly import declare_csv, declare_file
from cfl.errors import CflError, InvalidDeclarationError, OutputError
from cfl.findings import Finding
from cfl.io.atomic import write_atomic
from cfl.io.jsonio import dumps_pretty


def echo_findings(findings: list[object]) -> None:
    for finding in findings:
        if isinstance(finding, Finding):
            click.echo(str(finding), err=True)


def _echo_error(exc: CflError) -> None:
    if isinstance(exc, InvalidDeclarationError):
        echo_findings(exc.findings)
    else:
        click.echo(str(exc), err=True)


@click.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path, allow_dash=True))
@click.option("-o", "--output", default="-", show_default=True,
              type=click.Path(path_type=Path, allow_dash=True),
              help="Declaration to write (`-` is standard output); for a CSV input, a folder.")
@at_option
def declare(input_path: Path, output: Path, at: dt.datetime) -> None:
    """Make a declaration from INPUT, a friendly YAML or JSON file (see docs/cli-declarations.md).

    A CSV INPUT (one product per row) makes one declaration per row, written to the folder
    given by -o as <id>.json. Every row is tried; rows with problems are reported with their
    row number, nothing is written for them, and the exit status is then 1.
    """
    if input_path.suffix.lower() == ".csv":
        _declare_batch(input_path, output, at)
        return
    if output.is_dir():
        raise click.BadParameter(f"{output} is a folder; give the file name of the "
                                 "declaration to write (a folder is only for a CSV input)",
                                 param_hint="-o")
    try:
        declaration = declare_file(input_path, at=at)
    except InvalidDeclarationError as exc:
        echo_findings(exc.findings)
        raise
    for warning in declaration.warnings:
        click.echo(str(warning), err=True)
    write_atomic(output, dumps_pretty(declaration.document))
    if str(output) != "-":
        click.echo(f"wrote {output} (declaration {declaration.id})", err=True)


def _declare_batch(input_path: Path, output: Path, at: dt.datetime) -> None:
    if str(output) == "-":
        raise click.UsageError("a CSV input makes one declaration per row: give a folder "
                               "with -o DIR")
    if output.exists() and not output.is_dir():
        raise click.UsageError(f"{output} is not a folder; a CSV input needs -o DIR")
    result = declare_csv(input_path, at=at)
    written = 0
    for outcome in result.rows:
        if outcome.declaration is not None:
            if not written:  # create the folder only when there is something to write
                try:
                    output.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise OutputError(f"{output}: cannot create the folder "
                                      f"({exc.strerror})") from None
            path = output / f"{outcome.declaration.id}.json"
            write_atomic(path, dumps_pretty(outcome.declaration.document))
            written += 1
        elif outcome.error is not None:
            _echo_error(outcome.error)
    failed = len(result.rows) - written
    where = f" to {output}" if written else ""
    click.echo(f"wrote {written} declaration(s){where}; {failed} row(s) failed", err=True)
    if failed:
        raise click.ClickException(f"{input_path}: {failed} of {len(result.rows)} row(s) failed")
