"""RFC 8785 (JSON Canonicalization Scheme) bytes and digests.

What cfl signs is always the JCS bytes of a JSON value, produced by the ``rfc8785``
package. Declarations carry their numbers as decimal strings (PACT ADR-39), so the
number-serialisation corner of JCS rarely matters, but it is handled correctly anyway.
"""

from __future__ import annotations

import hashlib
import math
from decimal import Decimal
from typing import Any

import rfc8785

from cfl.errors import InputError


def canonical_bytes(value: Any) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of ``value``.

    Decimals (from :func:`cfl.jsonio.loads_strict`) are accepted when an IEEE-754 double
    holds them exactly (JCS serialises numbers as doubles); any other number is refused,
    because canonicalising it would silently change its digits.
    """
    try:
        return rfc8785.dumps(_plain(value))
    except rfc8785.CanonicalizationError as exc:
        raise InputError(f"cannot be canonicalised (RFC 8785): {exc}",
                         code="not_canonicalisable") from None


def sha256_digest(value: Any) -> bytes:
    """SHA-256 of the canonical bytes."""
    return hashlib.sha256(canonical_bytes(value)).digest()


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        # JCS numbers are IEEE-754 doubles; accept a Decimal only if a double holds it exactly.
        if value == value.to_integral_value() and abs(value) <= 2**53 - 1:
            return int(value)
        as_float = float(value)
        if math.isfinite(as_float) and Decimal(repr(as_float)) == value:
            return as_float
        raise InputError(
            f"the number {value} cannot be represented exactly as an IEEE-754 double; "
            "write non-integer quantities as decimal strings",
            code="inexact_number",
        )
    return value
