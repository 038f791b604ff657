"""``cfl verify``: verify a signed bundle against a pinned trust list; exit by bottom line.

Exit codes: 0 PASSED, 1 FAILED (or an input the command cannot read), 3 INDETERMINATE,
2 usage error.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from cfl import verification
from cfl.cli.options import at_option, format_option
from cfl.io.jsonio import read_bytes
from cfl.report.model import Status
from cfl.report.render import render_report
from cfl.signing.keys import load_public_key
from cfl.trust.context import build_trust_context
from cfl.trust.revocation import MAX_REVOCATION_BYTES
from cfl.trust.store import (
    DirectoryTrustStore,
    default_trust_store_path,
    read_stored_trust,
    remember_trust,
)
from cfl.trust.trust_list import MAX_TRUST_LIST_BYTES

EXIT_BY_STATUS = {Status.PASSED: 0, Status.FAILED: 1, Status.INDETERMINATE: 3}
#: Bound on any input handed to `cfl verify` before it is dispatched.
MAX_INPUT_BYTES = 16 * 1024 * 1024


@click.command()
@click.argument("subject", required=False,
                type=click.Path(path_type=Path, allow_dash=True, dir_okay=False))
@click.option("--text", "claim_text", default=None,
              help="Verify a scanned QR text (a compact claim) instead of a file.")
@click.option("--trust", "trust_list", type=click.Path(path_type=Path, dir_okay=False),
              default=None, help="The signed trust list (default: the last one accepted).")
@click.option("--anchor", required=True, type=click.Path(path_type=Path),
              help="The scheme operator's public JWK (or key folder) to pin.")
@click.option("--revocations", multiple=True, type=click.Path(path_type=Path, dir_okay=False),
              help="A certifier's signed revocation list (repeatable).")
@click.option("--trust-store", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Folder remembering accepted trust lists and revocation lists "
              "(default: the user cache folder).")
@click.option("--ignore-unlisted-cosigners", is_flag=True,
              help="Report a manufacturer's co-signature whose key is not in the trust list "
              "as NOT_CHECKED instead of INDETERMINATE (the certifier's signature must still "
              "pass; a listed manufacturer's signature is always checked).")
@at_option
@format_option
@click.pass_context
def verify(ctx: click.Context, subject: Path | None, claim_text: str | None,
           trust_list: Path | None, anchor: Path,
           revocations: tuple[Path, ...], trust_store: Path | None,
           ignore_unlisted_cosigners: bool, at: dt.datetime, output_format: str) -> None:
    """Verify SUBJECT (a signed bundle, a label PDF or a PNG/JPEG of a label's QR code) or
    --text (a scanned QR text); exit 0 PASSED, 1 FAILED, 3 INDETERMINATE."""
    if (subject is None) == (claim_text is None):
        raise click.UsageError("give either SUBJECT or --text TEXT")
    data: bytes | str
    if subject is not None:
        source = "<stdin>" if str(subject) == "-" else str(subject)
        data = read_bytes(subject, max_bytes=MAX_INPUT_BYTES)
    else:
        source, data = "<text>", str(claim_text)
    anchor_key = load_public_key(anchor)
    trust_bytes = (read_bytes(trust_list, max_bytes=MAX_TRUST_LIST_BYTES)
                   if trust_list is not None else None)
    revocation_bytes = [read_bytes(p, max_bytes=MAX_REVOCATION_BYTES) for p in revocations]
    store = DirectoryTrustStore(trust_store or default_trust_store_path())
    trust = build_trust_context(
        trust_bytes, anchor=anchor_key, at=at, stored=read_stored_trust(store, anchor_key.kid),
        revocations=revocation_bytes,
        source=str(trust_list) if trust_list is not None else "<trust store>",
        revocation_sources=[str(p) for p in revocations],
    )
    policy = verification.VerificationPolicy(ignore_unlisted_cosigners=ignore_unlisted_cosigners)
    report = verification.verify(data, trust, source=source, policy=policy)
    remember_trust(store, trust.updates)
    click.echo(render_report(report, output_format), nl=False)
    ctx.exit(EXIT_BY_STATUS[report.bottom_line])
