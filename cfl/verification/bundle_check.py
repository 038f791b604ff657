"""Verification of signed bundles: one report row per check, one bottom line.

:func:`verify_bundle` takes the bytes of a bundle and a :class:`~cfl.trust.context.TrustContext`
(no paths, no clock: time is the ``at`` argument) and never raises for bad input; every
problem becomes a row. Call :meth:`~cfl.report.model.VerificationReport.raise_for_status` for
the raising form, or use :func:`cfl.verification.verify`, which also reads label PDFs, QR
photos and QR texts.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

from cfl.bundle.model import Bundle, read_bundle
from cfl.claim.decode import decode_claim, names_format_2
from cfl.claim.model import binding_digest
from cfl.errors import CflError
from cfl.findings import Finding, Severity, best_first
from cfl.report.model import CheckRow, Status, VerificationReport
from cfl.report.reasons import problem_row, row
from cfl.signing.b64url import b64url_decode
from cfl.signing.jws import TYP_DECLARATION, SignatureEntry, form_problem
from cfl.signing.keys import PublicKey
from cfl.trust.context import TrustContext
from cfl.verification.disclosure_check import disclosure_rows
from cfl.verification.facts import bundle_facts
from cfl.verification.policy import STRICT_POLICY, VerificationPolicy
from cfl.verification.rows import unreadable_bundle_row, validity_row
from cfl.verification.signer import signer_rows


def verify_bundle(
    data: bytes, trust: TrustContext, *, at: dt.datetime, source: str = "<bundle>",
    policy: VerificationPolicy = STRICT_POLICY, proof: bytes | None = None,
) -> VerificationReport:
    """Verify a signed bundle at time ``at`` against ``trust``; every check is a row.
    ``proof``: the bundle's proof of disclosure, if it travels with it (the disclosure row,
    :mod:`cfl.verification.disclosure_check`)."""
    try:
        bundle = read_bundle(data, source=source)
    except CflError as exc:
        return VerificationReport(source, at, (unreadable_bundle_row(data, exc, source),))
    rows = [row("well_formed", signatures=len(bundle.signatures), subject=source)]
    rows += bundle_rows(bundle, trust, at=at, policy=policy)
    rows += disclosure_rows(bundle, proof, trust, at=at, policy=policy)
    return VerificationReport(source, at, tuple(rows), facts=bundle_facts(bundle, trust))


def bundle_rows(bundle: Bundle, trust: TrustContext, *, at: dt.datetime,
                include_trust_rows: bool = True,
                policy: VerificationPolicy = STRICT_POLICY) -> list[CheckRow]:
    """Every row after parsing: declaration, trust list (unless the caller already reports
    it, as for the second page of a label PDF), signatures, validity.

    The ``certified`` row needs a ``certifier`` signature whose every row passed, which
    only a key listed with role certifier can give; a manufacturer's signature never does.
    """
    declaration = bundle.declaration
    rows = declaration_rows(declaration)
    if include_trust_rows:
        rows += trust.rows
    view = bundle.view
    category, rule_set = view.product_category, view.rule_set_id
    declaration_id = view.id or ""
    certifier_passed = False
    for index, entry in enumerate(bundle.signatures):
        entry_rows = signature_entry_rows(
            bundle, index, entry, trust, at=at, product_category=category, rule_set=rule_set,
            declaration_id=declaration_id, policy=policy,
        )
        rows += entry_rows
        if entry.role == "certifier" and entry_rows and all(
            row.status is Status.PASSED for row in entry_rows
        ):
            certifier_passed = True
    if not any(entry.role == "certifier" for entry in bundle.signatures):
        rows.append(row("no_certifier_signature"))
    elif certifier_passed:
        rows.append(row("certified"))
    window = view.validity
    rows.append(validity_row(window.start, window.end, at, subject=declaration_id or None))
    return rows


def signature_entry_rows(
    bundle: Bundle, index: int, entry: SignatureEntry, trust: TrustContext, *,
    at: dt.datetime, product_category: str | None, rule_set: str | None, declaration_id: str,
    policy: VerificationPolicy = STRICT_POLICY,
) -> list[CheckRow]:
    """Rows for signature ``index``: header policy, then the signer checks by role.

    Every signature is checked against the trust list entry of its key, whose roles must
    include the signature's ``cfl.role``. The one exception is a manufacturer's signature
    by a key the trust list does not hold: it cannot be checked at all, which is
    INDETERMINATE (``signer_unknown``), or NOT_CHECKED when ``policy`` says to ignore
    unlisted co-signers.
    """
    subject = f"signature[{index}] ({entry.role or 'no role'})"
    problem = form_problem(entry, typ=TYP_DECLARATION)
    if problem is not None:
        return [problem_row(*problem, check="signature", subject=subject)]
    signing_input = entry.signing_input(bundle.payload)

    def verify(key: PublicKey) -> bool:
        return key.alg == entry.key_alg and key.verify(entry.signature, signing_input)

    if entry.role == "manufacturer" and trust.trust_list is not None and \
            trust.find(entry.kid) is None:
        if policy.ignore_unlisted_cosigners:
            return [row("cosigner_not_checked", kid=entry.kid, subject=subject)]
        return [row("signer_unknown", kid=entry.kid, subject=subject)]
    if entry.role in ("certifier", "manufacturer"):
        return signer_rows(
            trust, kid=entry.kid, verify=verify, product_category=product_category,
            rule_set=rule_set, signed_at=entry.signed_at, at=at,
            declaration_id=declaration_id, alg=entry.key_alg, subject=subject, role=entry.role,
            status_index=claim_status_index(bundle, entry, trust)
            if entry.role == "certifier" else None,
        )
    return [row("bad_role", role=entry.role, subject=subject)]


def claim_status_index(bundle: Bundle, entry: SignatureEntry, trust: TrustContext
                       ) -> int | None:
    """The status index of the format-2 claim a certifier issued with this signature (its
    ``cfl.claim`` header), so that a bundle is checked in the certifier's status list as well
    as by its id (ADR 0143). Only a claim bound to this very signature (its binding) and
    signed by the signer's listed key counts: the header is not covered by the JWS, so any
    other claim there says nothing. None without such a claim (format 1, or none)."""
    encoded = entry.claim
    key = trust.key_for(entry.kid)
    if encoded is None or key is None:
        return None
    try:
        raw = b64url_decode(encoded, what="'cfl.claim'")
        if not names_format_2(raw):  # a format-1 claim carries no status index: not decoded
            return None
        signed = decode_claim(raw)
    except CflError:
        return None
    claim = signed.claim
    if claim.status_index is None or \
            claim.digest != binding_digest(bundle.digest, entry.signature) or \
            not signed.signature_valid(key):
        return None
    return claim.status_index


def declaration_rows(declaration: dict[str, Any]) -> list[CheckRow]:
    """Schema and semantic (cross-field) rows (:mod:`cfl.declaration.schema`,
    :mod:`cfl.declaration.rules`).

    A valid declaration costs the compiled schema predicate and the error-producing
    semantic checks only; the reference validator runs (and explains) only when the
    predicate says no.
    """
    schema_conforms, schema_findings, semantic_findings = _declaration_checks()
    if schema_conforms(declaration):
        rows = [row("schema_valid")]
    else:
        schema_errors = [f for f in best_first(schema_findings(declaration))
                         if f.severity is Severity.ERROR]
        if schema_errors:
            first = schema_errors[0]
            return [row("schema_invalid", count=len(schema_errors), first_path=first.path,
                        first_message=first.message, first_code=first.code),
                    row("semantic_skipped")]
        rows = [row("schema_valid")]
    semantic_errors = semantic_findings(declaration, errors_only=True)
    if semantic_errors:
        semantic_errors = best_first(semantic_errors)
        first = semantic_errors[0]
        rows.append(row("semantic_invalid", count=len(semantic_errors), first_path=first.path,
                        first_message=first.message, first_code=first.code))
    else:
        rows.append(row("semantic_valid"))
    return rows


@functools.cache
def _declaration_checks() -> tuple[
    Callable[[Any], bool], Callable[[Any], list[Finding]], Callable[..., list[Finding]]
]:
    """The schema predicate, schema findings and semantic findings, imported on first use
    (``jsonschema`` is slow to import; commands that never verify a bundle do not pay)."""
    from cfl.declaration.rules import semantic_findings
    from cfl.declaration.schema import fast_declaration_check, schema_findings

    return fast_declaration_check(), schema_findings, semantic_findings

