"""Verification of a label PDF and of a photo of a label's QR code.

A label PDF is checked as a document (one bundle per page under its expected name, no other
attachment, no active content), then page by page: the embedded bundle's rows, the rows of
the claim in the QR code read from the rendered page, and whether the two are bound (same
SHA-256) and agree. :mod:`cfl.label.readback` does the reading; this module the judging.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from cfl.bundle.model import Bundle, read_bundle
from cfl.claim.decode import decode_claim_text
from cfl.claim.model import SignedClaim
from cfl.errors import CflError
from cfl.label.readback import DEFAULT_DPI, LabelDocument, LabelPage, decode_qr_from_image
from cfl.label.record import RenderRecord, parse_render_record
from cfl.report.model import CheckRow, VerificationReport, VerifiedFacts
from cfl.report.reasons import error_row, problem_row, row
from cfl.trust.context import TrustContext
from cfl.verification.bundle_check import bundle_rows
from cfl.verification.claim_check import (
    binding_rows,
    claim_resolver_text,
    claim_rows,
    claim_well_formed_row,
    issuer_kid,
    remembering,
    verified_issuer,
    verify_claim,
)
from cfl.verification.disclosure_check import disclosure_rows
from cfl.verification.facts import bundle_facts, claim_facts
from cfl.verification.policy import STRICT_POLICY, VerificationPolicy
from cfl.verification.printed import printed_rows
from cfl.verification.redraw import drawing_rows
from cfl.verification.rows import not_well_formed_row


def verify_label(pdf_bytes: bytes, trust: TrustContext, *, at: dt.datetime,
                 source: str = "<pdf>", page: int | None = None, dpi: int = DEFAULT_DPI,
                 policy: VerificationPolicy = STRICT_POLICY) -> VerificationReport:
    """Verify a label PDF: the document, then every page's embedded bundle, QR claim and
    their binding (only page ``page``, 0-based, if given); never raises for bad input
    (every problem is a row). The trust list's rows appear once. ``policy`` applies to
    every page's bundle."""
    try:
        label = LabelDocument(pdf_bytes, source=source)
    except CflError as exc:
        return VerificationReport(source, at, (
            error_row(exc, check="label", frame="plain", subject=source),))
    with label:
        try:
            problem = label.problem()
            page_count = label.page_count
        except CflError as exc:  # pdfium could not read what the document holds
            return VerificationReport(source, at, (
                error_row(exc, check="label", frame="plain", subject=source),))
        rows = [problem_row(*problem, check="label", subject=source) if problem is not None
                else row("label_plain", pages=page_count, subject=source)]
        if label.revisions > 1:
            rows.append(row("label_incremental_update", revisions=label.revisions,
                            subject=source))
        if page_count == 0:  # nothing checked is never PASSED
            rows.append(row("no_such_page", subject=source))
        record = _record(label, rows)
        pages = range(page_count) if page is None else [page]
        several = len(pages) > 1
        facts: VerifiedFacts | None = None
        for index in pages:
            page_rows, page_facts = _page_rows(label, index, trust, at=at, dpi=dpi,
                                               include_trust_rows=index == pages[0],
                                               policy=policy, record=record)
            facts = facts or page_facts
            if several:
                page_rows = [dataclasses.replace(
                    row, subject=f"page {index + 1}" + (f" {row.subject}" if row.subject
                                                          else "")) for row in page_rows]
            rows += page_rows
    return VerificationReport(source, at, tuple(rows), facts=facts)


