"""Time handling: RFC 3339 parsing and formatting, always timezone-aware."""

from __future__ import annotations

import datetime as dt
import re

_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?"
    r"([Zz]|[+-]\d{2}:\d{2})$"
)


def parse_time(text: str) -> dt.datetime:
    """Parse an RFC 3339 date-time; a missing offset is an error (no silent local time)."""
    match = _RFC3339.fullmatch(text)
    if match is None:
        raise ValueError(
            f"{text!r} is not an RFC 3339 date-time with an offset "
            "(expected e.g. 2026-01-31T00:00:00Z or 2026-01-31T08:00:00+08:00)"
        )
    frac = match.group(7) or ""
    normalised = text[: match.start(7)] if frac else text[: match.start(8)]
    offset = match.group(8)
    offset = "+00:00" if offset in ("Z", "z") else offset
    micro = (frac[1:] + "000000")[:6] if frac else ""
    stamp = normalised.replace("t", "T") + (f".{micro}" if micro else "") + offset
    try:
        value = dt.datetime.fromisoformat(stamp)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a valid date-time ({exc})") from None
    return value


def format_time(value: dt.datetime) -> str:
    """UTC, seconds precision, ``Z`` suffix — the form cfl writes everywhere."""
    if value.tzinfo is None:
        raise ValueError("naive datetime; cfl only handles timezone-aware times")
    return value.astimezone(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
