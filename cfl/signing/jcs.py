"""RFC 8785 (JSON Canonicalization Scheme) bytes and digests.

What cfl signs is always the JCS bytes of a JSON value, produced by the ``rfc8785``
package. Declarations carry their numbers as decimal strings (PACT ADR-39), so the
number-serialisation corner of JCS rarely matters, but it is handled correctly anyway.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from decimal import Decimal
from typing import Any

import rfc8785

from cfl.errors import InputError
from cfl.io.jsonio import loads_strict


def canonical_bytes(value: Any) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of ``value``.

    Decimals (from :func:`cfl.io.jsonio.loads_strict`) are accepted when an IEEE-754 double
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


def parse_canonicalisable(
    data: bytes, *, source: str, max_bytes: int
) -> tuple[Any, bool]:
    """:func:`cfl.io.jsonio.loads_strict` of ``data``, and whether :func:`plain_canonical_bytes`
    is exact for every part of the parsed value.

    The answer is conservative, decided from what the parser saw and from the raw bytes,
    without walking the value: no non-integer number was parsed (no Decimal), no integer
    has 16 digits or more (so all are within ±(2**53 − 1)), and no character lies outside
    the Basic Multilingual Plane, written raw (UTF-8 lead bytes F0–F4) or as an escaped
    surrogate (so keys sort the same by code point and by UTF-16 unit, and no lone
    surrogate exists). A False only means the general :func:`canonical_bytes` must be used.
    """
    try:
        value = loads_strict(data, source=source, max_bytes=max_bytes,
                             parse_float=_refuse_number, parse_int=_safe_integer)
    except _NotPlain:  # a number JCS writes differently: parse again the ordinary way
        return loads_strict(data, source=source, max_bytes=max_bytes), False
    plain = (
        (data.isascii() or not data.translate(None, _BELOW_ASTRAL_LEAD))
        and (b"\\" not in data or _SURROGATE_ESCAPE.search(data) is None)
    )
    return value, plain


class _NotPlain(Exception):
    """Raised from inside the parser to abandon the plain attempt (not a ValueError, so
    the strict reader lets it through instead of reporting it)."""


def _refuse_number(text: str) -> Any:
    raise _NotPlain(text)


def _safe_integer(text: str) -> int:
    if len(text) > 15:  # 16 digits may exceed 2**53 - 1
        raise _NotPlain(text)
    return int(text)


#: Every byte value below F0 (the UTF-8 lead bytes of characters beyond U+FFFF).
_BELOW_ASTRAL_LEAD = bytes(range(0xF0))
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_PLAIN_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, sort_keys=True,
                                  separators=(",", ":"), check_circular=False)


def plain_canonical_bytes(value: Any) -> bytes:
    """RFC 8785 bytes of a value :func:`parse_canonicalisable` called plain (and that has
    not been changed since): the C encoder's output is then exactly JCS, see ADR 0015."""
    return _PLAIN_ENCODER.encode(value).encode("utf-8")


def reference_canonical_bytes(value: Any) -> bytes:
    """The RFC 8785 bytes of ``value`` from the ``rfc8785`` package (the reference)."""
    try:
        return rfc8785.dumps(json_plain(value))
    except rfc8785.CanonicalizationError as exc:
        raise InputError(f"cannot be canonicalised (RFC 8785): {exc}",
                         code="not_canonicalisable") from None


def sha256_digest(value: Any) -> bytes:
    """SHA-256 of the canonical bytes."""
    return hashlib.sha256(canonical_bytes(value)).digest()


def json_plain(value: Any) -> Any:
    """``value`` with every Decimal replaced by the int or float that holds it exactly (as
    JSON numbers are read by everyone else); tuples become lists. A Decimal no IEEE-754
    double holds exactly raises :class:`InputError` instead of silently changing digits."""
    if isinstance(value, dict):
        return {k: json_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_plain(v) for v in value]
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
