"""The compact signed claim carried by a label's QR code (COSE_Sign1 over a CBOR map).

A claim states, in about 190 bytes, what a customs officer or a handheld scanner needs to
know offline: which declaration (id and SHA-256 of its JCS bytes), who vouches for it (an
8-byte hint of the certifier's key id, in the protected header: the signature decides), the
product, its PCF value and declared unit, boundary, product category, rule set, grade and
validity (start and end). It is a tagged COSE_Sign1 (RFC 9052, tag 18) signed with the certifier's
:class:`~cfl.signing.keys.Signer` when the certifier signs the bundle (ADR 0025); its text form is an
uppercase resolver URL followed by the signed bytes as one decimal number, so a QR code holds
it in an alphanumeric and a numeric segment. The byte layout is specified in
``docs/claim-format.md``.

Decoding is strict and bounded: the text length and the byte size are checked before any
parsing, the CBOR must be exactly the deterministic encoding this module writes, and every
field must have its one allowed type and range. Anything else is an :class:`InputError`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import cbor2

from cfl.signing.b64url import b64url_decode, b64url_encode
from cfl.signing.jws import Bundle
from cfl.errors import CflError, InputError
from cfl.signing.keys import PublicKey, Signer
from cfl.timeutil import END_OF_CALENDAR, add_years, parse_time
from cfl.trust.trust_list import TrustContext, signer_rows
from cfl.verification.report import CheckRow, Status, VerificationReport, error_text
from cfl.verification.bundle_check import validity_row

#: Version of the claim payload layout (payload key 1).
CLAIM_FORMAT_VERSION = 1
#: The documented placeholder resolver; deployments pass their own with ``--resolver``.
DEFAULT_RESOLVER = "HTTPS://CFL.EXAMPLE/V/"
#: COSE_Sign1 CBOR tag (RFC 9052 §2). Every claim is tagged; its first byte is always 0xD2.
COSE_SIGN1_TAG = 18
#: Bounds checked before parsing.
MAX_CLAIM_BYTES = 512
MAX_CLAIM_DIGITS = math.ceil(MAX_CLAIM_BYTES * math.log10(256))
MAX_RESOLVER_CHARS = 120
MAX_TEXT_CHARS = MAX_RESOLVER_CHARS + MAX_CLAIM_DIGITS
#: Length of the issuer kid hint: the first bytes of the RFC 7638 thumbprint (ADR 0026).
KID_HINT_BYTES = 8

#: COSE algorithm identifiers (RFC 9053) by JOSE name.
COSE_ALG_BY_NAME = {"EdDSA": -8, "ES256": -7}
NAME_BY_COSE_ALG = {value: name for name, value in COSE_ALG_BY_NAME.items()}

# Payload map keys (docs/claim-format.md, "Key table").
KEY_VERSION = 1
KEY_DECLARATION_ID = 2
KEY_DIGEST = 3
# key 4 is reserved: the issuer kid travels in the protected header (COSE label 4).
KEY_PRODUCT_ID = 5
KEY_PRODUCT_CATEGORY = 6
KEY_VALUE = 7
KEY_UNIT = 8
KEY_UNIT_AMOUNT = 9
KEY_BOUNDARY = 10
KEY_RULE_SET = 11
KEY_GRADE = 12
KEY_VALID_UNTIL = 13
KEY_ISSUED_AT = 14
KEY_VALID_FROM = 15
_REQUIRED_KEYS = frozenset(
    {KEY_VERSION, KEY_DECLARATION_ID, KEY_DIGEST, KEY_PRODUCT_ID, KEY_PRODUCT_CATEGORY,
     KEY_VALUE, KEY_UNIT, KEY_UNIT_AMOUNT, KEY_BOUNDARY, KEY_RULE_SET, KEY_VALID_UNTIL,
     KEY_ISSUED_AT, KEY_VALID_FROM}
)
_KNOWN_KEYS = _REQUIRED_KEYS | {KEY_GRADE}

#: Code tables: a listed text is written as its small integer; any other text is written as
#: itself (so a new rule set or category needs no new format version). Codes never change.
UNIT_CODES: dict[str, int] = {
    "liter": 1, "kilogram": 2, "cubic meter": 3, "kilowatt hour": 4, "megajoule": 5,
    "ton kilometer": 6, "square meter": 7, "piece": 8, "hour": 9, "megabit second": 10,
}
BOUNDARY_CODES: dict[str, int] = {"cradle-to-grave": 1, "cradle-to-gate": 2, "gate-to-gate": 3}
CATEGORY_CODES: dict[str, int] = {
    "lithium-ion-battery": 1, "pv-module": 2, "passenger-ev": 3, "electrolytic-aluminium": 4,
    "cement": 5, "flat-glass": 6, "steel": 7,
}
RULE_SET_CODES: dict[str, int] = {
    "gbt-24067-2024": 1, "iso-14067-2018": 2, "ghg-protocol-product-2011": 3,
    "pas-2050-2011": 4, "pact-methodology-v3": 5, "eu-battery-regulation-2023-1542": 6,
    "eu-pef-2021-2279": 7, "th-tgo-cfp": 8, "id-sni-iso-14067-2018": 9,
    "ru-gost-r-iso-14067-2021": 10, "jp-sumpo-cfp": 11, "kr-keiti-carbon-label": 12,
}

_REVERSE: dict[int, dict[int, str]] = {
    id(table): {code: name for name, code in table.items()}
    for table in (UNIT_CODES, BOUNDARY_CODES, CATEGORY_CODES, RULE_SET_CODES)
}
_GTIN_URN = re.compile(r"^urn:gtin:([0-9]{14})$")
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
#: QR alphanumeric characters allowed in a resolver URL; it must end with "/".
_RESOLVER = re.compile(r"^[A-Z][A-Z0-9+.-]*://[A-Z0-9$%*+./:-]*/$")
_MAX_TIME = 2**40
_MAX_TEXT_FIELD = 200
_MAX_DECIMAL_DIGITS = 24


@dataclass(frozen=True)
class CompactClaim:
    """The statements a claim makes (its payload plus the issuer kid)."""

    declaration_id: uuid.UUID
    digest: bytes
    #: The first :data:`KID_HINT_BYTES` bytes of the certifier's RFC 7638 thumbprint.
    issuer_kid_hint: bytes
    product_id: str
    product_category: str
    value: Decimal
    unit: str
    unit_amount: Decimal
    boundary: str
    rule_set: str
    grade: str | None
    valid_until: dt.datetime
    issued_at: dt.datetime
    #: Start of the declaration's validity period (PACT v3 ``validityPeriodStart``, or
    #: ``pcf.referencePeriodEnd`` when absent): a claim is not valid before it.
    valid_from: dt.datetime
    version: int = CLAIM_FORMAT_VERSION

    def names_issuer(self, kid: str) -> bool:
        """True if ``kid`` (a base64url thumbprint) starts with this claim's kid hint."""
        return kid_hint(kid) == self.issuer_kid_hint


