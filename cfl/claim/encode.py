"""Encoding and signing a claim: the deterministic CBOR payload and the COSE_Sign1."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import cbor2

from cfl.claim.model import (
    BOUNDARY_CODES,
    CATEGORY_CODES,
    COSE_ALG_BY_NAME,
    COSE_SIGN1_TAG,
    GTIN_URN,
    KEY_BOUNDARY,
    KEY_DECLARATION_ID,
    KEY_DIGEST,
    KEY_GRADE,
    KEY_ISSUED_AT,
    KEY_PRODUCT_CATEGORY,
    KEY_PRODUCT_ID,
    KEY_RULE_SET,
    KEY_UNIT,
    KEY_UNIT_AMOUNT,
    KEY_VALID_FROM,
    KEY_VALID_UNTIL,
    KEY_VALUE,
    KEY_VERSION,
    KID_HINT_BYTES,
    MAX_DECIMAL_DIGITS,
    MAX_TEXT_FIELD,
    MAX_TIME,
    RULE_SET_CODES,
    UNIT_CODES,
    CompactClaim,
    decimal_in_range,
    protected_bytes,
    sig_structure,
)
from cfl.errors import InputError
from cfl.signing.b64url import b64url_encode
from cfl.signing.keys import Signer


def sign_claim(claim: CompactClaim, signer: Signer) -> bytes:
    """The tagged COSE_Sign1 bytes of ``claim``, signed by ``signer`` (the certifier)."""
    if not claim.names_issuer(signer.kid):
        raise InputError(
            f"the claim names issuer {b64url_encode(claim.issuer_kid_hint)}… but the signer's "
            f"key is {signer.kid}", code="claim_issuer_mismatch",
        )
    alg = COSE_ALG_BY_NAME.get(signer.alg)
    if alg is None:
        raise InputError(f"algorithm {signer.alg!r} cannot sign a claim", code="bad_alg")
    protected = protected_bytes(alg, claim.issuer_kid_hint)
    payload = cbor2.dumps(payload_map(claim), canonical=True)
    signature = signer.sign(sig_structure(protected, payload))
    return _encode_sign1(protected, payload, signature)


def _encode_sign1(protected: bytes, payload: bytes, signature: bytes) -> bytes:
    return cbor2.dumps(cbor2.CBORTag(COSE_SIGN1_TAG, [protected, {}, payload, signature]))


def _encode_decimal(value: Decimal, what: str) -> int | Decimal:
    """An integral value as a CBOR integer, any other as a normalised tag-4 fraction."""
    if not decimal_in_range(value):
        raise ValueError(f"{what} {value} is not a finite number of at most "
                         f"{MAX_DECIMAL_DIGITS} digits")
    if value == value.to_integral_value():
        return int(value)
    return value.normalize()


def _coded(value: str, table: Mapping[str, int], what: str) -> int | str:
    code = table.get(value)
    if code is not None:
        return code
    if not value or len(value) > MAX_TEXT_FIELD:
        raise ValueError(f"{what} {value!r} must be 1 to {MAX_TEXT_FIELD} characters")
    return value


def _epoch(moment: dt.datetime, what: str) -> int:
    if moment.tzinfo is None:
        raise ValueError(f"{what} has no time zone")
    seconds = math.floor(moment.timestamp())
    if not 0 <= seconds < MAX_TIME:
        raise ValueError(f"{what} is out of range")
    return seconds


def payload_map(claim: CompactClaim) -> dict[int, Any]:
    if len(claim.digest) != 32:
        raise ValueError("the digest must be 32 bytes (SHA-256)")
    if len(claim.issuer_kid_hint) != KID_HINT_BYTES:
        raise ValueError(f"the issuer kid hint must be {KID_HINT_BYTES} bytes")
    gtin = GTIN_URN.match(claim.product_id)
    product: int | str = int(gtin.group(1)) if gtin else claim.product_id
    if isinstance(product, str) and not 0 < len(product) <= MAX_TEXT_FIELD:
        raise ValueError(f"product id must be 1 to {MAX_TEXT_FIELD} characters")
    if claim.unit_amount <= 0:
        raise ValueError("the declared unit amount must be positive")
    payload: dict[int, Any] = {
        KEY_VERSION: claim.version,
        KEY_DECLARATION_ID: claim.declaration_id.bytes,
        KEY_DIGEST: claim.digest,
        KEY_PRODUCT_ID: product,
        KEY_PRODUCT_CATEGORY: _coded(claim.product_category, CATEGORY_CODES, "category"),
        KEY_VALUE: _encode_decimal(claim.value, "value"),
        KEY_UNIT: _coded(claim.unit, UNIT_CODES, "unit"),
        KEY_UNIT_AMOUNT: _encode_decimal(claim.unit_amount, "unit amount"),
        KEY_BOUNDARY: BOUNDARY_CODES[claim.boundary] if claim.boundary in BOUNDARY_CODES
        else _refuse(f"boundary {claim.boundary!r} is not one of {sorted(BOUNDARY_CODES)}"),
        KEY_RULE_SET: _coded(claim.rule_set, RULE_SET_CODES, "rule set"),
        KEY_VALID_UNTIL: _epoch(claim.valid_until, "valid-until"),
        KEY_ISSUED_AT: _epoch(claim.issued_at, "issued-at"),
        KEY_VALID_FROM: _epoch(claim.valid_from, "valid-from"),
    }
    if claim.grade is not None:
        if not 0 < len(claim.grade) <= 20:
            raise ValueError("grade must be 1 to 20 characters")
        payload[KEY_GRADE] = claim.grade
    return payload


def _refuse(message: str) -> Any:
    raise ValueError(message)
