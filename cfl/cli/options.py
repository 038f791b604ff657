"""Options and parameter types shared by the cfl commands."""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

from cfl.claim.text import check_resolver
from cfl.errors import InputError
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


def _check_resolver(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """A resolver that is not an uppercase QR-alphanumeric URL ending in '/' is a usage
    mistake (exit 2), caught before any file is read or passphrase asked for."""
    try:
        return check_resolver(value)
    except InputError as exc:
        raise click.BadParameter(exc.message) from None


#: ``--resolver`` of `cfl claim` and `cfl label` (the default is the documented placeholder).
resolver_option = click.option(
    "--resolver", default="HTTPS://CFL.EXAMPLE/V/", show_default=True,
    callback=_check_resolver,
    help="Uppercase resolver URL ending in '/' (QR alphanumeric characters only).",
)


def output_name(path: object) -> str:
    """How an output is named in a message: ``standard output`` for ``-``."""
    return "standard output" if str(path) == "-" else str(path)
