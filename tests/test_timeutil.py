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


def test_format_refuses_naive() -> None:
    with pytest.raises(ValueError):
        format_time(dt.datetime(2026, 1, 1))
