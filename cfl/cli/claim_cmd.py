"""``cfl claim``: print the QR text of a signed bundle's compact claim."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from cfl.cli.jsonout import json_document
from cfl.cli.keys_cmd import open_signer, passphrase_option
from cfl.cli.options import at_option, effective_resolver, format_option, resolver_option
from cfl.cli.ui import ui
from cfl.io.jsonio import read_bytes
from cfl.label.render import label_claim_text, parse_label_bundle
from cfl.signing.jws import MAX_BUNDLE_BYTES


@click.command()
@click.argument("bundle", type=click.Path(path_type=Path, allow_dash=True, dir_okay=False))
@click.option("--key", type=click.Path(path_type=Path), default=None,
              help="Issue a new claim with the certifier's key (a key folder or its "
              "private.pem; it must have signed BUNDLE). Without it the claim the certifier "
              "issued at signing is printed.")
@resolver_option
@passphrase_option
@at_option
@format_option
@click.pass_context
def claim(ctx: click.Context, bundle: Path, key: Path | None, resolver: str | None,
          passphrase_file: Path | None, at: dt.datetime, output_format: str) -> None:
    """Print the compact signed claim of BUNDLE as QR text (resolver URL + one number).

    The claim is the one the certifier issued when signing BUNDLE, or, with --key, a new one.
    """
    source = "<stdin>" if str(bundle) == "-" else str(bundle)
    parsed = parse_label_bundle(read_bytes(bundle, max_bytes=MAX_BUNDLE_BYTES), source=source)
    chosen = effective_resolver(resolver, None, warn=False)  # a text, not a printed label
    signer = open_signer(key, passphrase_file) if key is not None else None
    text = label_claim_text(parsed, signer, at=at, resolver=chosen, source=source)
    if output_format == "json":
        ui(ctx).result(json_document("claim", {"source": source, "text": text,
                                               "resolver": chosen}), nl=False)
        return
    ui(ctx).result(text)
