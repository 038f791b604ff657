"""The compact signed claim carried by a label's QR code (COSE_Sign1 over a CBOR map).

A claim states, in about 210 bytes, what a customs officer or a handheld scanner needs to
know offline: which declaration (id and SHA-256 of its JCS bytes), who vouches for it (the
certifier's key id, in the protected header), the product, its PCF value and declared unit,
boundary, product category, rule set, grade and validity. It is a tagged COSE_Sign1 (RFC 9052,
tag 18) signed with the certifier's :class:`~cfl.keys.Signer`; its text form is an uppercase
resolver URL followed by the signed bytes as one decimal number, so a QR code holds it in an
alphanumeric and a numeric segment. The byte layout is specified in ``docs/claim-format.md``.

Decoding is strict and bounded: the text length and the byte size are checked before any
parsing, the CBOR must be exactly the deterministic encoding this module writes, and every
field must have its one allowed type and range. Anything else is an :class:`InputError`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import cbor2

from cfl.encoding import b64url_decode, b64url_encode
from cfl.envelope import Bundle
from cfl.errors import CflError, InputError
from cfl.keys import PublicKey, Signer
from cfl.timeutil import parse_time
from cfl.trust import TrustContext, signer_rows
from cfl.verification_report import CheckRow, Status, VerificationReport
from cfl.verify import validity_row

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
_REQUIRED_KEYS = frozenset(
    {KEY_VERSION, KEY_DECLARATION_ID, KEY_DIGEST, KEY_PRODUCT_ID, KEY_PRODUCT_CATEGORY,
     KEY_VALUE, KEY_UNIT, KEY_UNIT_AMOUNT, KEY_BOUNDARY, KEY_RULE_SET, KEY_VALID_UNTIL,
     KEY_ISSUED_AT}
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
    issuer_kid: str
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
    version: int = CLAIM_FORMAT_VERSION


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
    cover). The value is ``pcf.pcfExcludingBiogenicUptake``; validity ends at
    ``validityPeriodEnd`` or, when absent, three years after ``pcf.referencePeriodEnd``
    (PACT v3's default).
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
        if end_text is not None:
            valid_until = parse_time(str(end_text))
        else:
            reference_end = parse_time(str(pcf["referencePeriodEnd"]))
            valid_until = _add_years(reference_end, 3)
        grade = data.get("grade", {}).get("class")
        claim = CompactClaim(
            declaration_id=declaration_id,
            digest=bytes(digest),
            issuer_kid=issuer_kid,
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
        )
    except (KeyError, IndexError, TypeError, AttributeError) as exc:
        raise InputError(f"lacks a field the claim needs ({exc})", source=source,
                         code="claim_field_missing") from None
    except (ValueError, InvalidOperation) as exc:
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


def _add_years(moment: dt.datetime, years: int) -> dt.datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


def sign_claim(claim: CompactClaim, signer: Signer) -> bytes:
    """The tagged COSE_Sign1 bytes of ``claim``, signed by ``signer`` (the certifier)."""
    if signer.kid != claim.issuer_kid:
        raise InputError(
            f"the claim names issuer {claim.issuer_kid} but the signer's key is {signer.kid}",
            code="claim_issuer_mismatch",
        )
    alg = COSE_ALG_BY_NAME.get(signer.alg)
    if alg is None:
        raise InputError(f"algorithm {signer.alg!r} cannot sign a claim", code="bad_alg")
    protected = cbor2.dumps({1: alg, 4: b64url_decode(signer.kid, what="kid")}, canonical=True)
    payload = cbor2.dumps(_payload_map(claim), canonical=True)
    signature = signer.sign(sig_structure(protected, payload))
    return _encode_sign1(protected, payload, signature)


def sig_structure(protected: bytes, payload: bytes) -> bytes:
    """RFC 9052 §4.4: ["Signature1", body_protected, external_aad = h'', payload]."""
    return cbor2.dumps(["Signature1", protected, b"", payload])


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
    fields = _loads(payload, source, "payload")
    claim = _parse_payload(fields, kid, source)
    if cbor2.dumps(fields, canonical=True) != payload:
        raise InputError("the payload is not in deterministic CBOR encoding", source=source,
                         code="claim_not_deterministic")
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
    """The deterministic encoding of ``{1: alg, 4: kid}`` (alg -8 or -7, kid 32 bytes)."""
    return b"\xa2\x01" + bytes([0x20 + (-1 - alg)]) + b"\x04" + _bstr_head(len(kid)) + kid


def _loads(data: bytes, source: str, what: str) -> Any:
    try:
        return cbor2.loads(data)
    except (cbor2.CBORError, ValueError, TypeError, OverflowError, RecursionError,
            InvalidOperation, LookupError) as exc:
        raise InputError(f"the {what} is not valid CBOR ({exc})", source=source,
                         code="bad_claim") from None


def _parse_header(header: Any, source: str) -> tuple[str, str]:
    if not isinstance(header, Mapping) or set(header) != {1, 4}:
        raise InputError("the protected header must hold exactly alg (1) and kid (4)",
                         source=source, code="bad_claim")
    alg = NAME_BY_COSE_ALG.get(header[1]) if isinstance(header[1], int) else None
    if alg is None:
        raise InputError(f"unsupported COSE algorithm {header[1]!r}; expected -8 (EdDSA) or "
                         "-7 (ES256)", source=source, code="bad_claim_alg")
    kid = header[4]
    if not isinstance(kid, bytes) or len(kid) != 32:
        raise InputError("the kid must be the 32-byte RFC 7638 thumbprint", source=source,
                         code="bad_claim")
    return alg, b64url_encode(kid)


def _field(fields: Mapping[Any, Any], key: int, kind: type | tuple[type, ...], source: str
           ) -> Any:
    value = fields[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise InputError(f"payload key {key} has the wrong type", source=source,
                         location=f"payload key {key}", code="bad_claim")
    return value


def _decoded_text(value: int | str, table: Mapping[str, int], key: int, source: str) -> str:
    if isinstance(value, int):
        name = _REVERSE[id(table)].get(value)
        if name is not None:
            return name
        raise InputError(f"unknown code {value}", source=source,
                         location=f"payload key {key}", code="bad_claim")
    if not 0 < len(value) <= _MAX_TEXT_FIELD or value in table:
        raise InputError("text must be 1 to 200 characters and not a coded value",
                         source=source, location=f"payload key {key}", code="bad_claim")
    return value


def _decoded_decimal(value: int | Decimal, key: int, source: str) -> Decimal:
    number = Decimal(value) if isinstance(value, int) else value
    if not _decimal_in_range(number) or (
        isinstance(value, Decimal) and value.as_tuple().exponent != value.normalize()
        .as_tuple().exponent
    ):
        raise InputError("expected an integer or a normalised decimal fraction of at most "
                         f"{_MAX_DECIMAL_DIGITS} digits", source=source,
                         location=f"payload key {key}", code="bad_claim")
    return number


def _decimal_in_range(number: Decimal) -> bool:
    if not number.is_finite():
        return False
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)
    return -_MAX_DECIMAL_DIGITS <= exponent <= _MAX_DECIMAL_DIGITS and len(
        number.as_tuple().digits) <= _MAX_DECIMAL_DIGITS


def _decoded_time(value: int, key: int, source: str) -> dt.datetime:
    if not 0 <= value < _MAX_TIME:
        raise InputError("time out of range", source=source, location=f"payload key {key}",
                         code="bad_claim")
    return dt.datetime.fromtimestamp(value, dt.UTC)


def _parse_payload(fields: Any, kid: str, source: str) -> CompactClaim:
    if not isinstance(fields, Mapping):
        raise InputError("the payload must be a CBOR map", source=source, code="bad_claim")
    keys = set(fields)
    if not keys <= _KNOWN_KEYS:
        unknown = sorted(str(k) for k in keys - _KNOWN_KEYS)
        raise InputError(f"unknown payload keys {', '.join(unknown)}", source=source,
                         code="bad_claim")
    missing = _REQUIRED_KEYS - keys
    if missing:
        raise InputError(f"missing payload keys {', '.join(map(str, sorted(missing)))}",
                         source=source, code="bad_claim")
    version = _field(fields, KEY_VERSION, int, source)
    if version != CLAIM_FORMAT_VERSION:
        raise InputError(f"claim format version {version} is not supported (expected "
                         f"{CLAIM_FORMAT_VERSION})", source=source, code="bad_claim_version")
    declaration_id = _field(fields, KEY_DECLARATION_ID, bytes, source)
    digest = _field(fields, KEY_DIGEST, bytes, source)
    if len(declaration_id) != 16 or len(digest) != 32:
        raise InputError("the declaration id must be 16 bytes and the digest 32",
                         source=source, code="bad_claim")
    product = _field(fields, KEY_PRODUCT_ID, (int, str), source)
    if isinstance(product, int):
        if not 0 <= product < 10**14:
            raise InputError("a GTIN has at most 14 digits", source=source,
                             location=f"payload key {KEY_PRODUCT_ID}", code="bad_claim")
        product_id = f"urn:gtin:{product:014d}"
    else:
        if not 0 < len(product) <= _MAX_TEXT_FIELD or _GTIN_URN.match(product):
            raise InputError("a product id text must be 1 to 200 characters (a GTIN-14 URN is "
                             "written as an integer)", source=source,
                             location=f"payload key {KEY_PRODUCT_ID}", code="bad_claim")
        product_id = product
    boundary_code = _field(fields, KEY_BOUNDARY, int, source)
    amount = _decoded_decimal(_field(fields, KEY_UNIT_AMOUNT, (int, Decimal), source),
                              KEY_UNIT_AMOUNT, source)
    if amount <= 0:
        raise InputError("the declared unit amount must be positive", source=source,
                         location=f"payload key {KEY_UNIT_AMOUNT}", code="bad_claim")
    grade = fields.get(KEY_GRADE)
    if grade is not None and (not isinstance(grade, str) or not 0 < len(grade) <= 20):
        raise InputError("the grade must be text of 1 to 20 characters", source=source,
                         location=f"payload key {KEY_GRADE}", code="bad_claim")
    return CompactClaim(
        version=version,
        declaration_id=uuid.UUID(bytes=declaration_id),
        digest=digest,
        issuer_kid=kid,
        product_id=product_id,
        product_category=_decoded_text(_field(fields, KEY_PRODUCT_CATEGORY, (int, str),
                                              source), CATEGORY_CODES, KEY_PRODUCT_CATEGORY,
                                       source),
        value=_decoded_decimal(_field(fields, KEY_VALUE, (int, Decimal), source), KEY_VALUE,
                               source),
        unit=_decoded_text(_field(fields, KEY_UNIT, (int, str), source), UNIT_CODES,
                           KEY_UNIT, source),
        unit_amount=amount,
        boundary=_decoded_text(boundary_code, BOUNDARY_CODES, KEY_BOUNDARY, source),
        rule_set=_decoded_text(_field(fields, KEY_RULE_SET, (int, str), source),
                               RULE_SET_CODES, KEY_RULE_SET, source),
        grade=grade,
        valid_until=_decoded_time(_field(fields, KEY_VALID_UNTIL, int, source),
                                  KEY_VALID_UNTIL, source),
        issued_at=_decoded_time(_field(fields, KEY_ISSUED_AT, int, source), KEY_ISSUED_AT,
                                source),
    )


# --------------------------------------------------------------------------- verification


def claim_rows(
    signed: SignedClaim, trust: TrustContext, *, at: dt.datetime,
    include_trust_rows: bool = True, subject: str = "claim",
) -> list[CheckRow]:
    """Rows for a decoded claim: trust list (optional), signer checks, validity."""
    claim = signed.claim
    rows: list[CheckRow] = list(trust.rows) if include_trust_rows else []
    rows += signer_rows(
        trust, kid=claim.issuer_kid, verify=signed.signature_valid,
        product_category=claim.product_category, rule_set=claim.rule_set,
        signed_at=claim.issued_at, at=at, declaration_id=str(claim.declaration_id),
        alg=signed.alg, subject=subject,
    )
    rows.append(validity_row(None, claim.valid_until, at, subject=subject))
    return rows


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
                                          issuer_kid=signed.claim.issuer_kid,
                                          at=signed.claim.issued_at)
    except InputError as exc:
        rows.append(CheckRow("claim-agreement", Status.FAILED, "claim_disagrees",
                             f"the bundle's declaration cannot be compared: {exc}",
                             subject=subject))
        return rows
    different = [name for name in ("declaration_id", "product_id", "product_category",
                                   "value", "unit", "unit_amount", "boundary", "rule_set",
                                   "grade", "valid_until")
                 if getattr(expected, name) != getattr(signed.claim, name)]
    if different:
        rows.append(CheckRow("claim-agreement", Status.FAILED, "claim_disagrees",
                             f"the claim and the declaration differ in {', '.join(different)}",
                             subject=subject))
    else:
        rows.append(CheckRow("claim-agreement", Status.PASSED, "claim_agrees",
                             "the claim agrees with the declaration (id, product, value, unit, "
                             "boundary, rule set, grade, validity)", subject=subject))
    return rows


def verify_claim(
    data: bytes | str, trust: TrustContext, *, at: dt.datetime, source: str = "<text>",
    bundle: Bundle | None = None,
) -> VerificationReport:
    """Verify a claim (its text, or its COSE bytes) at ``at``; never raises for bad input.

    With ``bundle`` the report also says whether claim and bundle are bound and agree (the
    bundle's own rows are :func:`cfl.verify.bundle_rows`' business).
    """
    try:
        signed = (decode_claim_text(data, source=source) if isinstance(data, str)
                  else decode_claim(data, source=source))
    except CflError as exc:
        row = CheckRow("claim", Status.FAILED, exc.code, f"the claim is not well-formed: {exc}",
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
