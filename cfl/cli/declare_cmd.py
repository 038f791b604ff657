"""``cfl declare INPUT``: a friendly YAML/JSON input (or a CSV batch) → declaration(s)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from cfl.cli.declare_batch import declare_batch, write_example_csv
from cfl.cli.jsonout import json_document
from cfl.cli.options import at_option, format_option, output_name
from cfl.cli.ui import summary_option
from cfl.declaration.friendly import CSV_ENCODINGS, EXTRA_COLUMNS, declare_file
from cfl.errors import CflError, InvalidDeclarationError
from cfl.findings import Finding
from cfl.io.atomic import write_atomic
from cfl.io.jsonio import dumps_pretty
from cfl.recognition.catalogue import catalogue_json, catalogue_text, category_catalogue


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
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path, allow_dash=True),
                required=False)
@click.option("-o", "--output", default="-", show_default=True,
              type=click.Path(path_type=Path, allow_dash=True),
              help="Declaration to write (`-` is standard output); for a CSV input, a folder.")
@click.option("--name-by", "name_by", metavar="COLUMN", default=None,
              help="For a CSV input: name each declaration after this column (e.g. sku), "
              "DIR/<value>.json, instead of after its id.")
@click.option("--encoding", type=click.Choice(sorted(CSV_ENCODINGS)), default="utf-8",
              show_default=True,
              help="For a CSV input: the text encoding the spreadsheet saved it in (gb18030 "
              "or gbk for Chinese Windows, utf-16 with a byte order mark).")
@click.option("--extra-columns", type=click.Choice(EXTRA_COLUMNS), default="error",
              show_default=True,
              help="For a CSV input: columns that are not friendly input keys (a SKU, say) "
              "are an error, kept beside each declaration (in the report and its id), or "
              "ignored.")
@click.option("--example-csv", "example", is_flag=True,
              help="Write an example CSV (the header and one example row) to -o and exit.")
@format_option
@click.option("--list-categories", "list_categories", is_flag=True,
              help="List the product categories (names, declared units, HS codes, product "
              "rules, China's CFP label catalogue) and exit.")
@at_option
@summary_option
def declare(input_path: Path | None, output: Path, at: dt.datetime, output_format: str,
            list_categories: bool, name_by: str | None, encoding: str, extra_columns: str,
            example: bool) -> None:
    """Make a declaration from INPUT, a friendly YAML or JSON file (see docs/cli-declarations.md).

    A CSV INPUT (one product per row; --example-csv writes one to start from) makes one
    declaration per row, written to the folder given by -o as <id>.json, or as
    <value>.json with --name-by COLUMN. A row whose output already holds the same
    declaration is left as it is. Every row is tried; rows with problems are reported with
    their row number, nothing is written for them, and the exit status is then 1.
    """
    if list_categories:
        catalogue = category_catalogue()
        click.echo(json_document("categories", catalogue_json(catalogue))
                   if output_format == "json" else catalogue_text(catalogue), nl=False)
        return
    if example:
        write_example_csv(output, output_format)
        return
    if input_path is None:
        raise click.UsageError("give INPUT (or --list-categories, --example-csv)")
    if input_path.suffix.lower() == ".csv":
        declare_batch(input_path, output, at=at, name_by=name_by, encoding=encoding,
                      extra_columns=extra_columns, output_format=output_format)
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
    if output_format == "json":
        click.echo(json_document("declare", {
            "input": str(input_path), "output": output_name(output),
            "rows": [{"id": declaration.id, "file": output_name(output), "status": "written"}],
            "totals": {"rows": 1, "written": 1, "replaced": 0, "unchanged": 0, "failed": 0}}),
            nl=False, err=str(output) == "-")
    elif str(output) != "-":
        click.echo(f"wrote {output} (declaration {declaration.id})", err=True)

