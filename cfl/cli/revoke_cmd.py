"""``cfl revoke``: add a declaration to the certifier's signed revocation list."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import click

from cfl.cli.keys_cmd import open_signer, passphrase_option
from cfl.cli.options import at_option, output_name
from cfl.io.atomic import write_atomic
from cfl.io.jsonio import read_bytes
from cfl.io.kinds import REVOCATION_LIST, wrong_kind_error
from cfl.signing.jws import bundle_to_bytes
from cfl.trust.revocation import CONTENT_KEY, MAX_REVOCATION_BYTES
from cfl.trust.revocation import revoke as revoke_declaration

#: A declaration id: PACT ids are UUIDs.
UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


@click.command()
@click.option("--key", required=True, type=click.Path(path_type=Path),
              help="The certifier's key folder or private.pem.")
@click.option("--id", "declaration_id", default=None,
              help="Declaration id to revoke (omit to re-issue the list, e.g. an empty one).")
@click.option("--reason", default=None, help="Why it is revoked (required with --id).")
@click.option("-o", "--output", default="revocations.json", show_default=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="The revocation list: extended if it exists, created if not.")
@passphrase_option
@at_option
def revoke(key: Path, declaration_id: str | None, reason: str | None, output: Path,
           passphrase_file: Path | None, at: dt.datetime) -> None:
    """Revoke a declaration: publish a new version of the certifier's revocation list."""
    if declaration_id is not None and not reason:
        raise click.UsageError("--reason is required with --id")
    if declaration_id is None and reason:
        raise click.UsageError("--reason goes with --id (the declaration to revoke)")
    if declaration_id is not None and UUID.fullmatch(declaration_id) is None:
        raise click.BadParameter(
            f"{declaration_id!r} is not a declaration id; expected the UUID in the "
            "declaration's \"id\" (e.g. 3f1c2a9e-5b7d-4e8f-9a0b-1c2d3e4f5a6b)",
            param_hint="--id")
    existing = read_bytes(output, max_bytes=MAX_REVOCATION_BYTES) if output.exists() else None
    if existing is not None:
        problem = wrong_kind_error(existing, (REVOCATION_LIST,), source=str(output))
        if problem is not None:
            raise problem
    signer = open_signer(key, passphrase_file)
    document = revoke_declaration(existing, signer, declaration_id=declaration_id,
                                  reason=reason, at=at, source=str(output))
    write_atomic(output, bundle_to_bytes(document))
    content = document[CONTENT_KEY]
    what = f"revoked {declaration_id}" if declaration_id else "re-issued"
    click.echo(f"{what}; wrote {output_name(output)} (version {content['version']}, "
               f"{len(content['entries'])} revoked)", err=True)
