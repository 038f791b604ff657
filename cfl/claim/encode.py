"""Encoding and signing a claim: the deterministic CBOR payload (format 1: a map; format 2:
a positional array, ADR 0142) and the COSE_Sign1."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import cbor2

from cfl.claim.model import (
    BINDING_BYTES,
    BOUNDARY_CODES,
    CATEGORY_CODES,
    CATEGORY_CODES_2,
    CLAIM_FORMAT_2,
    CLAIM_FORMAT_VERSION,
    COSE_ALG_2_BY_NAME,
    COSE_ALG_BY_NAME,
    COSE_SIGN1_TAG,
    FORMAT_2_ITEMS,
    GTIN_ANY_URN,
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
    KID_HINT_BYTES_2,
    LAST_DAY,
    MAX_DAY_OFFSET,
    MAX_DECIMAL_DIGITS,
    MAX_GRADE_CHARS,
    MAX_ISSUED_DAY,
    MAX_STATUS_INDEX,
    MAX_TEXT_FIELD,
    MAX_TIME,
    RULE_SET_CODES,
    UNIT_CODES,
    CompactClaim,
    day_number,
    day_start,
    decimal_in_range,
    protected_bytes,
    sig_structure,
)
from cfl.declaration.identifiers import gtin_check_digit_valid
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
    table = COSE_ALG_2_BY_NAME if claim.version == CLAIM_FORMAT_2 else COSE_ALG_BY_NAME
    alg = table.get(signer.alg)
    if alg is None:
        raise InputError(f"algorithm {signer.alg!r} cannot sign a claim", code="bad_alg")
    protected = protected_bytes(alg, claim.issuer_kid_hint)
    try:
        payload = payload_bytes(claim)
    except ValueError as exc:
        raise InputError(f"the claim cannot be encoded ({exc})",
                         code="claim_field_invalid") from None
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


def payload_bytes(claim: CompactClaim) -> bytes:
    """The deterministic CBOR payload of ``claim`` in its format (``claim.version``);
    raises ValueError for a field the format cannot carry."""
    if claim.version == CLAIM_FORMAT_2:
        return cbor2.dumps(payload_array(claim), canonical=True)
    if claim.version != CLAIM_FORMAT_VERSION:
        raise ValueError(f"claim format {claim.version} does not exist (1 or 2)")
    return cbor2.dumps(payload_map(claim), canonical=True)


def check_claim(claim: CompactClaim) -> None:
    """Raise ValueError if ``claim`` has a field its format cannot carry."""
    payload_bytes(claim)


def payload_map(claim: CompactClaim) -> dict[int, Any]:
    if claim.version != CLAIM_FORMAT_VERSION or claim.declaration_id is None:
        raise ValueError("a format-1 claim names its declaration id")
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


def product_item(product_id: str) -> bytes | str:
    """Format 2's product item: a ``urn:gtin:`` GTIN-8/12/13/14 as the 6-byte GTIN-14, any
    other id as its text (1-200 characters). A ``urn:gtin:`` id that is no valid GTIN is
    refused (a claim never carries a GTIN URN as text)."""
    if product_id.startswith("urn:gtin:"):
        gtin = GTIN_ANY_URN.fullmatch(product_id)
        if gtin is None or not gtin_check_digit_valid(gtin.group(1)):
            raise ValueError(f"product id {product_id!r} is not a GTIN-8, -12, -13 or -14 "
                             "with a valid check digit")
        return int(gtin.group(1)).to_bytes(6, "big")
    if not 0 < len(product_id) <= MAX_TEXT_FIELD:
        raise ValueError(f"product id must be 1 to {MAX_TEXT_FIELD} characters")
    return product_id


def normalised_product_id(product_id: str) -> str:
    """The product id a format-2 claim states for ``product_id``: a GTIN as GTIN-14
    (``urn:gtin:`` and 14 digits), any other id unchanged."""
    gtin = GTIN_ANY_URN.fullmatch(product_id)
    if gtin is not None and gtin_check_digit_valid(gtin.group(1)):
        return f"urn:gtin:{int(gtin.group(1)):014d}"
    return product_id


def _day(moment: dt.datetime, what: str) -> int:
    """The day number of a 00:00 UTC ``moment`` (format 2 holds whole days only)."""
    if moment.tzinfo is None:
        raise ValueError(f"{what} has no time zone")
    day = day_number(moment)
    if day_start(day) != moment:
        raise ValueError(f"{what} {moment.isoformat()} is not 00:00 UTC of a day")
    if not 0 <= day <= LAST_DAY:
        raise ValueError(f"{what} is outside the years 2020 to 9999")
    return day


def payload_array(claim: CompactClaim) -> list[Any]:
    """Format 2's 14 items (docs/claim-format.md §7)."""
    if claim.declaration_id is not None:
        raise ValueError("a format-2 claim carries no declaration id")
    if len(claim.digest) != BINDING_BYTES:
        raise ValueError(f"the binding must be {BINDING_BYTES} bytes")
    if len(claim.issuer_kid_hint) != KID_HINT_BYTES_2:
        raise ValueError(f"the issuer kid hint must be {KID_HINT_BYTES_2} bytes")
    index = claim.status_index
    if type(index) is not int or not 0 <= index < MAX_STATUS_INDEX:
        raise ValueError(f"the status index must be an integer from 0 to "
                         f"{MAX_STATUS_INDEX - 1}")
    if claim.unit_amount <= 0:
        raise ValueError("the declared unit amount must be positive")
    if claim.boundary not in BOUNDARY_CODES:
        raise ValueError(f"boundary {claim.boundary!r} is not one of {sorted(BOUNDARY_CODES)}")
    if claim.grade is not None and not 0 < len(claim.grade) <= MAX_GRADE_CHARS:
        raise ValueError(f"grade must be 1 to {MAX_GRADE_CHARS} characters")
    issued = _day(claim.issued_at, "issued-at")
    if issued >= MAX_ISSUED_DAY:
        raise ValueError("issued-at is out of range")
    valid_from = _day(claim.valid_from, "valid-from") - issued
    valid_until = _day(claim.valid_until, "valid-until") - issued
    if not (abs(valid_from) < MAX_DAY_OFFSET and abs(valid_until) < MAX_DAY_OFFSET):
        raise ValueError(f"the validity is more than {MAX_DAY_OFFSET - 1} days from the "
                         "issue day")
    if valid_from >= valid_until:
        raise ValueError("the validity (in whole days) is empty: valid-from is not before "
                         "valid-until")
    items: list[Any] = [
        CLAIM_FORMAT_2,
        claim.digest,
        product_item(claim.product_id),
        _coded(claim.product_category, CATEGORY_CODES_2, "category"),
        _encode_decimal(claim.value, "value"),
        _coded(claim.unit, UNIT_CODES, "unit"),
        _encode_decimal(claim.unit_amount, "unit amount"),
        BOUNDARY_CODES[claim.boundary],
        _coded(claim.rule_set, RULE_SET_CODES, "rule set"),
        claim.grade,
        issued,
        valid_from,
        valid_until,
        index,
    ]
    assert len(items) == FORMAT_2_ITEMS
    return items
