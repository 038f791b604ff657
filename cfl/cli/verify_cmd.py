"""``cfl verify``: verify a signed bundle against a pinned trust list; exit by bottom line.

Exit codes: 0 PASSED, 1 FAILED (or an input the command cannot read), 3 INDETERMINATE,
2 usage error.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from cfl.cli.options import at_option, format_option
from cfl.io.jsonio import dumps_pretty, read_bytes
from cfl.signing.keys import load_public_key
from cfl.trust.revocation import MAX_REVOCATION_BYTES
from cfl.trust.trust_list import (
    MAX_TRUST_LIST_BYTES,
    DirectoryTrustStore,
    TrustContext,
    default_trust_store_path,
    load_trust_context,
)
from cfl.verification.report import Status, VerificationReport

if TYPE_CHECKING:
    from cfl.verification.bundle_check import VerificationPolicy

EXIT_BY_STATUS = {Status.PASSED: 0, Status.FAILED: 1, Status.INDETERMINATE: 3}
#: Bound on any input handed to `cfl verify` before it is dispatched.
MAX_INPUT_BYTES = 16 * 1024 * 1024

Verifier = Callable[[bytes, TrustContext, dt.datetime, str], VerificationReport]


def select_verifier(data: bytes, source: str, policy: VerificationPolicy | None = None
                    ) -> Verifier:
    """Pick the verification for an input by its content: a label PDF (embedded bundle and
    the QR on the rendered page), a PNG/JPEG of a QR code, or a signed bundle."""
    from cfl.label.readback import is_image, is_pdf, verify_label, verify_qr_image
    from cfl.verification.bundle_check import STRICT_POLICY, verify_bundle

    chosen = policy or STRICT_POLICY
    if is_pdf(data):
        def label(data: bytes, trust: TrustContext, at: dt.datetime, source: str
                  ) -> VerificationReport:
            return verify_label(data, trust, at=at, source=source, policy=chosen)

        return label
    if is_image(data):
        def image(data: bytes, trust: TrustContext, at: dt.datetime, source: str
                  ) -> VerificationReport:
            return verify_qr_image(data, trust, at=at, source=source)

        return image

    def bundle(data: bytes, trust: TrustContext, at: dt.datetime, source: str
               ) -> VerificationReport:
        return verify_bundle(data, trust, at=at, source=source, policy=chosen)

    return bundle


def render_report(report: VerificationReport, output_format: str) -> str:
    if output_format == "json":
        return dumps_pretty(report.to_json())
    lines = []
    for row in report.rows:
        subject = f" {row.subject}:" if row.subject else ""
        lines.append(f"{row.status.value:<13} {row.code:<30}{subject} {row.message}")
    lines.append(report.summary())
    return "\n".join(lines) + "\n"


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
    from cfl.verification.bundle_check import VerificationPolicy

    if (subject is None) == (claim_text is None):
        raise click.UsageError("give either SUBJECT or --text TEXT")
    if subject is not None:
        source = "<stdin>" if str(subject) == "-" else str(subject)
        data = read_bytes(subject, max_bytes=MAX_INPUT_BYTES)
    anchor_key = load_public_key(anchor)
    trust_bytes = (read_bytes(trust_list, max_bytes=MAX_TRUST_LIST_BYTES)
                   if trust_list is not None else None)
    revocation_bytes = [read_bytes(p, max_bytes=MAX_REVOCATION_BYTES) for p in revocations]
    store = DirectoryTrustStore(trust_store or default_trust_store_path())
    trust = load_trust_context(
        trust_bytes, anchor=anchor_key, at=at, store=store, revocations=revocation_bytes,
        source=str(trust_list) if trust_list is not None else "<trust store>",
        revocation_sources=[str(p) for p in revocations],
    )
    if claim_text is not None:
        from cfl.claim.codec import verify_claim

        report = verify_claim(claim_text, trust, at=at, source="<text>")
    else:
        policy = VerificationPolicy(ignore_unlisted_cosigners=ignore_unlisted_cosigners)
        report = select_verifier(data, source, policy)(data, trust, at, source)
    click.echo(render_report(report, output_format), nl=False)
    ctx.exit(EXIT_BY_STATUS[report.bottom_line])
