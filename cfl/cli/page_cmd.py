"""``cfl page``: build the offline verification page a phone opens from a label's QR code."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from click.core import ParameterSource

from cfl.cli.jsonout import json_document
from cfl.cli.options import at_option, format_option, load_public_key_arg
from cfl.cli.ui import ui
from cfl.io.atomic import write_atomic
from cfl.io.jsonio import read_bytes
from cfl.trust.revocation import MAX_REVOCATION_BYTES
from cfl.trust.status_list import MAX_STATUS_LIST_BYTES
from cfl.trust.trust_list import MAX_TRUST_LIST_BYTES
from cfl.web.page import build_page

PAGE_FILE = "index.html"


@click.group()
def page() -> None:
    """The offline verification page (one self-contained HTML file)."""


@page.command()
@click.option("--trust", "trust_list", required=True,
              type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
              help="The signed trust list to embed (cfl.toml: trust).")
@click.option("--anchor", required=True, type=click.Path(path_type=Path, allow_dash=True),
              help="The scheme operator's public JWK (or key folder) to pin (cfl.toml: "
              "anchor).")
@click.option("--revocations", multiple=True,
              type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
              help="A certifier's signed revocation list to embed (repeatable; cfl.toml: "
              "revocations). Required, unless --no-revocations.")
@click.option("--no-revocations", is_flag=True,
              help="Build a page without revocation lists: every claim it checks then comes "
              "out INDETERMINATE (revocation not checked). For trying the page out only.")
@click.option("--status-list", "status_lists", multiple=True,
              type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
              help="A certifier's signed status list to embed, for format-2 claims "
              "(repeatable; cfl.toml: status-lists). Without its certifier's status list a "
              "format-2 claim comes out INDETERMINATE.")
@click.option("-o", "--output", "output_dir", required=True,
              type=click.Path(path_type=Path, file_okay=False),
              help=f"Folder to write {PAGE_FILE} into (created if missing).")
@at_option
@format_option
@click.pass_context
def build(ctx: click.Context, trust_list: Path, anchor: Path, revocations: tuple[Path, ...],
          no_revocations: bool, status_lists: tuple[Path, ...], output_dir: Path,
          at: dt.datetime, output_format: str) -> None:
    """Verify the trust list, revocation lists and status lists as `cfl verify` does, then write
    OUTPUT/index.html: a page that verifies a QR claim offline, with no network access.

    Without revocation lists every scan would be INDETERMINATE, so the page is refused
    unless --no-revocations says that is meant. Exit 0 on success, 1 if a list is not
    accepted at --at or an input is unreadable.
    """
    if not revocations and not no_revocations:
        raise click.UsageError(
            "no revocation list given: a page without one cannot tell whether a label was "
            "revoked, and every scan comes out INDETERMINATE. Give each certifier's list with "
            "--revocations FILE (or revocations in cfl.toml), or pass --no-revocations to "
            "build such a page anyway")
    if revocations and no_revocations:
        if ctx.get_parameter_source("revocations") is not ParameterSource.DEFAULT_MAP:
            raise click.UsageError("--no-revocations contradicts --revocations; give one of "
                                   "them")
        revocations = ()  # the option overrides cfl.toml's lists
    if no_revocations:
        ui(ctx).warn("building a page without revocation lists: every scan it checks comes out "
                     "INDETERMINATE (revocation not checked)", loud=True)
    html = build_page(
        read_bytes(trust_list, max_bytes=MAX_TRUST_LIST_BYTES),
        anchor=load_public_key_arg(anchor),
        revocations=[read_bytes(p, max_bytes=MAX_REVOCATION_BYTES) for p in revocations],
        at=at, source=str(trust_list), revocation_sources=[str(p) for p in revocations],
        status_lists=[read_bytes(p, max_bytes=MAX_STATUS_LIST_BYTES) for p in status_lists],
        status_list_sources=[str(p) for p in status_lists],
    )
    output_dir.mkdir(parents=True, exist_ok=True)
    target = output_dir / PAGE_FILE
    write_atomic(target, html)
    if output_format == "json":
        ui(ctx).result(json_document("page", {
            "file": str(target), "bytes": len(html), "trustList": str(trust_list),
            "revocations": [str(p) for p in revocations],
            "statusLists": [str(p) for p in status_lists]}), nl=False)
        return
    ui(ctx).result(f"wrote {target} ({len(html)} bytes)")
