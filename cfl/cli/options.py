"""Options and parameter types shared by the cfl commands."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click
from click.core import ParameterSource

from cfl.claim.text import DEFAULT_RESOLVER, check_resolver
from cfl.cli.ui import ui
from cfl.errors import InputError
from cfl.io.jsonio import decode_utf8, loads_strict, read_bytes
from cfl.signing.keys import PublicKey, load_public_key
from cfl.timeutil import parse_time
from cfl.trust.resolvers import parse_resolver


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

def _remember_format(ctx: click.Context, param: click.Parameter, value: str) -> str:
    ui(ctx).output_format = value
    return value


format_option = click.option(
    "--format", "output_format", type=click.Choice(["text", "json"]), default="text",
    show_default=True, callback=_remember_format,
    help="Output format: text for people, json for programs (each JSON document names its "
    "schema in a \"format\" member; see docs/cli-conventions.md).",
)

at_option = click.option(
    "--at", "at", type=TIME, default="now",
    help="The time to act at (RFC 3339 with offset, e.g. 2026-01-01T00:00:00Z); "
    "read once, default now.",
)


def _check_resolver(ctx: click.Context, param: click.Parameter, value: str | None
                    ) -> str | None:
    """A resolver that is not an uppercase QR-alphanumeric URL ending in '/' is a usage
    mistake (exit 2), caught before any file is read or passphrase asked for."""
    if value is None:
        return None
    try:
        return check_resolver(value)
    except InputError as exc:
        origin = " (from cfl.toml)" if ctx.get_parameter_source(
            str(param.name)) is ParameterSource.DEFAULT_MAP else ""
        raise click.BadParameter(exc.message + origin) from None


#: ``--resolver`` of `cfl claim` and `cfl label`: None when neither the option nor cfl.toml
#: gives one (see :func:`effective_resolver`).
resolver_option = click.option(
    "--resolver", default=None, callback=_check_resolver,
    help="Uppercase resolver URL ending in '/' (QR alphanumeric characters only) that the "
    "QR code carries (cfl.toml: resolver; default: the trust list's, else the placeholder "
    f"{DEFAULT_RESOLVER}, which is warned about).",
)

PLACEHOLDER_WARNING = (
    f"the QR codes carry the placeholder resolver {DEFAULT_RESOLVER}: a phone that scans "
    "them opens a page that does not exist. Give the scheme's resolver with --resolver URL, "
    "resolver = \"…\" in cfl.toml, or a trust list that names one (cfl trust init "
    "--resolver URL) with --trust and --anchor")


def effective_resolver(resolver: str | None, from_trust_list: str | None, *,
                       warn: bool = True) -> str:
    """The resolver a QR code gets: the option (or cfl.toml), else the trust list's, else
    the placeholder, which is warned about loudly (so is the placeholder given on purpose)
    unless ``warn`` is false."""
    chosen = resolver or from_trust_list or DEFAULT_RESOLVER
    if chosen == DEFAULT_RESOLVER and warn:
        ui().warn(PLACEHOLDER_WARNING, loud=True)
    return chosen


def output_name(path: object) -> str:
    """How an output is named in a message: ``standard output`` for ``-``."""
    return "standard output" if str(path) == "-" else str(path)


# --------------------------------------------------------------------------- renamed options


class CflCommand(click.Command):
    """A command whose renamed options keep their old names as hidden aliases that still
    work and say, on standard error, which name to use instead (one name per concept).

    ``deprecated_options`` maps an old option name to the new one, or to ``""`` when the
    values are now given as arguments (``--id X`` → ``X``)."""

    def __init__(self, *args: Any, deprecated_options: Mapping[str, str] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deprecated_options = dict(deprecated_options or {})

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, self._renamed(ctx, args))

    def _renamed(self, ctx: click.Context, args: list[str]) -> list[str]:
        out: list[str] = []
        warned: set[str] = set()
        for index, arg in enumerate(args):
            if arg == "--":
                return out + args[index:]
            for old, new in self.deprecated_options.items():
                if arg == old or arg.startswith(old + "="):
                    if old not in warned and not ctx.resilient_parsing:
                        warned.add(old)
                        instead = new or "the values as arguments, without the option"
                        ui(ctx).warn(f"{old} is deprecated; give {instead} (the old form "
                                     "will be removed in a later release)")
                    if not new and arg == old:  # the value follows as an argument
                        arg = ""
                    elif not new:
                        arg = arg[len(old) + 1:]
                    else:
                        arg = new + arg[len(old):]
            if arg != "" or args[index] == "":
                out.append(arg)
        return out


# --------------------------------------------------------------------------- batches

F = TypeVar("F", bound=Callable[..., Any])
#: Bound on the lines of a --list file.
MAX_LIST_ENTRIES = 1_000_000
MAX_LIST_BYTES = 64 * 1024 * 1024


def jobs_option(function: F) -> F:
    return click.option("--jobs", type=click.IntRange(1, 64), default=1, show_default=True,
                        help="Worker processes (use the number of cores for large batches)."
                        )(function)


def resume_option(function: F) -> F:
    return click.option("--resume", is_flag=True,
                        help="Skip items whose output is already complete (after an "
                        "interruption, run the same command again with --resume)."
                        )(function)


def list_option(function: F) -> F:
    return click.option(
        "--list", "list_file", type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
        default=None,
        help="A text file naming one input per line (blank lines and lines starting with # "
        "are skipped; relative paths are read from the file's folder; - is standard input).",
    )(function)


def read_list_file(path: Path, *, is_path: Callable[[str], bool] = lambda entry: True
                   ) -> list[str]:
    """The entries of a ``--list`` file; entries that ``is_path`` calls paths are read from
    the file's folder when relative."""
    data = read_bytes(path, max_bytes=MAX_LIST_BYTES)
    source = "<stdin>" if str(path) == "-" else str(path)
    base = Path(".") if str(path) == "-" else path.parent
    entries: list[str] = []
    for number, line in enumerate(decode_utf8(data, source, expected="a text file").splitlines(),
                                  start=1):
        entry = line.strip()
        if not entry or entry.startswith("#"):
            continue
        if len(entries) >= MAX_LIST_ENTRIES:
            raise InputError(f"names more than {MAX_LIST_ENTRIES} inputs", source=source,
                             location=f"line {number}", code="too_large")
        entries.append(str(base / entry) if is_path(entry) and not Path(entry).is_absolute()
                       else entry)
    return entries


