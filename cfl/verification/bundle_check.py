"""Verification of signed bundles: one report row per check, one bottom line.

:func:`verify_bundle` takes the bytes of a bundle and a :class:`~cfl.trust.trust_list.TrustContext`
(no paths, no clock: time is the ``at`` argument) and never raises for bad input; every
problem becomes a row. Call :meth:`VerificationReport.raise_for_status` for the raising
form. The row producers below are small functions so that claim verification
(:mod:`cfl.claim.codec`) can reuse the signer, trust-list and validity rows.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cfl.signing.jcs import canonical_bytes, parse_canonicalisable, plain_canonical_bytes
from cfl.signing.jws import (
    MAX_BUNDLE_BYTES,
    TYP_DECLARATION,
    Bundle,
    SignatureEntry,
    header_problem,
    looks_like_der,
    signed_document_from_json,
)
from cfl.errors import CflError
from cfl.findings import Finding, Severity, best_first
from cfl.signing.keys import PublicKey
from cfl.timeutil import add_years, format_time, parse_time_or_none
from cfl.trust.trust_list import TrustContext, signer_rows
from cfl.verification.report import CheckRow, Status, VerificationReport, error_text

__all__ = [
    "CheckRow",
    "STRICT_POLICY",
    "Status",
    "VerificationPolicy",
    "VerificationReport",
    "verify_bundle",
    "read_bundle",
    "unreadable_bundle_row",
    "bundle_rows",
    "declaration_rows",
    "validity_row",
    "declaration_validity_window",
    "cfl_extension_data",
]

EXTENSION_SCHEMA = "urn:cfl:schema:cfl-extension:1"


@dataclass(frozen=True)
class VerificationPolicy:
    """What a verifier chooses to check beyond the fixed rules (ADR 0061).

    ``ignore_unlisted_cosigners``: a manufacturer's co-signature whose key is not in the
    trust list is reported as ``NOT_CHECKED`` (``cosigner_not_checked``) instead of
    INDETERMINATE (``signer_unknown``), so it does not hold back the bottom line. Off by
    default: PASSED then means every signature in the bundle was checked. Either way a
    bundle needs a certifier signature that passes every check, and a listed
    manufacturer's signature is always checked (a bad one FAILS).
    """

    ignore_unlisted_cosigners: bool = False


#: The default policy: every signature must be checked.
STRICT_POLICY = VerificationPolicy()


def verify_bundle(
    data: bytes, trust: TrustContext, *, at: dt.datetime, source: str = "<bundle>",
    policy: VerificationPolicy = STRICT_POLICY,
) -> VerificationReport:
    """Verify a signed bundle at time ``at`` against ``trust``; every check is a row."""
    try:
        bundle = read_bundle(data, source=source)
    except CflError as exc:
        return VerificationReport(source, at, (unreadable_bundle_row(data, exc, source),))
    rows = [CheckRow("input", Status.PASSED, "well_formed",
                     f"the bundle is well-formed JSON with {len(bundle.signatures)} "
                     "signature(s)", subject=source)]
    rows += bundle_rows(bundle, trust, at=at, policy=policy)
    return VerificationReport(source, at, tuple(rows))


def unreadable_bundle_row(data: bytes, error: CflError, source: str) -> CheckRow:
    """The FAILED ``input`` row for bytes that are not a signed bundle: what kind of file
    they are when recognisably another (an unsigned declaration must be signed first), else
    what is wrong in them; the file is named once, as the row's subject."""
    from cfl.io.kinds import DECLARATION, SIGNED_BUNDLE, document_kind_of

    kind = document_kind_of(data) if len(data) <= MAX_BUNDLE_BYTES else None
    if kind == DECLARATION:
        return CheckRow("input", Status.FAILED, "unsigned_declaration",
                        "is a declaration that has not been signed, not a signed bundle; it "
                        "must be signed first: `cfl sign FILE --key CERTIFIER_KEY --role "
                        "certifier -o bundle.json` makes the signed bundle to verify",
                        subject=source)
    if kind is not None and kind != SIGNED_BUNDLE:
        from cfl.io.kinds import wrong_kind_error

        problem = wrong_kind_error(data, (SIGNED_BUNDLE,), source=source)
        if problem is not None:
            return CheckRow("input", Status.FAILED, problem.code,
                            error_text(problem, source), subject=source)
    return CheckRow("input", Status.FAILED, getattr(error, "code", "bad_bundle"),
                    f"the bundle is not well-formed: {error_text(error, source)}",
                    subject=source)


