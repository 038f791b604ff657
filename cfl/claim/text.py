"""The claim's text form: an uppercase resolver URL, then the signed bytes as one decimal
number, so that a QR code holds it in one alphanumeric and one numeric segment
(``docs/claim-format.md`` §3). The lowest module of the claim package: no CBOR here.
"""

from __future__ import annotations

import math
import re

from cfl.errors import InputError

#: The documented placeholder resolver; deployments pass their own with ``--resolver``.
DEFAULT_RESOLVER = "HTTPS://CFL.EXAMPLE/V/"
#: Bounds checked before parsing.
MAX_CLAIM_BYTES = 512
MAX_CLAIM_DIGITS = math.ceil(MAX_CLAIM_BYTES * math.log10(256))
MAX_RESOLVER_CHARS = 120
MAX_TEXT_CHARS = MAX_RESOLVER_CHARS + MAX_CLAIM_DIGITS
#: QR alphanumeric characters allowed in a resolver URL; it must end with "/".
RESOLVER_PATTERN = re.compile(r"^[A-Z][A-Z0-9+.-]*://[A-Z0-9$%*+./:-]*/$")


def check_resolver(resolver: str) -> str:
    """``resolver`` if it is an uppercase URL in the QR alphanumeric set ending in "/"."""
    if len(resolver) > MAX_RESOLVER_CHARS or not RESOLVER_PATTERN.match(resolver):
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
    if len(encoded) > MAX_CLAIM_BYTES:  # before the number is written (and its digit limit)
        raise InputError(f"the claim is {len(encoded)} bytes; at most {MAX_CLAIM_BYTES} are "
                         "accepted", code="claim_too_large")
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
