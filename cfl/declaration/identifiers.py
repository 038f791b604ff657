"""Identifier checks: GTIN and USCC check digits, ISO 3166 country codes.

* GTIN (GS1 General Specifications, section 7.9): GTIN-8/12/13/14, mod-10 check digit with
  weights 3 and 1 alternating from the right. In PACT documents a GTIN appears as a
  ``urn:gtin:<digits>`` product id.
* USCC, China's Unified Social Credit Code (GB 32100-2015): 18 characters from the 31-character
  set ``0-9 A-H J-N P-R T U W-Y`` (no I, O, S, V, Z); the last one is a mod-31 check character
  with weights ``3**i mod 31``. It appears as a ``urn:uscc:<code>`` company id.
* ISO 3166-1 alpha-2 country codes, shipped as data in ``schemas/iso3166.json`` (from the tz
  database's public-domain ``iso3166.tab``; the file names its source and date).

Each check returns ``None`` when the identifier is fine and a human sentence saying what is
wrong otherwise, so callers can turn it into a finding at the right JSON path.
"""

from __future__ import annotations

import functools
import re

from cfl.io.jsonio import loads_strict
from cfl.io.resources import read_data_bytes

GTIN_URN_PREFIX = "urn:gtin:"
USCC_URN_PREFIX = "urn:uscc:"

_GTIN_LENGTHS = (8, 12, 13, 14)
_USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
#: Each USCC character (byte) → the base-34 digit of its value (its index in the set).
_USCC_AS_BASE34 = bytes.maketrans(_USCC_CHARSET.encode("ascii"),
                                  b"0123456789ABCDEFGHIJKLMNOPQRSTU")
_SUBDIVISION = re.compile(r"([A-Z]{2})-[A-Z0-9]{1,3}")


def gtin_check_digit(body: str) -> int:
    """The GS1 mod-10 check digit for ``body`` (all digits but the last)."""
    total = sum(int(ch) * (3 if i % 2 == 0 else 1) for i, ch in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def gtin_check_digit_valid(gtin: str) -> bool:
    """Whether the last of ``gtin``'s decimal digits is the GS1 check digit of the others:
    the weighted sum of all its digits (weight 1 for the check digit, then 3, 1, …
    leftwards) is 0 mod 10. ``gtin`` holds ASCII digits only."""
    data = gtin.encode("ascii")
    single, tripled = data[-1::-2], data[-2::-2]  # byte value less 48 is the digit
    return (3 * (sum(tripled) - 48 * len(tripled)) + sum(single) - 48 * len(single)) % 10 == 0


def gtin_problem(gtin: str) -> str | None:
    """Why ``gtin`` is not a valid GTIN-8/12/13/14, or ``None`` if it is."""
    if not gtin.isascii() or not gtin.isdigit():
        return f"GTIN {gtin!r} must consist of digits only"
    if len(gtin) not in _GTIN_LENGTHS:
        return f"GTIN {gtin!r} has {len(gtin)} digits; expected 8, 12, 13 or 14"
    if gtin_check_digit_valid(gtin):
        return None
    expected = gtin_check_digit(gtin[:-1])
    if int(gtin[-1]) != expected:
        return f"GTIN {gtin!r} has check digit {gtin[-1]}; the GS1 check digit is {expected}"
    return None


def uscc_check_character(body: str) -> str:
    """The GB 32100-2015 check character for the first 17 characters of a USCC (each from
    the code's character set; ValueError otherwise).

    The standard's sum Σ value(ch_i)·3^i mod 31 is the body reversed, read as a base-34
    number whose digits are the characters' values, mod 31 (34 ≡ 3 mod 31): int() sums it.
    """
    if len(body) != 17 or body.strip(_USCC_CHARSET):
        raise ValueError(f"a USCC body is 17 characters of {_USCC_CHARSET}")
    total = int(body.encode("ascii").translate(_USCC_AS_BASE34)[::-1], 34)
    return _USCC_CHARSET[(31 - total % 31) % 31]


def uscc_problem(code: str) -> str | None:
    """Why ``code`` is not a valid Unified Social Credit Code, or ``None`` if it is."""
    if len(code) != 18:
        return f"USCC {code!r} has {len(code)} characters; expected 18 (GB 32100-2015)"
    if code.strip(_USCC_CHARSET):  # not every character is in the set
        bad = sorted({ch for ch in code if ch not in _USCC_CHARSET})
        return (f"USCC {code!r} contains {', '.join(repr(ch) for ch in bad)}; allowed are "
                "digits and upper-case letters except I, O, S, V, Z (GB 32100-2015)")
    expected = uscc_check_character(code[:17])
    if code[17] != expected:
        return (f"USCC {code!r} has check character {code[17]}; the GB 32100-2015 check "
                f"character is {expected}")
    return None


@functools.cache
def country_codes() -> dict[str, str]:
    """ISO 3166-1 alpha-2 code → English name (shipped data, read once)."""
    raw = loads_strict(read_data_bytes("schemas", "iso3166.json"), source="schemas/iso3166.json")
    codes = raw["codes"]
    assert isinstance(codes, dict)
    return {str(k): str(v) for k, v in codes.items()}


def country_problem(code: str) -> str | None:
    """Why ``code`` is not an assigned ISO 3166-1 alpha-2 code, or ``None`` if it is."""
    if code in country_codes():
        return None
    return f"{code!r} is not an ISO 3166-1 alpha-2 country code"


def subdivision_problem(code: str) -> str | None:
    """Check the country part of an ISO 3166-2 subdivision code such as ``CN-GD``."""
    match = _SUBDIVISION.fullmatch(code)
    if match is None:
        return f"{code!r} is not an ISO 3166-2 subdivision code such as 'CN-GD'"
    if match.group(1) not in country_codes():
        return (f"{code!r}: {match.group(1)!r} is not an ISO 3166-1 alpha-2 country code")
    return None