def read_bundle(data: bytes, *, source: str = "<bundle>") -> Bundle:
    """The same :class:`~cfl.signing.jws.Bundle` (or the same error) as
    :func:`cfl.signing.jws.parse_bundle`, with one parse and the cheapest exact JCS.

    The bytes are parsed once (:func:`cfl.signing.jcs.parse_canonicalisable`), the structure
    and the signature entries are checked by :func:`cfl.signing.jws.signed_document_from_json`
    itself, and the payload comes from :func:`cfl.signing.jcs.plain_canonical_bytes` when the
    parse proved that exact, else from :func:`cfl.signing.jcs.canonical_bytes`.
    ``tests/test_verify_fast_path.py`` shows both readers agree.
    """
    value, plain = parse_canonicalisable(data, source=source, max_bytes=MAX_BUNDLE_BYTES)
    declaration = value.get("declaration") if isinstance(value, dict) else None
    if not isinstance(declaration, dict):  # let the envelope say what is wrong
        document = signed_document_from_json(value, content_key="declaration", source=source)
        declaration = document.content
    # The structure and signature entries are the envelope's business; the declaration is
    # swapped for an empty object there only so that its JCS bytes are computed once, here.
    shell = dict(value)
    shell["declaration"] = {}
    document = signed_document_from_json(shell, content_key="declaration", source=source)
    payload = plain_canonical_bytes(declaration) if plain else canonical_bytes(declaration)
    return Bundle(declaration=declaration, signatures=document.signatures, payload=payload,
                  digest=hashlib.sha256(payload).digest())


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
    extension = cfl_extension_data(declaration)
    category = _string(extension.get("productCategory"))
    rule_set_value = extension.get("ruleSet")
    rule_set = _string(rule_set_value.get("id")) if isinstance(rule_set_value, dict) else None
    declaration_id = _string(declaration.get("id")) or ""
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
        rows.append(CheckRow("certifier-signature", Status.FAILED, "no_certifier_signature",
                             "the bundle has no certifier signature"))
    elif certifier_passed:
        rows.append(CheckRow("certifier-signature", Status.PASSED, "certified",
                             "at least one certifier signature passed every check"))
    start, end = declaration_validity_window(declaration)
    rows.append(validity_row(start, end, at, subject=declaration_id or None))
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
    problem = header_problem(entry, typ=TYP_DECLARATION)
    if problem is not None:
        return [CheckRow("signature", Status.FAILED, problem[0], problem[1], subject=subject)]
    if entry.alg == "ES256" and len(entry.signature) != 64 and looks_like_der(entry.signature):
        return [CheckRow("signature", Status.FAILED, "signature_der",
                         "the ES256 signature is in ASN.1 DER form; JOSE requires the 64-byte "
                         "raw R‖S form", subject=subject)]
    signing_input = entry.signing_input(bundle.payload)

    def verify(key: PublicKey) -> bool:
        return key.alg == entry.alg and key.verify(entry.signature, signing_input)

    if entry.role == "manufacturer" and trust.trust_list is not None and \
            trust.find(entry.kid) is None:
        if policy.ignore_unlisted_cosigners:
            return [CheckRow("signature", Status.NOT_CHECKED, "cosigner_not_checked",
                             f"the manufacturer key {entry.kid} is not in the trust list; its "
                             "co-signature is not checked (policy: ignore unlisted "
                             "co-signers) and counts for nothing", subject=subject)]
        return [CheckRow("signature", Status.INDETERMINATE, "signer_unknown",
                         f"the manufacturer key {entry.kid} is not in the trust list, so its "
                         "co-signature cannot be checked; the scheme operator lists it with "
                         "role manufacturer, or the verifier chooses to ignore unlisted "
                         "co-signers", subject=subject)]
    if entry.role in ("certifier", "manufacturer"):
        return signer_rows(
            trust, kid=entry.kid, verify=verify, product_category=product_category,
            rule_set=rule_set, signed_at=entry.signed_at, at=at,
            declaration_id=declaration_id, alg=entry.alg, subject=subject, role=entry.role,
        )
    return [CheckRow("signature", Status.FAILED, "bad_role",
                     f"the signature's role {entry.role!r} is not certifier or manufacturer",
                     subject=subject)]


