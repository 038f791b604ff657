"""``cfl import pact FILE`` and ``cfl export pact FILE``: PACT v2/v3 in, plain PACT v3 out."""

from __future__ import annotations

from pathlib import Path

import click

from cfl.cli.declare_cmd import echo_findings
from cfl.cli.jsonout import json_document
from cfl.cli.options import format_option, output_name
from cfl.cli.pact_host import from_host_options, pull_footprints
from cfl.declaration.model import load_declaration_file
from cfl.errors import InvalidDeclarationError, OutputError
from cfl.interop.pact import export_pact, footprints_of, import_pact_each
from cfl.io.atomic import write_atomic
from cfl.io.jsonio import dumps_pretty, load_json_file

OUTPUT_HELP = ("Declaration to write (`-` is standard output); for an API response with a "
               "list of footprints, a folder (one <id>.json per footprint).")


@click.group("import")
def import_group() -> None:
    """Import footprints from other formats."""


@import_group.command("pact")
@click.argument("file", required=False, type=click.Path(path_type=Path, allow_dash=True))
@click.option("-o", "--output", default="-", show_default=True,
              type=click.Path(path_type=Path, allow_dash=True), help=OUTPUT_HELP)
@from_host_options
@format_option
def import_pact_command(file: Path | None, output: Path, from_url: str | None,
                        client_id: str | None, client_secret_file: Path | None,
                        ca_file: Path | None, product_ids: tuple[str, ...],
                        output_format: str) -> None:
    """Import a PACT v2.x or v3.x footprint, or an API response {"data": [...]}; or, with
    --from URL, every footprint a PACT v3 host serves you (into the folder -o DIR).

    v2 footprints are converted to v3 (every dropped or changed field is reported). The
    result is a declaration without the cfl extension: add recognition data with `cfl declare`.
    """
    if (file is None) == (from_url is None):
        raise click.UsageError("give either FILE or --from URL")
    if from_url is not None:
        source, document = from_url, pull_footprints(from_url, client_id, client_secret_file,
                                                     ca_file, product_ids)
    else:
        assert file is not None
        source = "<stdin>" if str(file) == "-" else str(file)
        document = load_json_file(file)
    is_list = isinstance(document, dict) and isinstance(document.get("data"), list)
    if is_list and str(output) == "-":
        footprints_of(document, source=source)  # report an empty list before the usage error
        raise click.UsageError("the input holds a list of footprints: give a folder with -o DIR")
    if not is_list and output.is_dir():
        raise click.BadParameter(f"{output} is a folder; give the file name of the declaration "
                                 "to write (a folder is for a response with a list)",
                                 param_hint="-o")
    results = import_pact_each(document, source=source)
    if is_list:
        if output.exists() and not output.is_dir():
            raise click.UsageError(f"{output} is not a folder")
        try:
            output.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"{output}: cannot create the folder ({exc.strerror})") from None
    failed = 0
    written: dict[str, int | None] = {}
    imported: list[dict[str, object]] = []
    for index, outcome in results:
        if isinstance(outcome, InvalidDeclarationError):
            echo_findings(outcome.findings)
            failed += 1
            continue
        if isinstance(outcome, Exception):
            click.echo(str(outcome), err=True)
            failed += 1
            continue
        for note in outcome.notes:
            click.echo(f"{source}: {note}", err=True)
        for warning in outcome.declaration.warnings:
            click.echo(str(warning), err=True)
        if outcome.declaration.id in written:
            click.echo(f"{source}: $.data[{index}].id: footprint {index} has the same id as "
                       f"footprint {written[outcome.declaration.id]} "
                       f"({outcome.declaration.id}); it is not written twice", err=True)
            failed += 1
            continue
        written[outcome.declaration.id] = index
        target = output / f"{outcome.declaration.id}.json" if is_list else output
        imported.append({"id": outcome.declaration.id, "file": output_name(target),
                         "pactVersion": outcome.source_spec_version})
        write_atomic(target, dumps_pretty(outcome.declaration.document))
        if str(target) != "-":
            label = f"footprint {index}" if index is not None else "footprint"
            click.echo(f"{source}: {label} (PACT {outcome.source_spec_version}) → {target}",
                       err=True)
    if output_format == "json":
        click.echo(json_document("import", {
            "source": source, "imported": imported,
            "totals": {"footprints": len(results), "imported": len(imported),
                       "failed": failed}}), nl=False, err=str(output) == "-")
    if failed:
        raise click.ClickException(f"{source}: {failed} of {len(results)} footprint(s) could "
                                   "not be imported")


@click.group("export")
def export_group() -> None:
    """Export declarations to other formats."""


@export_group.command("pact")
@click.argument("file", type=click.Path(path_type=Path, allow_dash=True))
@click.option("-o", "--output", default="-", show_default=True,
              type=click.Path(path_type=Path, allow_dash=True, dir_okay=False),
              help="PACT v3 footprint to write (`-` is standard output).")
@click.option("--keep-cfl-extension", is_flag=True,
              help="Keep the cfl extension (still valid PACT v3; tools that do not know it "
              "ignore it). By default it is dropped.")
@format_option
def export_pact_command(file: Path, output: Path, keep_cfl_extension: bool,
                        output_format: str) -> None:
    """Write FILE (a declaration) as a plain PACT v3 ProductFootprint."""
    declaration = load_declaration_file(file)
    write_atomic(output, dumps_pretty(export_pact(declaration,
                                                  keep_cfl_extension=keep_cfl_extension)))
    if output_format == "json":
        click.echo(json_document("export", {"id": declaration.id, "file": output_name(output),
                                            "keptCflExtension": keep_cfl_extension}),
                   nl=False, err=str(output) == "-")
    elif str(output) != "-":
        click.echo(f"wrote {output} (PACT v3 footprint {declaration.id})", err=True)
