"""Issuing a claim for a declaration, and comparing a claim with the declaration it names.

The claim's fields come from :class:`~cfl.declaration.view.DeclarationView`, the reader every
consumer shares: the value is ``pcf.pcfExcludingBiogenicUptake`` and the validity window is
PACT v3's (stated, or derived from ``pcf.referencePeriodEnd``), truncated to whole seconds.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from cfl.claim.encode import payload_map
from cfl.claim.model import KID_HINT_BYTES, CompactClaim
from cfl.declaration.view import DeclarationView
from cfl.errors import InputError
from cfl.signing.b64url import b64url_decode, b64url_encode

#: The fields a claim and its declaration must agree in (besides the digest).
AGREEING_FIELDS = ("declaration_id", "product_id", "product_category", "value", "unit",
                   "unit_amount", "boundary", "rule_set", "grade", "valid_from", "valid_until")


def claim_from_declaration(
    declaration: Mapping[str, Any], *, digest: bytes, issuer_kid: str, at: dt.datetime
) -> CompactClaim:
    """The claim for a (signed) declaration given as plain JSON data.

    ``digest`` is the SHA-256 of the declaration's JCS bytes (what the bundle signatures
    cover). Raises :class:`InputError` (``claim_field_missing`` or ``claim_field_invalid``)
    when the declaration lacks a field a claim carries or has one it cannot carry.
    """
    source = "<declaration>"
    view = DeclarationView.of(declaration)
    try:
        pcf = declaration["pcf"]
        data = view.extension
        if data is None:
            raise KeyError("the cfl extension (dataSchema urn:cfl:schema:cfl-extension:1)")
        declaration_id = uuid.UUID(str(declaration["id"]))
        product_id = str(declaration["productIds"][0])
        value = Decimal(str(pcf["pcfExcludingBiogenicUptake"]))
        unit = str(pcf["declaredUnitOfMeasurement"])
        unit_amount = Decimal(str(pcf["declaredUnitAmount"]))
        window = view.validity
        if window.start is None or window.end is None:
            raise KeyError("pcf.referencePeriodEnd (or both validityPeriodStart and End)")
        # a claim carries whole seconds; truncate here so claim and declaration compare equal
        valid_from = window.start.replace(microsecond=0)
        valid_until = window.end.replace(microsecond=0)
        grade = data.get("grade", {}).get("class")
        claim = CompactClaim(
            declaration_id=declaration_id,
            digest=bytes(digest),
            issuer_kid_hint=b64url_decode(issuer_kid, what="kid")[:KID_HINT_BYTES],
            product_id=product_id,
            product_category=str(data["productCategory"]),
            value=value,
            unit=unit,
            unit_amount=unit_amount,
            boundary=str(data["boundary"]),
            rule_set=str(data["ruleSet"]["id"]),
            grade=None if grade is None else str(grade),
            valid_until=valid_until,
            issued_at=at,
            valid_from=valid_from,
        )
        payload_map(claim)  # validates every field once, up front
    except (KeyError, IndexError, TypeError, AttributeError) as exc:
        raise InputError(f"lacks a field the claim needs ({exc})", source=source,
                         code="claim_field_missing") from None
    except (ValueError, InvalidOperation, InputError) as exc:
        raise InputError(f"has a field the claim cannot carry ({exc})", source=source,
                         code="claim_field_invalid") from None
    return claim


def claim_differences(claim: CompactClaim, declaration: Mapping[str, Any]) -> list[str]:
    """The names of :data:`AGREEING_FIELDS` in which ``claim`` and ``declaration`` differ
    (empty when they agree). Raises :class:`InputError` when the declaration cannot carry a
    claim at all, so nothing can be compared."""
    expected = claim_from_declaration(declaration, digest=claim.digest,
                                      issuer_kid=b64url_encode(claim.issuer_kid_hint),
                                      at=claim.issued_at)
    return [name for name in AGREEING_FIELDS
            if getattr(expected, name) != getattr(claim, name)]