def expand_inputs(names: Sequence[str | Path], *, pattern: str | Sequence[str] = "*.json",
                  what: str = "files") -> list[Path]:
    """Files named on the command line or in a list: a folder stands for its files matching
    ``pattern`` (sorted, not recursive, hidden files left out); ``-`` is standard input. A
    folder without any is an error naming it."""
    patterns = (pattern,) if isinstance(pattern, str) else tuple(pattern)
    out: list[Path] = []
    for name in names:
        path = Path(name)
        if str(name) != "-" and path.is_dir():
            found = sorted({p for glob in patterns for p in path.glob(glob)
                            if p.is_file() and not p.name.startswith(".")})
            if not found:
                raise InputError(f"is a folder without {what} ({', '.join(patterns)})",
                                 source=str(path), code="empty_folder")
            out.extend(found)
        else:
            out.append(path)
    return out


#: Bound on a QR text read from standard input (``--text -``).
MAX_TEXT_BYTES = 64 * 1024


def text_option_value(value: str) -> str:
    """A ``--text`` value: ``-`` reads the text from standard input (first line kept)."""
    if value != "-":
        return value
    data = read_bytes("-", max_bytes=MAX_TEXT_BYTES)
    text = decode_utf8(data, "<stdin>", expected="a QR text").strip()
    return text.splitlines()[0] if text else text


#: ``--resolver`` of `cfl trust init` and `cfl trust sign`: recorded in the signed list.
def _check_list_resolvers(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
                          ) -> tuple[str, ...]:
    """The first resolver is printed in QR codes (uppercase QR alphanumeric); every one must
    be an https prefix a verifier can compare (:func:`cfl.trust.resolvers.parse_resolver`)."""
    checked = []
    for index, value in enumerate(values):
        try:
            if index == 0:
                check_resolver(value)
            prefix = parse_resolver(value, source="--resolver")
            if not prefix.secure:  # a verifier fails every code leading there (ADR 0138)
                raise InputError(f"resolver {value!r} is not an https address",
                                 code="bad_resolver")
        except InputError as exc:
            raise click.BadParameter(exc.message) from None
        checked.append(value)
    return tuple(checked)


list_resolver_option = click.option(
    "--resolver", "resolvers", multiple=True, callback=_check_list_resolvers,
    help="The scheme's resolver URL (uppercase, QR alphanumeric, ending in '/'), recorded in "
    "the list: cfl label then puts it in every QR code unless told otherwise. Repeat it to "
    "name every address the scheme's QR codes may lead to (an https prefix each; the first "
    "is the one labels print): a verifier reports a code leading elsewhere "
    "(resolver_unknown).",
)


#: Bound on a public key read from standard input.
MAX_PUBLIC_KEY_BYTES = 64 * 1024


def load_public_key_arg(path: Path) -> PublicKey:
    """A public key option's key: a JWK file, a key folder, or ``-`` (a JWK on standard
    input)."""
    if str(path) != "-":
        return load_public_key(path)
    data = read_bytes("-", max_bytes=MAX_PUBLIC_KEY_BYTES)
    return PublicKey.from_jwk(loads_strict(data, source="<stdin>"), source="<stdin>")
