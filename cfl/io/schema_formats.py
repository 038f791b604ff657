"""The JSON Schema format checker cfl validates every document with.

jsonschema's own checker, except ``date-time``: an RFC 3339 time must also lie within the
calendar cfl computes with (:func:`cfl.timeutil.is_calendar_time`). A time such as
``9999-12-31T23:59:59-23:59`` is a valid RFC 3339 string whose instant is past the end of
Python's calendar; taking it would crash every later step that adds a period or an offset.
"""

from __future__ import annotations

import functools
from typing import Any

from cfl.timeutil import is_calendar_time


@functools.cache
def format_checker() -> Any:
    """A ``jsonschema.FormatChecker`` (built once; jsonschema is imported on first use)."""
    import jsonschema  # type: ignore[import-untyped,unused-ignore]  # slow: on first use only

    base = jsonschema.Draft202012Validator.FORMAT_CHECKER
    checker = jsonschema.FormatChecker()
    checker.checkers = dict(base.checkers)
    original, raises = base.checkers["date-time"]

    def date_time(value: object) -> bool:
        if not isinstance(value, str):
            return True  # formats apply to strings only
        return bool(original(value)) and is_calendar_time(value)

    checker.checkers["date-time"] = (date_time, raises)
    return checker
