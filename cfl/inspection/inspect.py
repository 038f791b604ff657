"""What is inside a QR claim, a signed bundle, a label PDF (or a declaration, a trust list, a
revocation list), shown without verifying anything.

:func:`inspect_bytes` and :func:`inspect_text` parse strictly and with the same bounds as
verification, and return an :class:`Inspection`: the fields, the signers as the file states
them, the attachments and the QR claim of every label page. Nothing here says whether a
signature verifies or a signer is trusted: that is ``cfl verify``. :func:`declaration_ids`
gives the declaration ids a file names (for ``cfl revoke``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from cfl.bundle.claim import claim_binding
from cfl.bundle.model import Bundle, parse_bundle
from cfl.claim.decode import decode_claim, decode_claim_text
from cfl.claim.model import SignedClaim
from cfl.claim.text import split_claim_text
from cfl.declaration.view import DeclarationView
from cfl.errors import CflError, InputError
from cfl.io.jsonio import loads_strict
from cfl.io.kinds import (
    DECLARATION,
    REVOCATION_LIST,
    SIGNED_BUNDLE,
    TRUST_LIST,
    document_kind,
)
from cfl.io.sniff import binary_kind, is_pdf
from cfl.label.readback import DEFAULT_DPI, LabelDocument
from cfl.signing.b64url import b64url_decode, b64url_encode
from cfl.signing.jcs import canonical_bytes
from cfl.signing.jws import MAX_BUNDLE_BYTES, SignatureEntry, signed_document_from_json
from cfl.timeutil import format_time
from cfl.trust.revocation import CONTENT_KEY as REVOCATIONS_KEY
from cfl.trust.revocation import MAX_REVOCATION_BYTES, revocation_list_from_content
from cfl.trust.trust_list import CONTENT_KEY as TRUST_KEY
from cfl.trust.trust_list import MAX_TRUST_LIST_BYTES, trust_list_from_content

#: Bound on any input, checked before it is parsed (as ``cfl verify``'s).
MAX_INPUT_BYTES = 16 * 1024 * 1024
NOT_VERIFIED = ("nothing here was verified: signatures, signers and revocation are checked "
                "by cfl verify")


@dataclass(frozen=True)
class Inspection:
    """What one input holds. ``fields`` are plain JSON values (text, numbers, lists,
    objects), ready for a rendering; ``parts`` are the inspections of what the input
    carries (a label page's bundle and QR claim)."""

    source: str
    kind: str
    fields: Mapping[str, Any]
    parts: tuple[Inspection, ...] = ()
    problems: tuple[str, ...] = ()
    name: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        if self.name:
            out["name"] = self.name
        out["fields"] = dict(self.fields)
        if self.problems:
            out["problems"] = list(self.problems)
        if self.parts:
            out["parts"] = [part.to_json() for part in self.parts]
        return out


def inspect_text(text: str, *, source: str = "<text>") -> Inspection:
    """A scanned QR text: the resolver and the claim's fields."""
    signed = decode_claim_text(text.strip(), source=source)
    resolver, digits = split_claim_text(text.strip())
    fields = {"resolver": resolver, "digits": len(digits), **_claim_fields(signed)}
    return Inspection(source, "QR claim", fields)


def inspect_bytes(data: bytes, *, source: str, dpi: int = DEFAULT_DPI) -> Inspection:
    """A label PDF, a signed bundle, a declaration, a trust list, a revocation list or a
    file holding a QR text, told apart by their first bytes and shape."""
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(f"is larger than {MAX_INPUT_BYTES} bytes, the most accepted",
                         source=source, code="too_large")
    if is_pdf(data):
        return _inspect_label(data, source=source, dpi=dpi)
    other = binary_kind(data)
    if other is not None:
        raise InputError(f"is {other}; cfl inspect reads a label PDF, a signed bundle, a "
                         "declaration, a trust or revocation list, or a QR text",
                         source=source, code="wrong_document")
    stripped = data.strip()
    if stripped[:1] not in (b"{", b"["):
        try:
            text = stripped.decode("ascii")
        except UnicodeDecodeError:
            text = ""
        if text and "/" in text and text.rsplit("/", 1)[1].isdigit():
            return inspect_text(text, source=source)
    value = loads_strict(data, source=source, max_bytes=MAX_INPUT_BYTES)
    kind = document_kind(value)
    if kind == SIGNED_BUNDLE:
        return _bundle_inspection(parse_bundle(_bounded(data, MAX_BUNDLE_BYTES, source),
                                               source=source), source=source)
    if kind == DECLARATION:
        return Inspection(source, "declaration", {"signed": False, **_declaration_fields(
            value, hashlib.sha256(canonical_bytes(value)).digest())})
    if kind == TRUST_LIST:
        return _trust_list_inspection(value, _bounded(data, MAX_TRUST_LIST_BYTES, source),
                                      source=source)
    if kind == REVOCATION_LIST:
        return _revocation_inspection(value, _bounded(data, MAX_REVOCATION_BYTES, source),
                                      source=source)
    what = f"a {kind}" if kind else "a JSON document of no kind cfl knows"
    raise InputError(f"is {what}; cfl inspect reads a label PDF, a signed bundle, a "
                     "declaration, a trust or revocation list, or a QR text", source=source,
                     code="wrong_document")


def declaration_ids(data: bytes, *, source: str) -> list[str]:
    """The declaration ids a label PDF (every page), a bundle or a declaration names."""
    inspection = inspect_bytes(data, source=source)
    found: list[str] = []
    for item in _walk(inspection):
        declaration_id = item.fields.get("id")
        if item.kind in ("signed bundle", "declaration") and isinstance(declaration_id, str) \
                and declaration_id not in found:
            found.append(declaration_id)
    if not found:
        raise InputError(f"is a {inspection.kind} and names no declaration; give a bundle, "
                         "a label PDF or a declaration id", source=source,
                         code="no_declaration")
    return found


def _walk(inspection: Inspection) -> Iterator[Inspection]:
    yield inspection
    for part in inspection.parts:
        yield from _walk(part)


# --------------------------------------------------------------------------- kinds


def _bounded(data: bytes, limit: int, source: str) -> bytes:
    if len(data) > limit:
        raise InputError(f"is larger than {limit} bytes, the most accepted", source=source,
                         code="too_large")
    return data


def _bundle_inspection(bundle: Bundle, *, source: str, name: str = "") -> Inspection:
    fields = {"signed": True, **_declaration_fields(bundle.declaration, bundle.digest),
              "signatures": [_signer_fields(entry, bundle) for entry in bundle.signatures]}
    return Inspection(source, "signed bundle", fields, name=name)


def _declaration_fields(declaration: Mapping[str, Any], digest: bytes) -> dict[str, Any]:
    view = DeclarationView.of(declaration)
    pcf = view.pcf
    window = view.validity
    unit = pcf.get("declaredUnitOfMeasurement")
    amount = pcf.get("declaredUnitAmount")
    return {
        "id": view.id,
        "digest": "sha256:" + digest.hex(),
        "productIds": list(view.product_ids),
        "productNames": view.product_names,
        "company": view.company_name,
        "pcf": _text(pcf.get("pcfExcludingBiogenicUptake")),
        "declaredUnit": f"{amount} {unit}" if unit is not None else None,
        "productCategory": view.product_category,
        "boundary": view.boundary,
        "ruleSet": view.rule_set_id,
        "grade": view.grade_class,
        "validFrom": format_time(window.start) if window.start else None,
        "validUntil": format_time(window.end) if window.end else None,
        "created": _text(declaration.get("created")),
        "status": _text(declaration.get("status")),
        "cflExtension": view.extension is not None,
    }


def _signer_fields(entry: SignatureEntry, bundle: Bundle) -> dict[str, Any]:
    fields: dict[str, Any] = {"kid": entry.kid, "alg": entry.alg, "role": entry.role or None,
                              "signedAt": format_time(entry.signed_at), "claim": None}
    if entry.claim is not None:
        try:
            signed = decode_claim(b64url_decode(entry.claim, what="'cfl.claim'"),
                                  source="cfl.claim")
            fields["claim"] = {**_claim_fields(signed), "boundToDeclaration": claim_binding(
                signed, bundle, issuer_kid=entry.kid).bound}
        except CflError as exc:
            fields["claim"] = {"problem": exc.message}
    return fields


def _claim_fields(signed: SignedClaim) -> dict[str, Any]:
    claim = signed.claim
    return {
        "formatVersion": claim.version,
        "alg": signed.alg,
        # format 2 names its declaration by a binding and a status index, not by id and digest
        "declarationId": None if claim.declaration_id is None else str(claim.declaration_id),
        **({"digest": "sha256:" + claim.digest.hex()} if claim.version == 1 else
           {"binding": claim.digest.hex(), "statusIndex": claim.status_index}),
        "issuerKidHint": b64url_encode(claim.issuer_kid_hint),
        "productId": claim.product_id,
        "productCategory": claim.product_category,
        "value": str(claim.value),
        "declaredUnit": f"{claim.unit_amount} {claim.unit}",
        "boundary": claim.boundary,
        "ruleSet": claim.rule_set,
        "grade": claim.grade,
        "validFrom": format_time(claim.valid_from),
        "validUntil": format_time(claim.valid_until),
        "issuedAt": format_time(claim.issued_at),
        "bytes": len(signed.encoded),
    }


def _inspect_label(data: bytes, *, source: str, dpi: int) -> Inspection:
    pages: list[Inspection] = []
    with LabelDocument(data, source=source) as label:
        problem = label.problem()
        for index in range(label.page_count):
            parts: list[Inspection] = []
            problems: list[str] = []
            try:
                bundle_bytes = label.bundle_bytes(index)
                parts.append(_bundle_inspection(parse_bundle(bundle_bytes, source=source),
                                                source=source, name="embedded bundle"))
            except CflError as exc:
                problems.append(f"embedded bundle: {_message(exc)}")
            try:
                text = label.page(index).qr_text(dpi)
                claim = inspect_text(text, source=source)
                parts.append(Inspection(source, claim.kind, claim.fields, name="QR code"))
            except CflError as exc:
                problems.append(f"QR code: {_message(exc)}")
            pages.append(Inspection(source, "label page", {"page": index + 1},
                                    tuple(parts), tuple(problems)))
        fields = {"pages": label.page_count, "attachments": list(label.attachment_names)}
    return Inspection(source, "label PDF", fields, tuple(pages),
                      (problem[1],) if problem is not None else ())


def _trust_list_inspection(value: Any, data: bytes, *, source: str) -> Inspection:
    document = signed_document_from_json(value, content_key=TRUST_KEY, source=source)
    parsed = trust_list_from_content(document.content, source=source)
    fields = {
        "operator": parsed.operator, "version": parsed.version,
        "issued": format_time(parsed.issued), "expires": format_time(parsed.expires),
        "resolvers": [prefix.text for prefix in parsed.resolvers],
        "signatures": [{"kid": e.kid, "alg": e.alg, "signedAt": format_time(e.signed_at)}
                       for e in document.signatures],
        "entries": [{"name": e.name, "kid": e.kid, "roles": list(e.roles),
                     "status": e.status, "accreditation": str(e.accreditation),
                     "scope": list(e.scope_categories), "validFrom": format_time(e.valid_from),
                     "validUntil": format_time(e.valid_until)} for e in parsed.entries],
    }
    return Inspection(source, "trust list", fields)


def _revocation_inspection(value: Any, data: bytes, *, source: str) -> Inspection:
    document = signed_document_from_json(value, content_key=REVOCATIONS_KEY, source=source)
    parsed = revocation_list_from_content(document.content, source=source)
    fields = {
        "issuer": parsed.issuer, "version": parsed.version, "issued": format_time(parsed.issued),
        "signatures": [{"kid": e.kid, "alg": e.alg, "signedAt": format_time(e.signed_at)}
                       for e in document.signatures],
        "revoked": [{"id": e.id, "reason": e.reason, "revokedAt": format_time(e.revoked_at)}
                    for e in parsed.entries],
    }
    return Inspection(source, "revocation list", fields)


def _message(exc: CflError) -> str:
    return exc.message if isinstance(exc, InputError) else str(exc)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
