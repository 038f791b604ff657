"""The compact claim's statements, code tables and COSE_Sign1 structures.

A claim states, in about 190 bytes, what a customs officer or a handheld scanner needs to
know offline: which declaration (id and SHA-256 of its JCS bytes), who vouches for it (an
8-byte hint of the certifier's key id, in the protected header: the signature decides), the
product, its PCF value and declared unit, boundary, product category, rule set, grade and
validity (start and end). It is a tagged COSE_Sign1 (RFC 9052, tag 18) signed with the
certifier's :class:`~cfl.signing.keys.Signer` when the certifier signs the bundle (ADR 0025).
The byte layout is specified in ``docs/claim-format.md``; the code tables and limits here are
also handed to the offline verification page when it is built.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from decimal import Decimal

from cfl.claim.text import DEFAULT_RESOLVER, claim_to_text
from cfl.errors import InputError
from cfl.signing.b64url import b64url_decode
from cfl.signing.keys import PublicKey

#: Version of the claim payload layout (payload key 1).
CLAIM_FORMAT_VERSION = 1
#: COSE_Sign1 CBOR tag (RFC 9052 §2). Every claim is tagged; its first byte is always 0xD2.
COSE_SIGN1_TAG = 18
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
REQUIRED_KEYS = frozenset(
    {KEY_VERSION, KEY_DECLARATION_ID, KEY_DIGEST, KEY_PRODUCT_ID, KEY_PRODUCT_CATEGORY,
     KEY_VALUE, KEY_UNIT, KEY_UNIT_AMOUNT, KEY_BOUNDARY, KEY_RULE_SET, KEY_VALID_UNTIL,
     KEY_ISSUED_AT, KEY_VALID_FROM}
)
KNOWN_KEYS = REQUIRED_KEYS | {KEY_GRADE}

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

NAMES_BY_CODE: dict[int, dict[int, str]] = {
    id(table): {code: name for name, code in table.items()}
    for table in (UNIT_CODES, BOUNDARY_CODES, CATEGORY_CODES, RULE_SET_CODES)
}
GTIN_URN = re.compile(r"^urn:gtin:([0-9]{14})$")
MAX_TIME = 2**40
MAX_TEXT_FIELD = 200
MAX_DECIMAL_DIGITS = 24



def decimal_in_range(number: Decimal) -> bool:
    if not number.is_finite():
        return False
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)
    return -MAX_DECIMAL_DIGITS <= exponent <= MAX_DECIMAL_DIGITS and len(
        number.as_tuple().digits) <= MAX_DECIMAL_DIGITS


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


# --------------------------------------------------------------------------- COSE structures


_SIG_STRUCTURE_HEAD = b"\x84\x6aSignature1"


def sig_structure(protected: bytes, payload: bytes) -> bytes:
    """RFC 9052 §4.4: ["Signature1", body_protected, external_aad = h'', payload], in its
    one deterministic CBOR encoding (array of 4, text "Signature1", three byte strings)."""
    return b"".join((_SIG_STRUCTURE_HEAD, bstr_head(len(protected)), protected, b"\x40",
                     bstr_head(len(payload)), payload))


def bstr_head(length: int) -> bytes:
    """Shortest CBOR byte-string head (major type 2) for ``length`` < 65536."""
    if length < 24:
        return bytes([0x40 + length])
    if length < 256:
        return bytes([0x58, length])
    return bytes([0x59]) + length.to_bytes(2, "big")


def sign1_bytes(protected: bytes, payload: bytes, signature: bytes) -> bytes:
    """The deterministic encoding of a tagged COSE_Sign1 with an empty unprotected map."""
    return b"".join((b"\xd2\x84", bstr_head(len(protected)), protected, b"\xa0",
                     bstr_head(len(payload)), payload, bstr_head(len(signature)),
                     signature))


def protected_bytes(alg: int, kid: bytes) -> bytes:
    """The deterministic encoding of ``{1: alg, 4: kid}`` (alg -8 or -7, kid 8 bytes)."""
    return b"\xa2\x01" + bytes([0x20 + (-1 - alg)]) + b"\x04" + bstr_head(len(kid)) + kid