def kid_hint(kid: str) -> bytes:
    """The claim's kid hint for a base64url RFC 7638 thumbprint (its first 8 bytes)."""
    try:
        return b64url_decode(kid, what="kid")[:KID_HINT_BYTES]
    except InputError:
        return b""


@dataclass(frozen=True)
class SignedClaim:
    """A decoded COSE_Sign1 claim: the statements and the bytes that were signed."""

    claim: CompactClaim
    alg: str
    protected: bytes
    payload: bytes
    signature: bytes
    encoded: bytes

    @property
    def signing_input(self) -> bytes:
        """The RFC 9052 §4.4 Sig_structure for this claim."""
        return sig_structure(self.protected, self.payload)

    def signature_valid(self, key: PublicKey) -> bool:
        """True only if ``key`` has the claim's algorithm and its signature verifies."""
        return key.alg == self.alg and key.verify(self.signature, self.signing_input)

    def to_text(self, resolver: str = DEFAULT_RESOLVER) -> str:
        return claim_to_text(self.encoded, resolver)


# --------------------------------------------------------------------------- building


def claim_from_declaration(
    declaration: Mapping[str, Any], *, digest: bytes, issuer_kid: str, at: dt.datetime
) -> CompactClaim:
    """The claim for a (signed) declaration given as plain JSON data.

    ``digest`` is the SHA-256 of the declaration's JCS bytes (what the bundle signatures
    cover). The value is ``pcf.pcfExcludingBiogenicUptake``; validity starts at
    ``validityPeriodStart`` (default ``pcf.referencePeriodEnd``) and ends at
    ``validityPeriodEnd`` or, when absent, three years after ``pcf.referencePeriodEnd``
    (PACT v3's defaults, as :func:`cfl.verification.bundle_check.declaration_validity_window`).
    """
    source = "<declaration>"
    try:
        pcf = declaration["pcf"]
        data = _cfl_extension_data(declaration)
        declaration_id = uuid.UUID(str(declaration["id"]))
        product_ids = declaration["productIds"]
        product_id = str(product_ids[0])
        value = Decimal(str(pcf["pcfExcludingBiogenicUptake"]))
        unit = str(pcf["declaredUnitOfMeasurement"])
        unit_amount = Decimal(str(pcf["declaredUnitAmount"]))
        end_text = declaration.get("validityPeriodEnd")
        start_text = declaration.get("validityPeriodStart")
        if end_text is None or start_text is None:
            reference_end = parse_time(str(pcf["referencePeriodEnd"]))
        valid_until = (parse_time(str(end_text)) if end_text is not None
                       else add_years(reference_end, 3) or END_OF_CALENDAR)
        valid_from = parse_time(str(start_text)) if start_text is not None else reference_end
        # a claim carries whole seconds; truncate here so claim and declaration compare equal
        valid_until, valid_from = (moment.replace(microsecond=0)
                                   for moment in (valid_until, valid_from))
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
    except (KeyError, IndexError, TypeError, AttributeError) as exc:
        raise InputError(f"lacks a field the claim needs ({exc})", source=source,
                         code="claim_field_missing") from None
    except (ValueError, InvalidOperation, InputError) as exc:
        raise InputError(f"has a field the claim cannot carry ({exc})", source=source,
                         code="claim_field_invalid") from None
    _payload_map(claim)  # validates every field once, up front
    return claim


