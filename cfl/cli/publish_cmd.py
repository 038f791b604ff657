"""``cfl publish FILE…|DIR --to URL``: publish signed bundles, revocation lists and trust
lists to a register."""

from __future__ import annotations

from pathlib import Path

import click

from cfl.register.client import publish_files


@click.command()
@click.argument("files", nargs=-1, required=True,
                type=click.Path(path_type=Path, exists=True))
@click.option("--to", "to", required=True, metavar="URL",
              help="The register's base URL, e.g. https://register.example or "
              "http://127.0.0.1:8000.")
@click.option("--ca-file", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="CA certificate(s) to trust for the register's TLS certificate.")
def publish(files: tuple[Path, ...], to: str, ca_file: Path | None) -> None:
    """Publish FILES (signed bundles, certifiers' revocation lists, the operator's trust
    list; a folder means its *.json files) to the register at --to.

    The register verifies each against its trust list; a refusal prints the reason codes.
    Exit 0 if every file was accepted (or was there already), 1 otherwise.
    """
    failed = 0
    total = 0
    verify: bool | str = str(ca_file) if ca_file is not None else True
    for result in publish_files(files, to, verify=verify):
        total += 1
        what = result.kind or "?"
        if result.ok:
            where = f" → {result.url}" if result.url else ""
            click.echo(f"{result.status:9} {what:11} {result.path}: {result.message}{where}")
        else:
            failed += 1
            reasons = f" [{', '.join(result.reasons)}]" if result.reasons else ""
            click.echo(f"{result.status:9} {what:11} {result.path}: {result.message}{reasons}",
                       err=True)
    if failed:
        raise click.ClickException(f"{failed} of {total} file(s) not accepted by {to}")
