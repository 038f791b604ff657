"""Decoding a claim: strict and bounded.

The text length and the byte size are checked before any parsing, the CBOR must be exactly
the deterministic encoding :mod:`cfl.claim.encode` writes, and every field must have its one
allowed type and range. Anything else is an :class:`~cfl.errors.InputError`. The usual
layout is read by a fast reader; anything else by the general one (ADR 0028).

The payload decides the format: a map is format 1, an array format 2 (ADR 0142), and the
protected header's algorithm must belong to the same format (-8/-7 with an 8-byte kid hint
for format 1, -19/-9 with a 4-byte hint for format 2).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import cbor2

from cfl.claim.model import (
    BINDING_BYTES,
    BOUNDARY_CODES,
    CATEGORY_CODES,
    CATEGORY_CODES_2,
    CLAIM_FORMAT_2,
    CLAIM_FORMAT_VERSION,
    COSE_ALG_NAMES,
    COSE_SIGN1_TAG,
    FORMAT_2_ITEMS,
    FORMAT_BY_COSE_ALG,
    GTIN_BYTES,
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
    KID_HINT_BYTES_BY_FORMAT,
    KNOWN_KEYS,
    LAST_DAY,
    MAX_DAY_OFFSET,
    MAX_DECIMAL_DIGITS,
    MAX_GRADE_CHARS,
    MAX_ISSUED_DAY,
    MAX_STATUS_INDEX,
    MAX_TEXT_FIELD,
    MAX_TIME,
    NAME_BY_COSE_ALG,
    NAME_BY_COSE_ALG_2,
    NAMES_BY_CODE,
    REQUIRED_KEYS,
    RULE_SET_CODES,
    UNIT_CODES,
    CompactClaim,
    SignedClaim,
    day_start,
    protected_bytes,
    sign1_bytes,
)
from cfl.claim.text import MAX_CLAIM_BYTES, claim_bytes_from_text
from cfl.declaration.identifiers import gtin_check_digit_valid
from cfl.errors import InputError


def decode_claim_text(text: str, *, source: str = "<text>") -> SignedClaim:
    """Parse a claim text (as scanned from a QR) into a :class:`SignedClaim`."""
    return decode_claim(claim_bytes_from_text(text, source=source), source=source)


#: The byte a deterministic protected header ``{1: alg, …}`` holds for each format-1 alg.
_FORMAT_1_ALG_BYTES = frozenset(0x20 + (-1 - alg) for alg in NAME_BY_COSE_ALG)


def names_format_2(data: bytes) -> bool:
    """False when ``data`` plainly names a format-1 algorithm in its protected header (a
    look at one byte, for callers that only want format 2's status index); True otherwise,
    malformed input included: only :func:`decode_claim` decides what a claim is."""
    return not (len(data) > 5 and data[3:5] == b"\xa2\x01" and data[5] in _FORMAT_1_ALG_BYTES)


def decode_claim(data: bytes, *, source: str = "<claim>") -> SignedClaim:
    """Strictly decode tagged COSE_Sign1 claim bytes (size checked before parsing)."""
    if len(data) > MAX_CLAIM_BYTES:
        raise InputError(f"the claim is {len(data)} bytes; at most {MAX_CLAIM_BYTES} are "
                         "accepted", source=source, code="claim_too_large")
    if len(data) < 2 or data[0] != 0xD2 or data[1] != 0x84:
        raise InputError("is not a tagged COSE_Sign1 (expected bytes D2 84 …)", source=source,
                         code="bad_claim")
    outer = _loads(data, source, "COSE_Sign1")
    if not isinstance(outer, cbor2.CBORTag) or outer.tag != COSE_SIGN1_TAG:
        raise InputError("is not a tagged COSE_Sign1", source=source, code="bad_claim")
    items = outer.value
    if not isinstance(items, list | tuple) or len(items) != 4:
        raise InputError("COSE_Sign1 must be an array of 4 items", source=source,
                         code="bad_claim")
    protected, unprotected, payload, signature = items
    if not (isinstance(protected, bytes) and isinstance(payload, bytes)
            and isinstance(signature, bytes)):
        raise InputError("COSE_Sign1 protected header, payload and signature must be byte "
                         "strings", source=source, code="bad_claim")
    if not isinstance(unprotected, Mapping) or len(unprotected) != 0:
        raise InputError("the unprotected header must be empty", source=source,
                         code="bad_claim")
    if len(signature) != 64:
        raise InputError("the signature must be 64 bytes", source=source, code="bad_claim")
    if sign1_bytes(protected, payload, signature) != data:
        raise InputError("is not in deterministic CBOR encoding", source=source,
                         code="claim_not_deterministic")
    header = _loads(protected, source, "protected header")
    alg, kid, claim_format = _parse_header(header, source)
    if protected_bytes(header[1], header[4]) != protected:
        raise InputError("the protected header is not in deterministic CBOR encoding",
                         source=source, code="claim_not_deterministic")
    payload_format = _payload_format(payload)
    if payload_format is not None and payload_format != claim_format:
        raise InputError(
            f"a format-{payload_format} payload (a CBOR {_SHAPES[payload_format]}) under the "
            f"format-{claim_format} algorithm {header[1]} ({COSE_ALG_NAMES[header[1]]})",
            source=source, code="bad_claim")
    claim = (_parse_array_payload(payload, kid, source) if claim_format == CLAIM_FORMAT_2
             else _parse_payload(payload, kid, source))
    return SignedClaim(claim=claim, alg=alg, protected=protected, payload=payload,
                       signature=signature, encoded=bytes(data))


def _loads(data: bytes, source: str, what: str) -> Any:
    try:
        return cbor2.loads(data)
    except (cbor2.CBORError, ValueError, TypeError, OverflowError, RecursionError,
            InvalidOperation, LookupError) as exc:
        raise InputError(f"the {what} is not valid CBOR ({exc})", source=source,
                         code="bad_claim") from None


_SHAPES = {1: "map", 2: "array"}


def _payload_format(payload: bytes) -> int | None:
    """The format a payload's first byte says (a map 1, an array 2), None for neither (the
    format's own reader then says what is wrong)."""
    if not payload:
        return None
    return {5: 1, 4: 2}.get(payload[0] >> 5)


def _parse_header(header: Any, source: str) -> tuple[str, bytes, int]:
    """(key algorithm, kid hint, claim format) of the protected header."""
    if not isinstance(header, Mapping) or set(header) != {1, 4}:
        raise InputError("the protected header must hold exactly alg (1) and kid (4)",
                         source=source, code="bad_claim")
    cose_alg = header[1]
    claim_format = FORMAT_BY_COSE_ALG.get(cose_alg) if type(cose_alg) is int else None
    if claim_format is None:
        raise InputError(f"unsupported COSE algorithm {cose_alg!r}; expected -19 (Ed25519) "
                         "or -9 (ESP256), or for format 1 -8 (EdDSA) or -7 (ES256)",
                         source=source, code="bad_claim_alg")
    table = NAME_BY_COSE_ALG_2 if claim_format == CLAIM_FORMAT_2 else NAME_BY_COSE_ALG
    alg = table[cose_alg]
    kid = header[4]
    length = KID_HINT_BYTES_BY_FORMAT[claim_format]
    if not isinstance(kid, bytes) or len(kid) != length:
        raise InputError(f"the kid must be the first {length} bytes of the RFC 7638 "
                         f"thumbprint (algorithm {cose_alg}, claim format {claim_format})",
                         source=source, code="bad_claim")
    return alg, kid, claim_format


_DECIMAL_LIMIT = 10**MAX_DECIMAL_DIGITS
_MIN_FOR_HEAD = {24: 24, 25: 256, 26: 65536, 27: 2**32}
_BIGNUM_TAGS = (2, 3)
_UNSIGNED_KEYS = frozenset({KEY_VERSION, KEY_BOUNDARY, KEY_VALID_UNTIL, KEY_ISSUED_AT,
                            KEY_VALID_FROM})
_BYTES_KEYS = {KEY_DECLARATION_ID: 16, KEY_DIGEST: 32}
_CODED_KEYS: dict[int, Mapping[str, int]] = {
    KEY_PRODUCT_CATEGORY: CATEGORY_CODES, KEY_UNIT: UNIT_CODES, KEY_RULE_SET: RULE_SET_CODES,
}
_NUMBER_KEYS = frozenset({KEY_VALUE, KEY_UNIT_AMOUNT})


class _Malformed(Exception):
    """A payload problem (message, code, key); turned into an :class:`InputError`."""

    def __init__(self, message: str, code: str = "bad_claim", key: int | None = None) -> None:
        super().__init__(message)
        self.message, self.code, self.key = message, code, key


def _head(data: bytes, pos: int) -> tuple[int, int, int]:
    """(major type, argument, next position) of the CBOR head at ``pos``; only definite,
    shortest heads are accepted (RFC 8949 §4.2.1)."""
    initial = data[pos]
    major, info = initial >> 5, initial & 0x1F
    if info < 24:
        return major, info, pos + 1
    if info > 27:
        raise _Malformed("indefinite lengths and reserved heads are not allowed",
                         "claim_not_deterministic")
    size = 1 << (info - 24)
    end = pos + 1 + size
    if end > len(data):
        raise _Malformed("the payload ends inside an item")
    value = int.from_bytes(data[pos + 1:end], "big")
    if value < _MIN_FOR_HEAD[info]:
        raise _Malformed("an integer or length is not in its shortest form",
                         "claim_not_deterministic")
    return major, value, end


def _take(data: bytes, pos: int, length: int) -> tuple[bytes, int]:
    end = pos + length
    if end > len(data):
        raise _Malformed("the payload ends inside a string")
    return data[pos:end], end


def _integer(data: bytes, pos: int) -> tuple[int, int]:
    """A CBOR integer: major type 0 or 1, or a bignum (tag 2/3) too large for them."""
    major, value, pos = _head(data, pos)
    if major == 0:
        return value, pos
    if major == 1:
        return -1 - value, pos
    if major == 6 and value in _BIGNUM_TAGS:
        inner, length, pos = _head(data, pos)
        if inner != 2:
            raise _Malformed("a bignum must hold a byte string")
        raw, pos = _take(data, pos, length)
        magnitude = int.from_bytes(raw, "big")
        if not raw or raw[0] == 0 or magnitude < 2**64:
            raise _Malformed("a bignum is not in its shortest form", "claim_not_deterministic")
        return (magnitude if value == 2 else -1 - magnitude), pos
    raise _Malformed("expected an integer")


def _number(data: bytes, pos: int, key: int) -> tuple[Decimal, int]:
    """An integer, or a normalised decimal fraction 4([exponent < 0, mantissa])."""
    if data[pos] == 0xC4:  # tag 4, decimal fraction
        major, count, pos = _head(data, pos + 1)
        if major != 4 or count != 2:
            raise _Malformed("a decimal fraction must be [exponent, mantissa]", key=key)
        exponent, pos = _integer(data, pos)
        mantissa, pos = _integer(data, pos)
        if not (-MAX_DECIMAL_DIGITS <= exponent < 0 and mantissa % 10 != 0
                and -_DECIMAL_LIMIT < mantissa < _DECIMAL_LIMIT):
            raise _Malformed("expected an integer or a normalised decimal fraction (negative "
                             "exponent, no trailing zero) of at most "
                             f"{MAX_DECIMAL_DIGITS} digits", key=key)
        return Decimal(f"{mantissa}E{exponent}"), pos
    initial = data[pos]
    if initial < 24:
        return Decimal(initial), pos + 1
    value, pos = _integer(data, pos)
    if not -_DECIMAL_LIMIT < value < _DECIMAL_LIMIT:
        raise _Malformed(f"a number has more than {MAX_DECIMAL_DIGITS} digits", key=key)
    return Decimal(value), pos


def _int_or_text(data: bytes, pos: int) -> tuple[int | str, int]:
    initial = data[pos]
    if initial < 24:
        return initial, pos + 1
    major, value, next_pos = _head(data, pos)
    if major == 0:
        return value, next_pos
    if major == 3:
        raw, next_pos = _take(data, next_pos, value)
        return raw.decode("utf-8"), next_pos
    raise _Malformed("expected an unsigned integer or a text")


def _coded_text(value: int | str, table: Mapping[str, int], key: int) -> str:
    if type(value) is int:
        name = NAMES_BY_CODE[id(table)].get(value)
        if name is None:
            raise _Malformed(f"unknown code {value}", key=key)
        return name
    assert isinstance(value, str)
    if not 0 < len(value) <= MAX_TEXT_FIELD or value in table:
        raise _Malformed("text must be 1 to 200 characters and not a coded value", key=key)
    return value


def _parse_payload(payload: bytes, kid: bytes, source: str) -> CompactClaim:
    """Decode the payload map strictly: deterministic encoding (shortest heads, definite
    lengths, keys ascending and unique), the key table, one type and range per key."""
    claim = _read_usual_payload(payload, kid)
    if claim is not None:
        return claim
    try:
        return _read_payload(payload, kid)
    except _Malformed as exc:
        location = None if exc.key is None else f"payload key {exc.key}"
        raise InputError(exc.message, source=source, location=location,
                         code=exc.code) from None
    except (IndexError, UnicodeDecodeError, ValueError, InvalidOperation) as exc:
        raise InputError(f"the payload is not a valid claim map ({exc})", source=source,
                         code="bad_claim") from None


_USUAL_START = (b"\xad\x01\x01\x02\x50", b"\xae\x01\x01\x02\x50")
_DIGEST_HEAD = b"\x03\x58\x20"
_TIME_HEAD = 0x1A  # a 4-byte unsigned integer: every time from 1970-01-10 to 2106


def _read_usual_payload(data: bytes, kid: bytes) -> CompactClaim | None:
    """The payload of a claim as this module writes it (version 1, all keys in order, the
    three times as 4-byte integers), read in one straight pass; None for anything else,
    which then goes through :func:`_read_payload` (same result where both read, and its
    precise errors). A claim is decoded on every scan, so this path matters (ADR 0028)."""
    if len(data) < 58 or data[:5] not in _USUAL_START or data[21:24] != _DIGEST_HEAD \
            or data[56] != KEY_PRODUCT_ID:
        return None
    try:
        product, pos = _int_or_text(data, 57)
        if data[pos] != KEY_PRODUCT_CATEGORY:
            return None
        category, pos = _int_or_text(data, pos + 1)
        if data[pos] != KEY_VALUE:
            return None
        value, pos = _number(data, pos + 1, KEY_VALUE)
        if data[pos] != KEY_UNIT:
            return None
        unit, pos = _int_or_text(data, pos + 1)
        if data[pos] != KEY_UNIT_AMOUNT:
            return None
        amount, pos = _number(data, pos + 1, KEY_UNIT_AMOUNT)
        boundary = _BOUNDARY_BY_HEAD.get(data[pos:pos + 2])
        if boundary is None or data[pos + 2] != KEY_RULE_SET:
            return None
        rule_set, pos = _int_or_text(data, pos + 3)
        grade = None
        if data[0] == 0xAE:  # 14 entries: the grade is present
            if data[pos] != KEY_GRADE or not 0x61 <= data[pos + 1] <= 0x74:
                return None
            end = pos + 2 + data[pos + 1] - 0x60
            grade = data[pos + 2:end].decode("utf-8")
            pos = end
        if (len(data) != pos + 18 or data[pos] != KEY_VALID_UNTIL or data[pos + 1] != _TIME_HEAD
                or data[pos + 6] != KEY_ISSUED_AT or data[pos + 7] != _TIME_HEAD
                or data[pos + 12] != KEY_VALID_FROM or data[pos + 13] != _TIME_HEAD):
            return None
        valid_until = int.from_bytes(data[pos + 2:pos + 6], "big")
        issued_at = int.from_bytes(data[pos + 8:pos + 12], "big")
        valid_from = int.from_bytes(data[pos + 14:pos + 18], "big")
        if valid_until < 65536 or issued_at < 65536 or valid_from < 65536 or amount <= 0:
            return None
        if isinstance(product, int):
            if product >= 10**14:
                return None
            product_id = f"urn:gtin:{product:014d}"
        elif 0 < len(product) <= MAX_TEXT_FIELD and not GTIN_URN.match(product):
            product_id = product
        else:
            return None
        return CompactClaim(
            declaration_id=uuid.UUID(bytes=data[5:21]),
            digest=data[24:56],
            issuer_kid_hint=kid,
            product_id=product_id,
            product_category=_coded_text(category, CATEGORY_CODES, KEY_PRODUCT_CATEGORY),
            value=value,
            unit=_coded_text(unit, UNIT_CODES, KEY_UNIT),
            unit_amount=amount,
            boundary=boundary,
            rule_set=_coded_text(rule_set, RULE_SET_CODES, KEY_RULE_SET),
            grade=grade,
            valid_until=dt.datetime.fromtimestamp(valid_until, dt.UTC),
            issued_at=dt.datetime.fromtimestamp(issued_at, dt.UTC),
            valid_from=dt.datetime.fromtimestamp(valid_from, dt.UTC),
        )
    except (_Malformed, IndexError, UnicodeDecodeError):
        return None


_BOUNDARY_BY_HEAD = {bytes([KEY_BOUNDARY, code]): name for name, code in BOUNDARY_CODES.items()}


def _read_payload(data: bytes, kid: bytes) -> CompactClaim:
    major, count, pos = _head(data, 0)
    if major != 5:
        raise _Malformed("the payload must be a CBOR map")
    if count > len(KNOWN_KEYS):
        raise _Malformed(f"the payload has {count} entries; at most {len(KNOWN_KEYS)}")
    values: dict[int, Any] = {}
    value: Any
    previous = 0
    for _ in range(count):
        key = data[pos]
        if key < 24:  # the one-byte head of every key of the table (major type 0)
            pos += 1
        else:
            major, key, pos = _head(data, pos)
            if major != 0:
                raise _Malformed("payload keys must be unsigned integers")
        if key <= previous:
            raise _Malformed("payload keys must be in ascending order, each once",
                             "claim_not_deterministic")
        previous = key
        if key not in KNOWN_KEYS:
            raise _Malformed(f"unknown payload key {key}")
        if key in _UNSIGNED_KEYS:
            value = data[pos]
            if value < 24:
                pos += 1
            else:
                major, value, pos = _head(data, pos)
                if major != 0:
                    raise _Malformed("expected an unsigned integer", key=key)
        elif key in _BYTES_KEYS:
            major, length, pos = _head(data, pos)
            if major != 2 or length != _BYTES_KEYS[key]:
                raise _Malformed("the declaration id must be 16 bytes and the digest 32",
                                 key=key)
            value, pos = _take(data, pos, length)
        elif key in _NUMBER_KEYS:
            value, pos = _number(data, pos, key)
        elif key == KEY_GRADE:
            major, length, pos = _head(data, pos)
            if major != 3 or not 0 < length <= 80:
                raise _Malformed("the grade must be text of 1 to 20 characters", key=key)
            raw, pos = _take(data, pos, length)
            value = raw.decode("utf-8")
            if len(value) > 20:
                raise _Malformed("the grade must be text of 1 to 20 characters", key=key)
        else:
            value, pos = _int_or_text(data, pos)
        values[key] = value
    if pos != len(data):
        raise _Malformed("bytes follow the payload map")
    missing = REQUIRED_KEYS - values.keys()
    if missing:
        raise _Malformed(f"missing payload keys {', '.join(map(str, sorted(missing)))}")
    version = values[KEY_VERSION]
    if version != CLAIM_FORMAT_VERSION:
        raise _Malformed(f"claim format version {version} is not supported (expected "
                         f"{CLAIM_FORMAT_VERSION})", "bad_claim_version")
    product = values[KEY_PRODUCT_ID]
    if isinstance(product, int):
        if not product < 10**14:
            raise _Malformed("a GTIN has at most 14 digits", key=KEY_PRODUCT_ID)
        product_id = f"urn:gtin:{product:014d}"
    else:
        if not 0 < len(product) <= MAX_TEXT_FIELD or GTIN_URN.match(product):
            raise _Malformed("a product id text must be 1 to 200 characters (a GTIN-14 URN is "
                             "written as an integer)", key=KEY_PRODUCT_ID)
        product_id = product
    amount = values[KEY_UNIT_AMOUNT]
    if amount <= 0:
        raise _Malformed("the declared unit amount must be positive", key=KEY_UNIT_AMOUNT)
    boundary = NAMES_BY_CODE[id(BOUNDARY_CODES)].get(values[KEY_BOUNDARY])
    if boundary is None:
        raise _Malformed(f"unknown code {values[KEY_BOUNDARY]}", key=KEY_BOUNDARY)
    for key in (KEY_VALID_UNTIL, KEY_ISSUED_AT, KEY_VALID_FROM):
        if values[key] >= MAX_TIME:
            raise _Malformed("time out of range", key=key)
    return CompactClaim(
        version=version,
        declaration_id=uuid.UUID(bytes=values[KEY_DECLARATION_ID]),
        digest=values[KEY_DIGEST],
        issuer_kid_hint=kid,
        product_id=product_id,
        product_category=_coded_text(values[KEY_PRODUCT_CATEGORY], CATEGORY_CODES,
                                     KEY_PRODUCT_CATEGORY),
        value=values[KEY_VALUE],
        unit=_coded_text(values[KEY_UNIT], UNIT_CODES, KEY_UNIT),
        unit_amount=amount,
        boundary=boundary,
        rule_set=_coded_text(values[KEY_RULE_SET], RULE_SET_CODES, KEY_RULE_SET),
        grade=values.get(KEY_GRADE),
        valid_until=dt.datetime.fromtimestamp(values[KEY_VALID_UNTIL], dt.UTC),
        issued_at=dt.datetime.fromtimestamp(values[KEY_ISSUED_AT], dt.UTC),
        valid_from=dt.datetime.fromtimestamp(values[KEY_VALID_FROM], dt.UTC),
    )


# --------------------------------------------------------------------------- format 2


def _parse_array_payload(payload: bytes, kid: bytes, source: str) -> CompactClaim:
    """Decode format 2's payload array strictly (docs/claim-format.md §7)."""
    claim = _read_usual_array_payload(payload, kid)
    if claim is not None:
        return claim
    try:
        return _read_array_payload(payload, kid)
    except _Malformed as exc:
        location = None if exc.key is None else f"payload item {exc.key}"
        raise InputError(exc.message, source=source, location=location,
                         code=exc.code) from None
    except (IndexError, UnicodeDecodeError, ValueError, InvalidOperation) as exc:
        raise InputError(f"the payload is not a valid claim array ({exc})", source=source,
                         code="bad_claim") from None


_USUAL_ARRAY_START = bytes([0x80 + FORMAT_2_ITEMS, CLAIM_FORMAT_2, 0x40 + BINDING_BYTES])
_GTIN_HEAD = 0x40 + GTIN_BYTES
_CATEGORY_NAMES_2 = NAMES_BY_CODE[id(CATEGORY_CODES_2)]
_UNIT_NAMES = NAMES_BY_CODE[id(UNIT_CODES)]
_BOUNDARY_NAMES = NAMES_BY_CODE[id(BOUNDARY_CODES)]
_RULE_SET_NAMES = NAMES_BY_CODE[id(RULE_SET_CODES)]


def _small_integer(data: bytes, pos: int) -> tuple[int, int]:
    """An integer of major type 0 or 1 with a head of at most three bytes, in its shortest
    form, and the next position; ``(-2**17, pos)`` (no day, index or offset can be that)
    for anything else, which the usual reader leaves to the general one."""
    initial = data[pos]
    if initial < 0x18:
        return initial, pos + 1
    if 0x20 <= initial < 0x38:
        return 0x1F - initial, pos + 1
    if initial in (0x18, 0x38) and data[pos + 1] >= 0x18:
        return (data[pos + 1] if initial == 0x18 else -1 - data[pos + 1]), pos + 2
    if initial in (0x19, 0x39):
        value = (data[pos + 1] << 8) | data[pos + 2]
        if value >= 0x100:
            return (value if initial == 0x19 else -1 - value), pos + 3
    return -2**17, pos


def _read_usual_array_payload(data: bytes, kid: bytes) -> CompactClaim | None:
    """A format-2 payload as this module writes it for a GTIN (coded category, unit,
    boundary and rule set, days and index of at most three-byte heads), read in one
    straight pass; None for anything else, which then goes through
    :func:`_read_array_payload` (the same claim where both read, and its precise errors; a
    property test holds them to that). A claim is decoded on every scan (ADR 0028)."""
    if len(data) < 40 or data[:3] != _USUAL_ARRAY_START or data[19] != _GTIN_HEAD:
        return None
    try:
        number = int.from_bytes(data[20:26], "big")
        digits = f"{number:014d}"
        category = _CATEGORY_NAMES_2.get(data[26]) if data[26] < 0x18 else None
        if number >= 10**14 or category is None or not gtin_check_digit_valid(digits):
            return None
        value, pos = _number(data, 27, 4)
        unit = _UNIT_NAMES.get(data[pos]) if data[pos] < 0x18 else None
        amount, pos = _number(data, pos + 1, 6)
        boundary = _BOUNDARY_NAMES.get(data[pos]) if data[pos] < 0x18 else None
        rule_set = _RULE_SET_NAMES.get(data[pos + 1]) if data[pos + 1] < 0x18 else None
        if unit is None or amount <= 0 or boundary is None or rule_set is None:
            return None
        pos += 2
        grade: str | None = None
        if 0x61 <= data[pos] <= 0x60 + MAX_GRADE_CHARS:  # text of 1 to 20 bytes
            end = pos + 1 + data[pos] - 0x60
            grade = data[pos + 1:end].decode("utf-8")
            pos = end
        elif data[pos] == _NULL:
            pos += 1
        else:
            return None
        issued, pos = _small_integer(data, pos)
        valid_from, pos = _small_integer(data, pos)
        valid_until, pos = _small_integer(data, pos)
        status_index, pos = _small_integer(data, pos)
    except (_Malformed, IndexError, UnicodeDecodeError):
        return None
    if pos != len(data) or issued < 0 or status_index < 0 \
            or not -MAX_DAY_OFFSET <= valid_from < valid_until < MAX_DAY_OFFSET \
            or issued + valid_from < 0 or issued + valid_until > LAST_DAY:
        return None
    return _format_2_claim(data[3:19], kid, f"urn:gtin:{digits}", category, value, unit, amount,
                           boundary, rule_set, grade, issued, valid_from, valid_until,
                           status_index)


def _format_2_claim(binding: bytes, kid: bytes, product_id: str, category: str,
                    value: Decimal, unit: str, amount: Decimal, boundary: str, rule_set: str,
                    grade: str | None, issued: int, valid_from: int, valid_until: int,
                    status_index: int) -> CompactClaim:
    """The claim a format-2 payload states, its days counted from the issue day (what both
    readers build once every item has passed its checks)."""
    return CompactClaim(
        version=CLAIM_FORMAT_2,
        declaration_id=None,
        digest=binding,
        issuer_kid_hint=kid,
        product_id=product_id,
        product_category=category,
        value=value,
        unit=unit,
        unit_amount=amount,
        boundary=boundary,
        rule_set=rule_set,
        grade=grade,
        valid_until=day_start(issued + valid_until),
        issued_at=day_start(issued),
        valid_from=day_start(issued + valid_from),
        status_index=status_index,
    )


_NULL = 0xF6


def _no_simple(data: bytes, pos: int, item: int) -> None:
    """Floats and other simple values (major type 7) are never an item of format 2 (only
    null, as the grade, which its reader takes first)."""
    if data[pos] >> 5 == 7:
        raise _Malformed("floats and other simple values are not allowed", key=item)


def _unsigned(data: bytes, pos: int, item: int, what: str) -> tuple[int, int]:
    initial = data[pos]
    if initial < 24:  # an unsigned integer below 24, in its one-byte (shortest) form
        return initial, pos + 1
    _no_simple(data, pos, item)
    major, value, pos = _head(data, pos)
    if major != 0:
        raise _Malformed(f"{what} must be an unsigned integer", key=item)
    return value, pos


def _day_offset(data: bytes, pos: int, item: int, what: str) -> tuple[int, int]:
    initial = data[pos]
    if initial < 24:  # 0 to 23 days after the issue day, in the one-byte form
        return initial, pos + 1
    _no_simple(data, pos, item)
    major, value, pos = _head(data, pos)
    if major not in (0, 1):
        raise _Malformed(f"{what} must be an integer (days from the issue day)", key=item)
    if (value if major == 0 else value + 1) >= MAX_DAY_OFFSET:
        raise _Malformed(f"{what} is more than {MAX_DAY_OFFSET - 1} days from the issue day",
                         key=item)
    return (value if major == 0 else -1 - value), pos


def _coded_item(data: bytes, pos: int, item: int, table: Mapping[str, int]
                ) -> tuple[str, int]:
    initial = data[pos]
    if initial < 24:  # a code below 24, in the one-byte form
        name = NAMES_BY_CODE[id(table)].get(initial)
        if name is not None:
            return name, pos + 1
    _no_simple(data, pos, item)
    try:
        value, pos = _int_or_text(data, pos)
    except _Malformed as exc:
        raise _Malformed(exc.message, exc.code, item) from None
    try:
        return _coded_text(value, table, item), pos
    except _Malformed as exc:
        raise _Malformed(exc.message, exc.code, item) from None


def _read_array_payload(data: bytes, kid: bytes) -> CompactClaim:
    major, count, pos = _head(data, 0)
    if major != 4:
        raise _Malformed("the payload must be a CBOR array")
    if count != FORMAT_2_ITEMS:
        raise _Malformed(f"the payload has {count} items; format 2 has exactly "
                         f"{FORMAT_2_ITEMS}")
    version, pos = _unsigned(data, pos, 0, "the version")
    if version != CLAIM_FORMAT_2:
        raise _Malformed(f"claim format version {version} is not supported in an array "
                         f"payload (expected {CLAIM_FORMAT_2})", "bad_claim_version", 0)
    _no_simple(data, pos, 1)
    major, length, pos = _head(data, pos)
    if major != 2 or length != BINDING_BYTES:
        raise _Malformed(f"the binding must be a byte string of {BINDING_BYTES} bytes", key=1)
    binding, pos = _take(data, pos, length)
    _no_simple(data, pos, 2)
    major, length, pos = _head(data, pos)
    if major == 2:
        if length != GTIN_BYTES:
            raise _Malformed(f"a GTIN is written as {GTIN_BYTES} bytes (a GTIN-14 as a "
                             f"48-bit integer), not {length}", key=2)
        raw, pos = _take(data, pos, length)
        number = int.from_bytes(raw, "big")
        digits = f"{number:014d}"
        if number >= 10**14 or not gtin_check_digit_valid(digits):
            raise _Malformed("the GTIN has more than 14 digits or a wrong check digit", key=2)
        product_id = f"urn:gtin:{digits}"
    elif major == 3:
        raw, pos = _take(data, pos, length)
        product_id = raw.decode("utf-8")
        if not 0 < len(product_id) <= MAX_TEXT_FIELD or product_id.startswith("urn:gtin:"):
            raise _Malformed(f"a product id text must be 1 to {MAX_TEXT_FIELD} characters "
                             "(a GTIN is written as bytes)", key=2)
    else:
        raise _Malformed("the product must be GTIN bytes or a text", key=2)
    category, pos = _coded_item(data, pos, 3, CATEGORY_CODES_2)
    _no_simple(data, pos, 4)
    value, pos = _number(data, pos, 4)
    unit, pos = _coded_item(data, pos, 5, UNIT_CODES)
    _no_simple(data, pos, 6)
    amount, pos = _number(data, pos, 6)
    if amount <= 0:
        raise _Malformed("the declared unit amount must be positive", key=6)
    code, pos = _unsigned(data, pos, 7, "the boundary")
    boundary = NAMES_BY_CODE[id(BOUNDARY_CODES)].get(code)
    if boundary is None:
        raise _Malformed(f"unknown boundary code {code}", key=7)
    rule_set, pos = _coded_item(data, pos, 8, RULE_SET_CODES)
    grade: str | None = None
    if data[pos] == _NULL:
        pos += 1
    else:
        _no_simple(data, pos, 9)
        major, length, pos = _head(data, pos)
        if major != 3 or not 0 < length <= 4 * MAX_GRADE_CHARS:
            raise _Malformed(f"the grade must be text of 1 to {MAX_GRADE_CHARS} characters "
                             "or null", key=9)
        raw, pos = _take(data, pos, length)
        grade = raw.decode("utf-8")
        if len(grade) > MAX_GRADE_CHARS:
            raise _Malformed(f"the grade must be text of 1 to {MAX_GRADE_CHARS} characters "
                             "or null", key=9)
    issued, pos = _unsigned(data, pos, 10, "the issue day")
    if issued >= MAX_ISSUED_DAY:
        raise _Malformed(f"the issue day {issued} is too far in the future (at most "
                         f"{MAX_ISSUED_DAY - 1} days after 2020-01-01)", key=10)
    valid_from, pos = _day_offset(data, pos, 11, "valid from")
    valid_until, pos = _day_offset(data, pos, 12, "valid until")
    status_index, pos = _unsigned(data, pos, 13, "the status list index")
    if status_index >= MAX_STATUS_INDEX:
        raise _Malformed(f"the status list index must be below {MAX_STATUS_INDEX}", key=13)
    if pos != len(data):
        raise _Malformed("bytes follow the payload array")
    if valid_from >= valid_until:
        raise _Malformed("valid from must be before valid until", key=11)
    for day, item in ((issued + valid_from, 11), (issued + valid_until, 12)):
        if not 0 <= day <= LAST_DAY:
            raise _Malformed("the day is outside the years 2020 to 9999", key=item)
    return _format_2_claim(binding, kid, product_id, category, value, unit, amount, boundary,
                           rule_set, grade, issued, valid_from, valid_until, status_index)
