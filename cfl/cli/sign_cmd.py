"""``cfl sign``: validate a declaration and add a signature (making a signed bundle)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click

from cfl.bundle.sign import sign_bundle
from cfl.cli.keys_cmd import open_signer, passphrase_option
from cfl.cli.options import at_option, output_name
from cfl.declaration.schema import check_declaration, is_signed_bundle
from cfl.errors import InputError, InvalidDeclarationError
from cfl.findings import is_blocking
from cfl.io.atomic import write_atomic
from cfl.io.jsonio import load_json_file
from cfl.io.kinds import DECLARATION, SIGNED_BUNDLE, require_kind
from cfl.signing.jws import ROLES, bundle_to_bytes, signed_document_from_json


def require_signable(document: dict[str, Any], *, source: str) -> None:
    """Refuse a malformed bundle or an invalid declaration before any key is opened, so
    nobody types a passphrase for a document that cannot be signed."""
    if is_signed_bundle(document):
        declaration = signed_document_from_json(document, content_key="declaration",
                                                source=source).content
    else:
        declaration = document
    findings = check_declaration(declaration, source=source)
    if is_blocking(findings):
        raise InvalidDeclarationError(
            f"is not a valid declaration ({len(findings)} problem(s); run `cfl validate`); "
            f"first: {findings[0]}", list(findings), source=source)


@click.command()
@click.argument("declaration", type=click.Path(path_type=Path, allow_dash=True))
@click.option("--key", required=True, type=click.Path(path_type=Path),
              help="Signing key: a key folder or its private.pem.")
@click.option("--role", required=True, type=click.Choice(ROLES), help="The signer's role.")
@click.option("-o", "--output", default="-", show_default=True,
              type=click.Path(path_type=Path, allow_dash=True, dir_okay=False),
              help="Signed bundle to write (`-` is standard output).")
@passphrase_option
@at_option
def sign(declaration: Path, key: Path, role: str, output: Path, passphrase_file: Path | None,
         at: dt.datetime) -> None:
    """Validate DECLARATION (a declaration or a signed bundle) and add a signature.

    Signing a bundle adds one signature beside the others; the declaration is never changed.
    A certifier's signature also carries the compact QR claim, issued with the same key at
    the same --at, so labels can be printed without the key (cfl label).
    """
    source = "<stdin>" if str(declaration) == "-" else str(declaration)
    document = load_json_file(declaration)
    if not isinstance(document, dict):
        raise InputError("expected a JSON object (a declaration or a signed bundle)",
                         source=source, location="$", code="wrong_type")
    require_kind(document, (DECLARATION, SIGNED_BUNDLE), source=source,
                 wanted="declaration or signed bundle")
    require_signable(document, source=source)  # before the key file and the passphrase
    signer = open_signer(key, passphrase_file)
    bundle = sign_bundle(document, signer, role=role, at=at, source=source)
    write_atomic(output, bundle_to_bytes(bundle))
    if role == "certifier":
        issued = "header" in bundle["signatures"][-1]
        click.echo("issued the QR claim (cfl label needs no key)" if issued else
                   "no QR claim issued: the declaration lacks the cfl extension a claim needs",
                   err=True)
    if str(output) != "-":
        click.echo(f"signed as {role} with {signer.kid}; wrote {output_name(output)} "
                   f"({len(bundle['signatures'])} signature(s))", err=True)
