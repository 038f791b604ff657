"""RFC 8785 (JSON Canonicalization Scheme) bytes and digests.

What cfl signs is always the JCS bytes of a JSON value, produced by the ``rfc8785``
package. Declarations carry their numbers as decimal strings (PACT ADR-39), so the
number-serialisation corner of JCS rarely matters, but it is handled correctly anyway.
"""

from __future__ import annotations

import hashlib
import json
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

    Fast path: a value made only of objects with string keys inside the Basic Multilingual
    Plane, arrays, strings, booleans, null and integers within ±(2**53 − 1) (integral
    Decimals included) is written with the standard library's C JSON encoder, whose output
    is then byte-identical to JCS (same escapes, code-point key order equals UTF-16 order
    for BMP keys, integers printed the same). Anything else goes through ``rfc8785``.
    ``tests/test_canonical_fast_path.py`` checks the two agree.
    """
    try:
        fast = _fast_plain(value)
    except _NeedsReference:
        pass
    else:
        try:
            return _FAST_ENCODER.encode(fast).encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: let rfc8785 decide
            pass
    return reference_canonical_bytes(value)


_MAX_SAFE_INTEGER = 2**53 - 1
_FAST_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, sort_keys=True,
                                 separators=(",", ":"))


class _NeedsReference(Exception):
    """The value holds something only the reference implementation writes correctly."""


def _fast_plain(value: Any) -> Any:
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return value
    if kind is dict:
        out = {}
        for key, item in value.items():
            if type(key) is not str or (not key.isascii() and max(key) > "\uffff"):
                raise _NeedsReference
            out[key] = _fast_plain(item)
        return out
    if kind is list:
        return [_fast_plain(item) for item in value]
    if kind is int:
        if -_MAX_SAFE_INTEGER <= value <= _MAX_SAFE_INTEGER:
            return value
        raise _NeedsReference
    if kind is Decimal and value.is_finite() and value == value.to_integral_value() \
            and abs(value) <= _MAX_SAFE_INTEGER:
        return int(value)
    raise _NeedsReference


def reference_canonical_bytes(value: Any) -> bytes:
    """The RFC 8785 bytes of ``value`` from the ``rfc8785`` package (the reference)."""
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