def _page_rows(label: LabelDocument, page: int, trust: TrustContext, *, at: dt.datetime,
               dpi: int, include_trust_rows: bool, policy: VerificationPolicy,
               record: RenderRecord | None = None
               ) -> tuple[list[CheckRow], VerifiedFacts | None]:
    """The rows of page ``page``, and the facts it carries: its embedded declaration's, or
    (without a readable bundle) its QR claim's."""
    source = label.source
    rows: list[CheckRow] = []
    bundle: Bundle | None = None
    try:
        bundle_bytes: bytes | None = label.bundle_bytes(page)
    except CflError as exc:
        bundle_bytes = None
        rows.append(error_row(exc, check="label-bundle", frame="plain", subject=source))
    if bundle_bytes is not None:
        try:
            bundle = read_bundle(bundle_bytes, source=f"{source} (embedded bundle)")
            rows.append(row("bundle_embedded", signatures=len(bundle.signatures),
                            subject=source))
        except CflError as exc:
            rows.append(not_well_formed_row("label-bundle", exc, source, "embedded-bundle"))
    signed: SignedClaim | None = None
    resolver: str | None = None
    text: str | None
    label_page: LabelPage | None = None
    try:
        label_page = label.page(page)
        if label_page.annotated:
            rows.append(_page_annotated_row(page, source))
        if bundle is not None:
            rows += printed_rows(label_page.text(), bundle, page=page, subject=source)
        text = label_page.qr_text(dpi)
    except CflError as exc:
        text = None
        rows.append(error_row(exc, check="claim", frame="plain", subject=source))
    if text is not None:
        try:
            signed = decode_claim_text(text, source=f"{source} (QR)")
            resolver = claim_resolver_text(text)
            rows.append(claim_well_formed_row(signed, f"{source} (QR)"))
        except CflError as exc:
            rows.append(not_well_formed_row("claim", exc, source, "qr-claim"))
    if bundle is not None:
        rows += bundle_rows(bundle, trust, at=at, include_trust_rows=include_trust_rows,
                            policy=policy)
        rows += disclosure_rows(bundle, _proof(label, page, rows), trust, at=at,
                                policy=policy, subject=source)
    verify = remembering(signed.signature_valid) if signed is not None else None
    if signed is not None:
        rows += claim_rows(signed, trust, at=at,
                           include_trust_rows=include_trust_rows and bundle is None,
                           verify=verify, resolver=resolver)
        if bundle is not None:
            rows += binding_rows(signed, bundle,
                                 issuer=verified_issuer(signed, trust, verify))
    if label_page is not None and bundle is not None and bundle_bytes is not None and \
            text is not None and signed is not None:
        rows += drawing_rows(label_page, record, bundle, bundle_bytes, text, trust,
                             subject=source, required=policy.require_drawing)
    facts = (bundle_facts(bundle, trust, resolver=resolver) if bundle is not None else
             claim_facts(signed, trust, issuer_kid(signed, trust, verify), resolver=resolver)
             if signed is not None else None)
    return rows, facts


def _record(label: LabelDocument, rows: list[CheckRow]) -> RenderRecord | None:
    """The document's render record (None if it has none; one that cannot be read is a
    FAILED row, and then none: the drawing is not compared)."""
    try:
        data = label.render_record()
        return None if data is None else parse_render_record(data, source=label.source)
    except CflError as exc:
        rows.append(error_row(exc, check="label", frame="plain", subject=label.source))
        return None


def _proof(label: LabelDocument, page: int, rows: list[CheckRow]) -> bytes | None:
    """The proof of disclosure embedded beside page ``page``'s bundle (None if there is
    none; one that cannot be read is a row, and then none)."""
    try:
        return label.proof_bytes(page)
    except CflError as exc:
        rows.append(error_row(exc, check="label-bundle", frame="plain", subject=label.source))
        return None


def _page_annotated_row(page: int, source: str) -> CheckRow:
    return row("label_active_content", page=page + 1, subject=source)


def verify_qr_image(image_bytes: bytes, trust: TrustContext, *, at: dt.datetime,
                    source: str = "<image>") -> VerificationReport:
    """Verify the claim in a photo or scan of a label's QR code."""
    try:
        text = decode_qr_from_image(image_bytes, source=source)
    except CflError as exc:
        return VerificationReport(source, at, (
            error_row(exc, check="claim", frame="plain", subject=source),))
    return verify_claim(text, trust, at=at, source=f"{source} (QR)")