def _cfl_extension_data(declaration: Mapping[str, Any]) -> Mapping[str, Any]:
    for extension in declaration.get("extensions") or []:
        if isinstance(extension, Mapping) and (
            extension.get("dataSchema") == "urn:cfl:schema:cfl-extension:1"
        ):
            data = extension.get("data")
            if isinstance(data, Mapping):
                return data
    raise KeyError("the cfl extension (dataSchema urn:cfl:schema:cfl-extension:1)")


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
    protected = _protected_bytes(alg, claim.issuer_kid_hint)
    payload = cbor2.dumps(_payload_map(claim), canonical=True)
    signature = signer.sign(sig_structure(protected, payload))
    return _encode_sign1(protected, payload, signature)


_SIG_STRUCTURE_HEAD = b"\x84\x6aSignature1"


def sig_structure(protected: bytes, payload: bytes) -> bytes:
    """RFC 9052 §4.4: ["Signature1", body_protected, external_aad = h'', payload], in its
    one deterministic CBOR encoding (array of 4, text "Signature1", three byte strings)."""
    return b"".join((_SIG_STRUCTURE_HEAD, _bstr_head(len(protected)), protected, b"\x40",
                     _bstr_head(len(payload)), payload))


def _encode_sign1(protected: bytes, payload: bytes, signature: bytes) -> bytes:
    return cbor2.dumps(cbor2.CBORTag(COSE_SIGN1_TAG, [protected, {}, payload, signature]))


def _encode_decimal(value: Decimal, what: str) -> int | Decimal:
    """An integral value as a CBOR integer, any other as a normalised tag-4 fraction."""
    if not _decimal_in_range(value):
        raise ValueError(f"{what} {value} is not a finite number of at most "
                         f"{_MAX_DECIMAL_DIGITS} digits")
    if value == value.to_integral_value():
        return int(value)
    return value.normalize()


def _coded(value: str, table: Mapping[str, int], what: str) -> int | str:
    code = table.get(value)
    if code is not None:
        return code
    if not value or len(value) > _MAX_TEXT_FIELD:
        raise ValueError(f"{what} {value!r} must be 1 to {_MAX_TEXT_FIELD} characters")
    return value


