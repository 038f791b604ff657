from __future__ import annotations

import datetime as dt

import pytest

from cfl.timeutil import format_time, parse_time


def test_parse_with_offsets_and_fraction() -> None:
    value = parse_time("2026-01-01T08:00:00.25+08:00")
    assert value == dt.datetime(2026, 1, 1, 0, 0, 0, 250000, tzinfo=dt.UTC)
    assert format_time(value) == "2026-01-01T00:00:00Z"


@pytest.mark.parametrize(
    "text", ["2026-01-01", "2026-01-01T00:00:00", "2026-02-30T00:00:00Z", "yesterday",
             "2026-01-01T00:00:00+8:00"],
)
def test_rejects_missing_offset_and_impossible_dates(text: str) -> None:
    with pytest.raises(ValueError):
        parse_time(text)


@pytest.mark.parametrize("text", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+01:00"])
def test_rejects_an_offset_that_carries_the_instant_out_of_the_calendar(text: str) -> None:
    """Such a time parses as a local time but has no UTC instant: every comparison or
    formatting would raise later, on data a forger controls."""
    with pytest.raises(ValueError, match="not a valid date-time"):
        parse_time(text)
    assert parse_time(text[:19] + "Z").year in (1, 9999)


def test_format_refuses_naive() -> None:
    with pytest.raises(ValueError):
        format_time(dt.datetime(2026, 1, 1))


# The fast paths (the usual "YYYY-MM-DDTHH:MM:SSZ" form; isoformat for years from 1000)
# give exactly what the general code gives.

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from cfl import timeutil  # noqa: E402


def _general(text: str) -> dt.datetime | str:
    try:
        return dt.datetime.fromisoformat(timeutil._general_stamp(text))
    except ValueError as exc:
        return type(exc).__name__


def _parsed(text: str) -> dt.datetime | str:
    try:
        return parse_time(text)
    except ValueError as exc:
        return type(exc).__name__


@settings(max_examples=50)
@given(st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}[Zz]\Z")
       | st.from_regex(r"\A\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)\Z"))
def test_parse_fast_path_equals_general_path(text: str) -> None:
    assert _parsed(text) == _general(text)
    if isinstance(_parsed(text), dt.datetime):
        assert _parsed(text).utcoffset() == _general(text).utcoffset()  # type: ignore[union-attr]


@settings(max_examples=50)
@given(st.datetimes(timezones=st.timezones()))
def test_format_fast_path_equals_strftime(value: dt.datetime) -> None:
    """Equal to strftime's form, with the year always in four digits (glibc's %Y writes
    year 999 as "999", which is not RFC 3339), and parsed back to the same instant."""
    try:
        utc = value.astimezone(dt.UTC).replace(microsecond=0)
    except OverflowError:
        return
    expected = f"{utc.year:04d}" + utc.strftime("-%m-%dT%H:%M:%SZ")
    assert format_time(value) == expected
    assert parse_time(format_time(value)) == utc


def test_add_years_leap_day() -> None:
    from cfl.timeutil import add_years

    shifted = add_years(dt.datetime(2024, 2, 29, tzinfo=dt.UTC), 3)
    assert shifted is not None and shifted.day == 28


def test_add_years_past_the_calendar_is_none_not_an_error() -> None:
    from cfl.timeutil import add_years

    assert add_years(dt.datetime(9998, 1, 1, tzinfo=dt.UTC), 3) is None
    assert add_years(dt.datetime(9997, 6, 1, tzinfo=dt.UTC), 1) == dt.datetime(
        9998, 6, 1, tzinfo=dt.UTC)


def test_parse_time_or_none() -> None:
    from cfl.timeutil import parse_time_or_none

    assert parse_time_or_none("2026-01-01T00:00:00Z") == dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for value in (None, 3, "2026-01-01", "soon"):
        assert parse_time_or_none(value) is None
