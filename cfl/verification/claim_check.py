"""Verification of a QR claim: well-formed, signed by a trusted certifier in scope, valid,
not revoked, and (with its bundle) bound to and agreeing with the declaration."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from cfl.bundle.claim import claim_binding
from cfl.bundle.model import Bundle
from cfl.claim.decode import decode_claim, decode_claim_text
from cfl.claim.model import SignedClaim
from cfl.claim.text import split_claim_text
from cfl.errors import CflError
from cfl.report.model import CheckRow, VerificationReport
from cfl.report.reasons import error_row, row
from cfl.signing.b64url import b64url_encode
from cfl.signing.keys import PublicKey
from cfl.trust.context import TrustContext
from cfl.verification.facts import claim_facts
from cfl.verification.resolver_check import resolver_row
from cfl.verification.rows import validity_row
from cfl.verification.signer import signer_rows

#: The most trusted entries sharing one kid hint that are tried for a claim's signature
#: (an operator would have to list that many keys whose thumbprints share the hint's
#: first bytes to reach it).
MAX_HINT_CANDIDATES = 4


def verify_claim(
    data: bytes | str, trust: TrustContext, *, at: dt.datetime, source: str = "<text>",
    bundle: Bundle | None = None,
) -> VerificationReport:
    """Verify a claim (its text, or its COSE bytes) at ``at``; never raises for bad input.

    With ``bundle`` the report also says whether claim and bundle are bound and agree (the
    bundle's own rows are :func:`cfl.verification.bundle_check.bundle_rows`' business).
    """
    try:
        signed = (decode_claim_text(data, source=source) if isinstance(data, str)
                  else decode_claim(data, source=source))
    except CflError as exc:
        failed = error_row(exc, check="claim", frame="claim", subject=source)
        return VerificationReport(source, at, (failed,))
    verify = remembering(signed.signature_valid)
    resolver = claim_resolver_text(data) if isinstance(data, str) else None
    rows = [claim_well_formed_row(signed, source)]
    rows += claim_rows(signed, trust, at=at, verify=verify, resolver=resolver)
    if bundle is not None:
        rows += binding_rows(signed, bundle, issuer=verified_issuer(signed, trust, verify))
    return VerificationReport(f"claim for {claim_subject(signed)}", at, tuple(rows),
                              facts=claim_facts(signed, trust, issuer_kid(signed, trust, verify),
                                                resolver=resolver))


def claim_resolver_text(text: str) -> str:
    """The resolver URL of a (decodable) QR text: everything up to its last ``/``."""
    return split_claim_text(text.strip())[0]


def claim_subject(signed: SignedClaim) -> str:
    """What a claim names its declaration by: the id (format 1), or its status index and
    binding (format 2, which carries no id)."""
    claim = signed.claim
    if claim.declaration_id is not None:
        return str(claim.declaration_id)
    return f"status list index {claim.status_index} (binding {claim.digest.hex()})"


def claim_well_formed_row(signed: SignedClaim, source: str) -> CheckRow:
    return row("claim_well_formed", alg=signed.alg, size=len(signed.encoded),
               declaration=claim_subject(signed), subject=source)


def claim_rows(
    signed: SignedClaim, trust: TrustContext, *, at: dt.datetime,
    include_trust_rows: bool = True, subject: str = "claim",
    verify: Callable[[PublicKey], bool] | None = None, resolver: str | None = None,
) -> list[CheckRow]:
    """Rows for a decoded claim: trust list (optional), signer checks, validity, and, for a
    claim read from a QR text, whether its ``resolver`` URL is the scheme's. ``verify``
    (from :func:`remembering`) lets a caller that also names the issuer verify once."""
    claim = signed.claim
    rows: list[CheckRow] = list(trust.rows) if include_trust_rows else []
    verify = verify or remembering(signed.signature_valid)
    rows += signer_rows(
        trust, kid=issuer_kid(signed, trust, verify), verify=verify,
        product_category=claim.product_category, rule_set=claim.rule_set,
        signed_at=claim.issued_at, at=at,
        declaration_id=str(claim.declaration_id) if claim.declaration_id is not None else None,
        alg=signed.alg, subject=subject, status_index=claim.status_index,
    )
    rows.append(validity_row(claim.valid_from, claim.valid_until, at, subject=subject))
    if resolver is not None:
        rows.append(resolver_row(resolver, trust, subject=subject))
    return rows


def issuer_kid(signed: SignedClaim, trust: TrustContext,
               verify: Callable[[PublicKey], bool] | None = None) -> str:
    """The full kid of the trusted key that made ``signed``, found by its kid hint.

    The trusted entries whose kid starts with the hint (found by the list's index, at most
    :data:`MAX_HINT_CANDIDATES` of them, so a claim costs a bounded number of signature
    verifications whatever the list's size) are the candidates and the signature decides:
    the first candidate whose key verifies it. If none does, the first candidate
    (so the signer rows say the signature does not verify), or, with no candidate, the
    hint itself in base64url (so they say the signer is not trusted).
    """
    check = verify or signed.signature_valid
    trust_list = trust.trust_list
    candidates = () if trust_list is None else \
        trust_list.with_hint(signed.claim.issuer_kid_hint)[:MAX_HINT_CANDIDATES]
    for entry in candidates:
        if check(entry.public_key):
            return entry.kid
    if candidates:
        return candidates[0].kid
    return b64url_encode(signed.claim.issuer_kid_hint)


def remembering(verify: Callable[[PublicKey], bool]) -> Callable[[PublicKey], bool]:
    """``verify`` with its answers remembered per key (the hint search and the signer rows
    would otherwise verify the same signature twice)."""
    answers: dict[str, bool] = {}

    def remembered(key: PublicKey) -> bool:
        answer = answers.get(key.kid)
        if answer is None:
            answer = answers[key.kid] = verify(key)
        return answer

    return remembered


def verified_issuer(signed: SignedClaim, trust: TrustContext,
                    verify: Callable[[PublicKey], bool] | None = None) -> str | None:
    """The kid of the trusted key whose signature the claim carries, or None (no trust
    list, no candidate, or none verifies)."""
    check = verify or signed.signature_valid
    kid = issuer_kid(signed, trust, check)
    entry = trust.find(kid)
    return kid if entry is not None and check(entry.public_key) else None


def binding_rows(signed: SignedClaim, bundle: Bundle, *, subject: str = "claim",
                 issuer: str | None = None) -> list[CheckRow]:
    """Whether the claim is bound to ``bundle`` (format 1: the digest; format 2: the
    binding of the declaration and the certifier signature of ``issuer``, the key the
    claim's signature verified under, when known) and agrees with its declaration."""
    binding = claim_binding(signed, bundle, issuer_kid=issuer)
    if not binding.bound:
        return [row("claim_digest_mismatch", subject=subject)]
    rows = [row("claim_bound", subject=subject)]
    if binding.incomparable is not None:
        rows.append(row("claim_disagrees", form="incomparable", detail=binding.incomparable,
                        subject=subject))
    elif binding.differences:
        rows.append(row("claim_disagrees", fields=", ".join(binding.differences),
                        subject=subject))
    else:
        rows.append(row("claim_agrees", subject=subject))
    return rows