def _epoch(moment: dt.datetime, what: str) -> int:
    if moment.tzinfo is None:
        raise ValueError(f"{what} has no time zone")
    seconds = math.floor(moment.timestamp())
    if not 0 <= seconds < _MAX_TIME:
        raise ValueError(f"{what} is out of range")
    return seconds


def _payload_map(claim: CompactClaim) -> dict[int, Any]:
    if len(claim.digest) != 32:
        raise ValueError("the digest must be 32 bytes (SHA-256)")
    if len(claim.issuer_kid_hint) != KID_HINT_BYTES:
        raise ValueError(f"the issuer kid hint must be {KID_HINT_BYTES} bytes")
    gtin = _GTIN_URN.match(claim.product_id)
    product: int | str = int(gtin.group(1)) if gtin else claim.product_id
    if isinstance(product, str) and not 0 < len(product) <= _MAX_TEXT_FIELD:
        raise ValueError(f"product id must be 1 to {_MAX_TEXT_FIELD} characters")
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


# --------------------------------------------------------------------------- text form


def check_resolver(resolver: str) -> str:
    """``resolver`` if it is an uppercase URL in the QR alphanumeric set ending in "/"."""
    if len(resolver) > MAX_RESOLVER_CHARS or not _RESOLVER.match(resolver):
        raise InputError(
            f"resolver {resolver!r} must be an uppercase URL of at most {MAX_RESOLVER_CHARS} "
            "characters from the QR alphanumeric set (A-Z 0-9 $%*+-./:) ending in '/', "
            f"e.g. {DEFAULT_RESOLVER}",
            code="bad_resolver",
        )
    return resolver


def claim_to_text(encoded: bytes, resolver: str = DEFAULT_RESOLVER) -> str:
    """Resolver URL + the claim bytes as one big-endian decimal number (no leading zeros)."""
    check_resolver(resolver)
    if not encoded or encoded[0] != 0xD2:
        raise InputError("not a tagged COSE_Sign1 claim (first byte must be 0xD2)",
                         code="bad_claim")
    return resolver + str(int.from_bytes(encoded, "big"))


def split_claim_text(text: str) -> tuple[str, str]:
    """(resolver, digits) of a claim text; the resolver is everything up to the last "/"."""
    cut = text.rfind("/") + 1
    return text[:cut], text[cut:]