def declaration_rows(declaration: dict[str, Any]) -> list[CheckRow]:
    """Schema and semantic (cross-field) rows (:mod:`cfl.declaration.schema`, :mod:`cfl.declaration.model`).

    A valid declaration costs the compiled schema predicate and the error-producing
    semantic checks only; the reference validator runs (and explains) only when the
    predicate says no.
    """
    schema_conforms, schema_findings, semantic_findings = _declaration_checks()
    if schema_conforms(declaration):
        rows = [_SCHEMA_VALID]
    else:
        schema_errors = [f for f in best_first(schema_findings(declaration))
                         if f.severity is Severity.ERROR]
        if schema_errors:
            first = schema_errors[0]
            return [CheckRow("schema", Status.FAILED, "schema_invalid",
                             f"the declaration does not match its schema "
                             f"({len(schema_errors)} problem(s)); first: {first.path}: "
                             f"{first.message} [{first.code}]"), _SEMANTIC_SKIPPED]
        rows = [_SCHEMA_VALID]
    semantic_errors = semantic_findings(declaration, errors_only=True)
    if semantic_errors:
        semantic_errors = best_first(semantic_errors)
        first = semantic_errors[0]
        rows.append(CheckRow("semantic", Status.FAILED, "semantic_invalid",
                             f"the declaration fails {len(semantic_errors)} cross-field "
                             f"check(s); first: {first.path}: {first.message} [{first.code}]"))
    else:
        rows.append(_SEMANTIC_VALID)
    return rows


@functools.cache
def _declaration_checks() -> tuple[
    Callable[[Any], bool], Callable[[Any], list[Finding]], Callable[..., list[Finding]]
]:
    """The schema predicate, schema findings and semantic findings, imported on first use
    (``jsonschema`` is slow to import; commands that never verify a bundle do not pay)."""
    from cfl.declaration.model import semantic_findings
    from cfl.declaration.schema import fast_declaration_check, schema_findings

    return fast_declaration_check(), schema_findings, semantic_findings


# Rows that say the same every time are built once (a row is a frozen value).
_SCHEMA_VALID = CheckRow("schema", Status.PASSED, "schema_valid",
                         "the declaration matches the PACT v3 and cfl extension schemas")
_SEMANTIC_SKIPPED = CheckRow("semantic", Status.INDETERMINATE, "semantic_skipped",
                             "cross-field checks are not meaningful on a schema-invalid "
                             "declaration")
_SEMANTIC_VALID = CheckRow("semantic", Status.PASSED, "semantic_valid",
                           "the declaration passes the cross-field checks (totals, stages, "
                           "validity window)")


def validity_row(
    start: dt.datetime | None, end: dt.datetime | None, at: dt.datetime,
    subject: str | None = None,
) -> CheckRow:
    """Whether ``at`` falls within a declaration's validity period."""
    if end is None:
        return CheckRow("validity", Status.INDETERMINATE, "validity_unknown",
                        "the declaration's validity period cannot be determined",
                        subject=subject)
    if start is not None and at < start:
        return CheckRow("validity", Status.FAILED, "declaration_not_yet_valid",
                        f"the declaration is valid from {format_time(start)}, after "
                        f"{format_time(at)}", subject=subject)
    if at > end:
        return CheckRow("validity", Status.FAILED, "declaration_expired",
                        f"the declaration's validity ended {format_time(end)}", subject=subject)
    since = f"from {format_time(start)} " if start is not None else ""
    return CheckRow("validity", Status.PASSED, "declaration_valid",
                    f"the declaration is valid {since}until {format_time(end)}",
                    subject=subject)


def declaration_validity_window(
    declaration: dict[str, Any],
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """PACT v3 validity: ``validityPeriodStart``/``End``; a missing end is the reference
    period end + 3 years, a missing start the reference period end."""
    start = parse_time_or_none(declaration.get("validityPeriodStart"))
    end = parse_time_or_none(declaration.get("validityPeriodEnd"))
    pcf = declaration.get("pcf")
    reference_end = (parse_time_or_none(pcf.get("referencePeriodEnd"))
                     if isinstance(pcf, dict) else None)
    if reference_end is not None:
        if start is None:
            start = reference_end
        if end is None:
            end = add_years(reference_end, 3)  # None past the calendar: end unknown
    return start, end


def cfl_extension_data(declaration: dict[str, Any]) -> dict[str, Any]:
    """The ``data`` of the cfl extension (empty if absent or malformed)."""
    extensions = declaration.get("extensions")
    if not isinstance(extensions, list):
        return {}
    for extension in extensions:
        if isinstance(extension, dict) and extension.get("dataSchema") == EXTENSION_SCHEMA:
            data = extension.get("data")
            return data if isinstance(data, dict) else {}
    return {}


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) else None
