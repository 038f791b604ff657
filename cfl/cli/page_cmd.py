"""``cfl page``: build the offline verification page a phone opens from a label's QR code."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from cfl.cli.options import at_option
from cfl.io.atomic import write_atomic
from cfl.io.jsonio import read_bytes
from cfl.signing.keys import load_public_key
from cfl.trust.revocation import MAX_REVOCATION_BYTES
from cfl.trust.trust_list import MAX_TRUST_LIST_BYTES
from cfl.web.page import build_page

PAGE_FILE = "index.html"


@click.group()
def page() -> None:
    """The offline verification page (one self-contained HTML file)."""


@page.command()
@click.option("--trust", "trust_list", required=True,
              type=click.Path(path_type=Path, dir_okay=False),
              help="The signed trust list to embed.")
@click.option("--anchor", required=True, type=click.Path(path_type=Path),
              help="The scheme operator's public JWK (or key folder) to pin.")
@click.option("--revocations", multiple=True, type=click.Path(path_type=Path, dir_okay=False),
              help="A certifier's signed revocation list to embed (repeatable).")
@click.option("-o", "--output", "output_dir", required=True,
              type=click.Path(path_type=Path, file_okay=False),
              help=f"Folder to write {PAGE_FILE} into (created if missing).")
@at_option
def build(trust_list: Path, anchor: Path, revocations: tuple[Path, ...], output_dir: Path,
          at: dt.datetime) -> None:
    """Verify the trust list and revocation lists as `cfl verify` does, then write
    OUTPUT/index.html: a page that verifies a QR claim offline, with no network access.

    Exit 0 on success, 1 if a list is not accepted at --at or an input is unreadable.
    """
    html = build_page(
        read_bytes(trust_list, max_bytes=MAX_TRUST_LIST_BYTES),
        anchor=load_public_key(anchor),
        revocations=[read_bytes(p, max_bytes=MAX_REVOCATION_BYTES) for p in revocations],
        at=at, source=str(trust_list), revocation_sources=[str(p) for p in revocations],
    )
    output_dir.mkdir(parents=True, exist_ok=True)
    target = output_dir / PAGE_FILE
    write_atomic(target, html)
    click.echo(f"wrote {target} ({len(html)} bytes)")