def claim_bytes_from_text(text: str, *, source: str = "<text>") -> bytes:
    """The COSE bytes of a claim text, with every bound checked before conversion."""
    if not isinstance(text, str):
        raise InputError("expected claim text", source=source, code="bad_claim_text")
    if len(text) > MAX_TEXT_CHARS + 4:
        raise InputError(f"is {len(text)} characters; a claim text has at most "
                         f"{MAX_TEXT_CHARS}", source=source, code="claim_too_large")
    text = text.strip()
    resolver, digits = split_claim_text(text)
    if not resolver:
        raise InputError("does not start with a resolver URL ending in '/'", source=source,
                         code="bad_claim_text")
    try:
        check_resolver(resolver)
    except InputError as exc:
        raise exc.at(source) from None
    if not digits or not digits.isascii() or not digits.isdigit():
        raise InputError("expected decimal digits after the resolver URL", source=source,
                         location=f"character {len(resolver) + 1}", code="bad_claim_text")
    if len(digits) > MAX_CLAIM_DIGITS:
        raise InputError(f"the claim number has {len(digits)} digits; at most "
                         f"{MAX_CLAIM_DIGITS} are accepted", source=source,
                         code="claim_too_large")
    if digits[0] == "0":
        raise InputError("the claim number has a leading zero", source=source,
                         location=f"character {len(resolver) + 1}", code="bad_claim_text")
    number = int(digits)
    return number.to_bytes((number.bit_length() + 7) // 8, "big")


def decode_claim_text(text: str, *, source: str = "<text>") -> SignedClaim:
    """Parse a claim text (as scanned from a QR) into a :class:`SignedClaim`."""
    return decode_claim(claim_bytes_from_text(text, source=source), source=source)


# --------------------------------------------------------------------------- decoding


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
    if _sign1_bytes(protected, payload, signature) != data:
        raise InputError("is not in deterministic CBOR encoding", source=source,
                         code="claim_not_deterministic")
    header = _loads(protected, source, "protected header")
    alg, kid = _parse_header(header, source)
    if _protected_bytes(header[1], header[4]) != protected:
        raise InputError("the protected header is not in deterministic CBOR encoding",
                         source=source, code="claim_not_deterministic")
    claim = _parse_payload(payload, kid, source)
    return SignedClaim(claim=claim, alg=alg, protected=protected, payload=payload,
                       signature=signature, encoded=bytes(data))


def _bstr_head(length: int) -> bytes:
    """Shortest CBOR byte-string head (major type 2) for ``length`` < 65536."""
    if length < 24:
        return bytes([0x40 + length])
    if length < 256:
        return bytes([0x58, length])
    return bytes([0x59]) + length.to_bytes(2, "big")


def _sign1_bytes(protected: bytes, payload: bytes, signature: bytes) -> bytes:
    """The deterministic encoding of a tagged COSE_Sign1 with an empty unprotected map."""
    return b"".join((b"\xd2\x84", _bstr_head(len(protected)), protected, b"\xa0",
                     _bstr_head(len(payload)), payload, _bstr_head(len(signature)),
                     signature))


def _protected_bytes(alg: int, kid: bytes) -> bytes:
    """The deterministic encoding of ``{1: alg, 4: kid}`` (alg -8 or -7, kid 8 bytes)."""
    return b"\xa2\x01" + bytes([0x20 + (-1 - alg)]) + b"\x04" + _bstr_head(len(kid)) + kid


def _loads(data: bytes, source: str, what: str) -> Any:
    try:
        return cbor2.loads(data)
    except (cbor2.CBORError, ValueError, TypeError, OverflowError, RecursionError,
            InvalidOperation, LookupError) as exc:
        raise InputError(f"the {what} is not valid CBOR ({exc})", source=source,
                         code="bad_claim") from None


def _parse_header(header: Any, source: str) -> tuple[str, bytes]:
    if not isinstance(header, Mapping) or set(header) != {1, 4}:
        raise InputError("the protected header must hold exactly alg (1) and kid (4)",
                         source=source, code="bad_claim")
    alg = NAME_BY_COSE_ALG.get(header[1]) if isinstance(header[1], int) else None
    if alg is None:
        raise InputError(f"unsupported COSE algorithm {header[1]!r}; expected -8 (EdDSA) or "
                         "-7 (ES256)", source=source, code="bad_claim_alg")
    kid = header[4]
    if not isinstance(kid, bytes) or len(kid) != KID_HINT_BYTES:
        raise InputError(f"the kid must be the first {KID_HINT_BYTES} bytes of the RFC 7638 "
                         "thumbprint", source=source, code="bad_claim")
    return alg, kid


_DECIMAL_LIMIT = 10**_MAX_DECIMAL_DIGITS
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
        if not (-_MAX_DECIMAL_DIGITS <= exponent < 0 and mantissa % 10 != 0
                and -_DECIMAL_LIMIT < mantissa < _DECIMAL_LIMIT):
            raise _Malformed("expected an integer or a normalised decimal fraction (negative "
                             "exponent, no trailing zero) of at most "
                             f"{_MAX_DECIMAL_DIGITS} digits", key=key)
        return Decimal(f"{mantissa}E{exponent}"), pos
    initial = data[pos]
    if initial < 24:
        return Decimal(initial), pos + 1
    value, pos = _integer(data, pos)
    if not -_DECIMAL_LIMIT < value < _DECIMAL_LIMIT:
        raise _Malformed(f"a number has more than {_MAX_DECIMAL_DIGITS} digits", key=key)
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
        name = _REVERSE[id(table)].get(value)
        if name is None:
            raise _Malformed(f"unknown code {value}", key=key)
        return name
    assert isinstance(value, str)
    if not 0 < len(value) <= _MAX_TEXT_FIELD or value in table:
        raise _Malformed("text must be 1 to 200 characters and not a coded value", key=key)
    return value


def _decimal_in_range(number: Decimal) -> bool:
    if not number.is_finite():
        return False
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)
    return -_MAX_DECIMAL_DIGITS <= exponent <= _MAX_DECIMAL_DIGITS and len(
        number.as_tuple().digits) <= _MAX_DECIMAL_DIGITS


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
    if data[:5] not in _USUAL_START or data[21:24] != _DIGEST_HEAD or data[56] != KEY_PRODUCT_ID:
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
        elif 0 < len(product) <= _MAX_TEXT_FIELD and not _GTIN_URN.match(product):
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
    if count > len(_KNOWN_KEYS):
        raise _Malformed(f"the payload has {count} entries; at most {len(_KNOWN_KEYS)}")
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
        if key not in _KNOWN_KEYS:
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
    missing = _REQUIRED_KEYS - values.keys()
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
        if not 0 < len(product) <= _MAX_TEXT_FIELD or _GTIN_URN.match(product):
            raise _Malformed("a product id text must be 1 to 200 characters (a GTIN-14 URN is "
                             "written as an integer)", key=KEY_PRODUCT_ID)
        product_id = product
    amount = values[KEY_UNIT_AMOUNT]
    if amount <= 0:
        raise _Malformed("the declared unit amount must be positive", key=KEY_UNIT_AMOUNT)
    boundary = _REVERSE[id(BOUNDARY_CODES)].get(values[KEY_BOUNDARY])
    if boundary is None:
        raise _Malformed(f"unknown code {values[KEY_BOUNDARY]}", key=KEY_BOUNDARY)
    for key in (KEY_VALID_UNTIL, KEY_ISSUED_AT, KEY_VALID_FROM):
        if values[key] >= _MAX_TIME:
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


