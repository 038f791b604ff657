"""Time handling: RFC 3339 parsing and formatting, always timezone-aware."""

from __future__ import annotations

import datetime as dt
import re

_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?"
    r"([Zz]|[+-]\d{2}:\d{2})$"
)
#: ``YYYY-MM-DDTHH:MM:SSZ`` in ASCII digits, the form cfl writes (a subset of ``_RFC3339``).
_UTC_SECONDS = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")


def parse_time(text: str) -> dt.datetime:
    """Parse an RFC 3339 date-time; a missing offset is an error (no silent local time)."""
    if _UTC_SECONDS.fullmatch(text) is not None:  # the usual form; the general path below
        stamp = text[:19] + "+00:00"               # builds exactly this stamp for it
    else:
        stamp = _general_stamp(text)
    try:
        value = dt.datetime.fromisoformat(stamp)
        if stamp[-6:] != "+00:00":  # an offset may carry the instant out of the calendar
            value.astimezone(dt.UTC)
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"{text!r} is not a valid date-time ({exc})") from None
    return value


def _general_stamp(text: str) -> str:
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
    return normalised.replace("t", "T") + (f".{micro}" if micro else "") + offset


def format_time(value: dt.datetime) -> str:
    """UTC, seconds precision, ``Z`` suffix — the form cfl writes everywhere."""
    if value.tzinfo is None:
        raise ValueError("naive datetime; cfl only handles timezone-aware times")
    utc = value.astimezone(dt.UTC)
    if utc.year >= 1000:  # isoformat is ~2x faster; below, the year needs its four digits
        return utc.isoformat(timespec="seconds")[:-6] + "Z"
    return (f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:{utc.minute:02d}:"
            f"{utc.second:02d}Z")


#: The last instant cfl computes with (whole seconds, a day below ``datetime.max`` so any UTC
#: offset still fits).
END_OF_CALENDAR = dt.datetime(9999, 12, 30, 23, 59, 59, tzinfo=dt.UTC)
#: The first instant cfl computes with (a day above ``datetime.min``, for the same reason).
START_OF_CALENDAR = dt.datetime(1, 1, 2, tzinfo=dt.UTC)


def is_rfc3339(value: object) -> bool:
    """True for an RFC 3339 date-time with an offset naming a real date and time of day (its
    instant may still lie outside the calendar: :func:`is_calendar_time`)."""
    if not isinstance(value, str) or _RFC3339.fullmatch(value) is None:
        return False
    try:
        dt.datetime.fromisoformat(_general_stamp(value))
    except ValueError:
        return False
    return True


def is_calendar_time(value: object) -> bool:
    """True for an RFC 3339 date-time with an offset whose instant lies within
    [:data:`START_OF_CALENDAR`, :data:`END_OF_CALENDAR`]: every time a document may state,
    so that adding a validity period or an offset to it never leaves the calendar."""
    moment = parse_time_or_none(value)
    return moment is not None and START_OF_CALENDAR <= moment <= END_OF_CALENDAR


def parse_time_or_none(value: object) -> dt.datetime | None:
    """``parse_time`` for a value that may be missing or malformed: None instead of an error
    (for code that reports such values as findings or rows of its own)."""
    if not isinstance(value, str):
        return None
    try:
        return parse_time(value)
    except ValueError:
        return None


def add_years(moment: dt.datetime, years: int) -> dt.datetime | None:
    """``moment`` plus whole calendar years (29 February becomes 28 February), or None when
    the result would leave the calendar (a year's margin below 9999 so any offset fits).

    Every "N years after" in cfl (PACT's default validity, claim validity, rule-set ages)
    goes through here, so a far-future date is a value the caller handles, never a crash."""
    if moment.year + years > dt.MAXYEAR - 1:
        return None
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


#: Clock skew tolerated for "issued" and "signed" times slightly after the verification time.
CLOCK_SKEW = dt.timedelta(minutes=5)


def describe_age(then: dt.datetime, now: dt.datetime) -> str:
    """A short human age: ``3 days``, ``5 hours``, ``12 minutes``."""
    seconds = abs(int((now - then).total_seconds()))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"
