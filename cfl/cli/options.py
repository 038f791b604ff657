"""Options and parameter types shared by the cfl commands."""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

from cfl.timeutil import parse_time


def current_time() -> dt.datetime:
    """The clock, read once per command (UTC, whole seconds); tests replace it."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


class TimeParam(click.ParamType):  # type: ignore[type-arg]
    """An RFC 3339 date-time with an explicit offset (``2026-01-01T00:00:00Z``) or ``now``."""

    name = "TIME"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None
                ) -> dt.datetime:
        if isinstance(value, dt.datetime):
            return value
        if value == "now":
            return current_time()
        try:
            return parse_time(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


TIME = TimeParam()

format_option = click.option(
    "--format", "output_format", type=click.Choice(["text", "json"]), default="text",
    show_default=True, help="Output format.",
)

at_option = click.option(
    "--at", "at", type=TIME, default="now",
    help="The time to act at (RFC 3339 with offset, e.g. 2026-01-01T00:00:00Z); "
    "read once, default now.",
)


def output_name(path: object) -> str:
    """How an output is named in a message: ``standard output`` for ``-``."""
    return "standard output" if str(path) == "-" else str(path)