# --------------------------------------------------------------------------- verification


def claim_rows(
    signed: SignedClaim, trust: TrustContext, *, at: dt.datetime,
    include_trust_rows: bool = True, subject: str = "claim",
) -> list[CheckRow]:
    """Rows for a decoded claim: trust list (optional), signer checks, validity."""
    claim = signed.claim
    rows: list[CheckRow] = list(trust.rows) if include_trust_rows else []
    verify = _remembering(signed.signature_valid)
    rows += signer_rows(
        trust, kid=issuer_kid(signed, trust, verify), verify=verify,
        product_category=claim.product_category, rule_set=claim.rule_set,
        signed_at=claim.issued_at, at=at, declaration_id=str(claim.declaration_id),
        alg=signed.alg, subject=subject,
    )
    rows.append(validity_row(claim.valid_from, claim.valid_until, at, subject=subject))
    return rows


def issuer_kid(signed: SignedClaim, trust: TrustContext,
               verify: Callable[[PublicKey], bool] | None = None) -> str:
    """The full kid of the trusted key that made ``signed``, found by its kid hint.

    Every trusted entry whose kid starts with the hint is a candidate and the signature
    decides: the first candidate whose key verifies it. If none does, the first candidate
    (so the signer rows say the signature does not verify), or, with no candidate, the
    hint itself in base64url (so they say the signer is not trusted).
    """
    check = verify or signed.signature_valid
    trust_list = trust.trust_list
    candidates = [] if trust_list is None else [
        entry for entry in trust_list.entries if signed.claim.names_issuer(entry.kid)]
    for entry in candidates:
        if check(entry.public_key):
            return entry.kid
    if candidates:
        return candidates[0].kid
    return b64url_encode(signed.claim.issuer_kid_hint)


def _remembering(verify: Callable[[PublicKey], bool]) -> Callable[[PublicKey], bool]:
    """``verify`` with its answers remembered per key (the hint search and the signer rows
    would otherwise verify the same signature twice)."""
    answers: dict[str, bool] = {}

    def remembered(key: PublicKey) -> bool:
        answer = answers.get(key.kid)
        if answer is None:
            answer = answers[key.kid] = verify(key)
        return answer

    return remembered


