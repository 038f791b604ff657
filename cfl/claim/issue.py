"""Issuing a claim for a declaration, and comparing a claim with the declaration it names.

The claim's fields come from :class:`~cfl.declaration.view.DeclarationView`, the reader every
consumer shares: the value is ``pcf.pcfExcludingBiogenicUptake`` and the validity window is
PACT v3's (stated, or derived from ``pcf.referencePeriodEnd``), truncated to whole seconds
(format 1) or rounded inward to whole days (format 2: the start up, the end down, so a claim
never says more than its declaration).

Which format is issued is the caller's choice by one argument: with a ``status_index`` (the
declaration's index in its certifier's status list) the claim is format 2, bound to the
certifier's JWS signature; without one it is format 1 (ADR 0142). A certifier must publish a
status list before it issues format 2, so the library never picks an index itself.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from cfl.claim.encode import check_claim, normalised_product_id
from cfl.claim.model import (
    CLAIM_FORMAT_2,
    CLAIM_FORMAT_VERSION,
    KID_HINT_BYTES_BY_FORMAT,
    CompactClaim,
    binding_digest,
    round_down_to_day,
    round_up_to_day,
)
from cfl.declaration.view import DeclarationView
from cfl.errors import InputError
from cfl.signing.b64url import b64url_decode, b64url_encode

#: The fields a claim and its declaration must agree in (besides the digest).
AGREEING_FIELDS = ("declaration_id", "product_id", "product_category", "value", "unit",
                   "unit_amount", "boundary", "rule_set", "grade", "valid_from", "valid_until")


def claim_from_declaration(
    declaration: Mapping[str, Any], *, digest: bytes, issuer_kid: str, at: dt.datetime,
    status_index: int | None = None, signature: bytes | None = None,
) -> CompactClaim:
    """The claim for a (signed) declaration given as plain JSON data.

    ``digest`` is the SHA-256 of the declaration's JCS bytes (what the bundle signatures
    cover). Without ``status_index`` the claim is format 1 (it names the declaration by id
    and ``digest``). With ``status_index`` it is format 2: ``signature`` must be the raw
    bytes of the certifier's JWS signature over the declaration (the bundle entry that will
    carry the claim), and the claim's binding is :func:`~cfl.claim.model.binding_digest` of
    both. Raises :class:`InputError` (``claim_field_missing`` or ``claim_field_invalid``)
    when the declaration lacks a field a claim carries or has one it cannot carry.
    """
    if status_index is None:
        return _claim(declaration, CLAIM_FORMAT_VERSION, bytes(digest), issuer_kid, at, None)
    if signature is None:
        raise InputError("a format-2 claim (with a status index) needs the certifier's JWS "
                         "signature bytes", code="claim_field_missing")
    return _claim(declaration, CLAIM_FORMAT_2, binding_digest(bytes(digest), bytes(signature)),
                  issuer_kid, at, status_index)


def _claim(declaration: Mapping[str, Any], version: int, digest: bytes, issuer_kid: str,
           at: dt.datetime, status_index: int | None) -> CompactClaim:
    """The claim of ``version`` with ``digest`` (format 1's SHA-256, format 2's binding)."""
    source = "<declaration>"
    view = DeclarationView.of(declaration)
    try:
        pcf = declaration["pcf"]
        data = view.extension
        if data is None:
            raise KeyError("the cfl extension (dataSchema urn:cfl:schema:cfl-extension:1)")
        declaration_id = uuid.UUID(str(declaration["id"]))
        product_id = str(declaration["productIds"][0])
        if version == CLAIM_FORMAT_2:
            product_id = normalised_product_id(product_id)
        value = Decimal(str(pcf["pcfExcludingBiogenicUptake"]))
        unit = str(pcf["declaredUnitOfMeasurement"])
        unit_amount = Decimal(str(pcf["declaredUnitAmount"]))
        window = view.validity
        if window.start is None or window.end is None:
            raise KeyError("pcf.referencePeriodEnd (or both validityPeriodStart and End)")
        if version == CLAIM_FORMAT_2:
            # whole days, rounded inward: the claim never says more than its declaration
            valid_from = round_up_to_day(window.start)
            valid_until = round_down_to_day(window.end)
            issued_at = round_down_to_day(at)
        else:
            # whole seconds; truncate here so claim and declaration compare equal
            valid_from = window.start.replace(microsecond=0)
            valid_until = window.end.replace(microsecond=0)
            issued_at = at
        grade = data.get("grade", {}).get("class")
        claim = CompactClaim(
            version=version,
            status_index=status_index,
            declaration_id=declaration_id if version == CLAIM_FORMAT_VERSION else None,
            digest=digest,
            issuer_kid_hint=b64url_decode(issuer_kid, what="kid")[
                :KID_HINT_BYTES_BY_FORMAT[version]],
            product_id=product_id,
            product_category=str(data["productCategory"]),
            value=value,
            unit=unit,
            unit_amount=unit_amount,
            boundary=str(data["boundary"]),
            rule_set=str(data["ruleSet"]["id"]),
            grade=None if grade is None else str(grade),
            valid_until=valid_until,
            issued_at=issued_at,
            valid_from=valid_from,
        )
        check_claim(claim)  # validates every field once, up front
    except (KeyError, IndexError, TypeError, AttributeError) as exc:
        raise InputError(f"lacks a field the claim needs ({exc})", source=source,
                         code="claim_field_missing") from None
    except (ValueError, OverflowError, InvalidOperation, InputError) as exc:
        raise InputError(f"has a field the claim cannot carry ({exc})", source=source,
                         code="claim_field_invalid") from None
    return claim


def claim_differences(claim: CompactClaim, declaration: Mapping[str, Any]) -> list[str]:
    """The names of :data:`AGREEING_FIELDS` in which ``claim`` and ``declaration`` differ
    (empty when they agree). Raises :class:`InputError` when the declaration cannot carry a
    claim at all, so nothing can be compared."""
    expected = _claim(declaration, claim.version, claim.digest,
                      b64url_encode(claim.issuer_kid_hint), claim.issued_at, claim.status_index)
    return [name for name in AGREEING_FIELDS
            if getattr(expected, name) != getattr(claim, name)]
