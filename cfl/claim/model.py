"""The compact claim's statements, code tables and COSE_Sign1 structures.

A claim states what a customs officer or a handheld scanner needs to know offline: which
declaration, who vouches for it (a hint of the certifier's key id, in the protected header:
the signature decides), the product, its PCF value and declared unit, boundary, product
category, rule set, grade and validity (start and end). It is a tagged COSE_Sign1 (RFC 9052,
tag 18) signed with the certifier's :class:`~cfl.signing.keys.Signer` when the certifier
signs the bundle (ADR 0025). Two formats: format 1 (about 190 bytes; a payload map naming
the declaration by id and SHA-256, an 8-byte hint, -8/-7) and format 2 (about 130 bytes,
ADR 0142; a positional array with a 16-byte binding to the certifier's JWS signature, day
dates, a status index, a 4-byte hint, -19/-9). The byte layouts are specified in
``docs/claim-format.md``; the code tables and limits here are also handed to the offline
verification page when it is built.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import uuid
from dataclasses import dataclass
from decimal import Decimal

from cfl.claim.text import DEFAULT_RESOLVER, claim_to_text
from cfl.errors import InputError
from cfl.signing.b64url import b64url_decode
from cfl.signing.keys import PublicKey

#: Version of the claim payload layout (payload key 1) of format 1 (a CBOR map).
CLAIM_FORMAT_VERSION = 1
#: Version of format 2 (a positional CBOR array, item 0; ADR 0142).
CLAIM_FORMAT_2 = 2
#: COSE_Sign1 CBOR tag (RFC 9052 §2). Every claim is tagged; its first byte is always 0xD2.
COSE_SIGN1_TAG = 18
#: Length of the issuer kid hint: the first bytes of the RFC 7638 thumbprint (ADR 0026).
KID_HINT_BYTES = 8
#: Format 2's shorter kid hint (ADR 0142): the signature decides, the trust list's hint
#: index bounds the candidates (ADR 0141).
KID_HINT_BYTES_2 = 4

#: COSE algorithm identifiers (RFC 9053) of format 1, by key algorithm (JOSE name).
COSE_ALG_BY_NAME = {"EdDSA": -8, "ES256": -7}
NAME_BY_COSE_ALG = {value: name for name, value in COSE_ALG_BY_NAME.items()}
#: Format 2's fully-specified COSE algorithms (RFC 9864: -19 Ed25519, -9 ESP256), by key
#: algorithm.
COSE_ALG_2_BY_NAME = {"EdDSA": -19, "ES256": -9}
NAME_BY_COSE_ALG_2 = {value: name for name, value in COSE_ALG_2_BY_NAME.items()}
#: The COSE name of each algorithm a claim may carry (for messages and reports).
COSE_ALG_NAMES = {-8: "EdDSA", -7: "ES256", -19: "Ed25519", -9: "ESP256"}
#: The claim format each COSE algorithm belongs to (a claim of one format under another
#: format's algorithm is refused).
FORMAT_BY_COSE_ALG = {-8: 1, -7: 1, -19: 2, -9: 2}
#: The kid hint length of each format.
KID_HINT_BYTES_BY_FORMAT = {1: KID_HINT_BYTES, 2: KID_HINT_BYTES_2}

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
#: Format 2's product categories: format 1's, and those coded since. Format 1's table never
#: grows, since a format-1 claim already issued may carry a later category as text, which a
#: larger table would refuse (a coded value must be written as its code).
CATEGORY_CODES_2: dict[str, int] = {**CATEGORY_CODES, "compute-service": 8}

NAMES_BY_CODE: dict[int, dict[int, str]] = {
    id(table): {code: name for name, code in table.items()}
    for table in (UNIT_CODES, BOUNDARY_CODES, CATEGORY_CODES, RULE_SET_CODES,
                  CATEGORY_CODES_2)
}
GTIN_URN = re.compile(r"^urn:gtin:([0-9]{14})$")
MAX_TIME = 2**40
MAX_TEXT_FIELD = 200
MAX_DECIMAL_DIGITS = 24
MAX_GRADE_CHARS = 20

# Format 2 (docs/claim-format.md §7, ADR 0142): a positional array of FORMAT_2_ITEMS items.
FORMAT_2_ITEMS = 14
#: Day 0 of format 2's dates: whole days since 00:00 UTC of this day.
DAY_EPOCH = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
#: Bounds checked at decode before any date arithmetic: the issue day, the validity offsets
#: from it (absolute value), and the status index.
MAX_ISSUED_DAY = 2**20
MAX_DAY_OFFSET = 2**16
MAX_STATUS_INDEX = 2**27
#: Every day a format-2 claim names lies in years 2020..9999 (its last day's midnight).
LAST_DAY = (dt.datetime(9999, 12, 31, tzinfo=dt.UTC) - DAY_EPOCH).days
#: The 16-byte binding: SHA-256(BINDING_CONTEXT || SHA-256(JCS(declaration)) || signature).
BINDING_BYTES = 16
BINDING_CONTEXT = b"cfl-claim-2"
#: A GTIN-14 written as a 48-bit big-endian integer.
GTIN_BYTES = 6
#: Product ids of GTIN-8/12/13/14 (``urn:gtin:`` and the digits) format 2 writes as bytes.
GTIN_ANY_URN = re.compile(r"^urn:gtin:([0-9]{8}|[0-9]{12,14})$")


def binding_digest(declaration_digest: bytes, signature: bytes) -> bytes:
    """Format 2's binding: the first :data:`BINDING_BYTES` bytes of SHA-256 over
    :data:`BINDING_CONTEXT`, the declaration's JCS SHA-256 and the certifier's raw JWS
    signature bytes (ADR 0142: nobody without the certifier's key can search for a
    collision)."""
    return hashlib.sha256(BINDING_CONTEXT + declaration_digest + signature).digest()[
        :BINDING_BYTES]


def day_number(moment: dt.datetime) -> int:
    """Whole days from :data:`DAY_EPOCH` to ``moment`` (floor)."""
    return (moment - DAY_EPOCH) // dt.timedelta(days=1)


@functools.lru_cache(maxsize=4096)
def day_start(day: int) -> dt.datetime:
    """00:00 UTC of day ``day`` after :data:`DAY_EPOCH` (cached: a verifier sees few
    distinct days, and a datetime is immutable)."""
    return DAY_EPOCH + dt.timedelta(days=day)


def round_up_to_day(moment: dt.datetime) -> dt.datetime:
    """``moment`` rounded up to the next 00:00 UTC (unchanged at exactly midnight)."""
    day = day_number(moment)
    start = day_start(day)
    return start if start == moment else day_start(day + 1)


def round_down_to_day(moment: dt.datetime) -> dt.datetime:
    """``moment`` rounded down to 00:00 UTC of its day."""
    return day_start(day_number(moment))


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

    #: The PACT id; None in format 2 (the claim names its declaration by ``digest``).
    declaration_id: uuid.UUID | None
    #: Format 1: the SHA-256 of the declaration's JCS bytes; format 2: the 16-byte binding
    #: (:func:`binding_digest`).
    digest: bytes
    #: The first :data:`KID_HINT_BYTES` (format 2: :data:`KID_HINT_BYTES_2`) bytes of the
    #: certifier's RFC 7638 thumbprint.
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
    #: ``pcf.referencePeriodEnd`` when absent): a claim is not valid before it. Format 2
    #: holds whole days: this rounded up, ``valid_until`` rounded down and ``issued_at``
    #: the signing day, each at 00:00 UTC.
    valid_from: dt.datetime
    version: int = CLAIM_FORMAT_VERSION
    #: Format 2: the declaration's index in its certifier's status list (ADR 0142); format-1
    #: claims carry none (they are revoked by declaration id).
    status_index: int | None = None

    def names_issuer(self, kid: str) -> bool:
        """True if ``kid`` (a base64url thumbprint) starts with this claim's kid hint."""
        return kid_hint(kid, KID_HINT_BYTES_BY_FORMAT.get(self.version, KID_HINT_BYTES)) \
            == self.issuer_kid_hint


def kid_hint(kid: str, length: int = KID_HINT_BYTES) -> bytes:
    """The claim's kid hint for a base64url RFC 7638 thumbprint (its first ``length``
    bytes: 8 for format 1, 4 for format 2)."""
    try:
        return b64url_decode(kid, what="kid")[:length]
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

    @property
    def cose_alg(self) -> int:
        """The COSE algorithm identifier of the protected header (-8/-7 format 1,
        -19/-9 format 2)."""
        table = COSE_ALG_2_BY_NAME if self.claim.version == CLAIM_FORMAT_2 else \
            COSE_ALG_BY_NAME
        return table[self.alg]


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
    """The deterministic encoding of ``{1: alg, 4: kid}`` (alg -8/-7 with an 8-byte kid,
    or -19/-9 with a 4-byte kid: every alg is a one-byte negative integer)."""
    return b"\xa2\x01" + bytes([0x20 + (-1 - alg)]) + b"\x04" + bstr_head(len(kid)) + kid