def claim_in_bundle(bundle: Bundle, *, source: str = "<bundle>") -> SignedClaim:
    """The compact claim a certifier issued when signing ``bundle`` (its ``cfl.claim.codec``
    unprotected header, ADR 0025), checked against the bundle before it goes on a label.

    The claim must decode strictly, name the signature's key (kid hint) and algorithm, be
    bound to this declaration (digest) and agree with it. Its signature can only be checked
    against a trust list, which is what verifying the label does; nothing here trusts it.
    """
    problems: list[str] = []
    for index, entry in enumerate(bundle.signatures):
        encoded = entry.claim
        if encoded is None or entry.role != "certifier":
            continue
        where = f"$.signatures[{index}].header.cfl.claim"
        try:
            signed = decode_claim(b64url_decode(encoded, what="'cfl.claim'"),
                                  source=f"{source} {where}")
        except InputError as exc:
            problems.append(f"{where}: {exc.message}")
            continue
        if not signed.claim.names_issuer(entry.kid) or signed.alg != entry.alg:
            problems.append(f"{where}: the claim names another key than its signature")
            continue
        failed = [row.message for row in binding_rows(signed, bundle)
                  if row.status is not Status.PASSED]
        if failed:
            problems.append(f"{where}: {failed[0]}")
            continue
        return signed
    if problems:
        raise InputError(f"carries no usable QR claim ({'; '.join(problems)}); ask the "
                         "certifier to sign it again (cfl sign --role certifier)",
                         source=source, code="bad_bundle_claim")
    raise InputError("carries no QR claim: it was signed without one (by an older cfl, or "
                     "for a declaration without the cfl extension). Ask the certifier to "
                     "sign it again with cfl sign --role certifier, or, as the certifier, "
                     "pass --key", source=source, code="no_bundle_claim")


def binding_rows(signed: SignedClaim, bundle: Bundle, *, subject: str = "claim"
                 ) -> list[CheckRow]:
    """Whether the claim is bound to ``bundle`` (digest) and agrees with its declaration."""
    if signed.claim.digest != bundle.digest:
        return [CheckRow("claim-binding", Status.FAILED, "claim_digest_mismatch",
                         "the claim's SHA-256 does not match the bundle's declaration: the "
                         "claim belongs to another declaration, or the bundle was altered",
                         subject=subject)]
    rows = [CheckRow("claim-binding", Status.PASSED, "claim_bound",
                     "the claim's SHA-256 matches the bundle's declaration", subject=subject)]
    try:
        expected = claim_from_declaration(bundle.declaration, digest=bundle.digest,
                                          issuer_kid=b64url_encode(signed.claim.issuer_kid_hint),
                                          at=signed.claim.issued_at)
    except InputError as exc:
        rows.append(CheckRow("claim-agreement", Status.FAILED, "claim_disagrees",
                             f"the bundle's declaration cannot be compared: {exc}",
                             subject=subject))
        return rows
    different = [name for name in ("declaration_id", "product_id", "product_category",
                                   "value", "unit", "unit_amount", "boundary", "rule_set",
                                   "grade", "valid_from", "valid_until")
                 if getattr(expected, name) != getattr(signed.claim, name)]
    if different:
        rows.append(CheckRow("claim-agreement", Status.FAILED, "claim_disagrees",
                             f"the claim and the declaration differ in {', '.join(different)}",
                             subject=subject))
    else:
        rows.append(CheckRow("claim-agreement", Status.PASSED, "claim_agrees",
                             "the claim agrees with the declaration (id, product, value, unit, "
                             "boundary, rule set, grade, validity start and end)",
                             subject=subject))
    return rows


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
        row = CheckRow("claim", Status.FAILED, exc.code,
                       f"the claim is not well-formed: {error_text(exc, source)}",
                       subject=source)
        return VerificationReport(source, at, (row,))
    rows = [claim_well_formed_row(signed, source)]
    rows += claim_rows(signed, trust, at=at)
    if bundle is not None:
        rows += binding_rows(signed, bundle)
    return VerificationReport(f"claim for {signed.claim.declaration_id}", at, tuple(rows))


def claim_well_formed_row(signed: SignedClaim, source: str) -> CheckRow:
    return CheckRow("claim", Status.PASSED, "claim_well_formed",
                    f"the claim is a well-formed COSE_Sign1 ({signed.alg}, "
                    f"{len(signed.encoded)} bytes) for declaration "
                    f"{signed.claim.declaration_id}", subject=source)
