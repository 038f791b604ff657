"""Strict, bounded JSON reading and canonical-friendly writing.

Everything cfl reads from a user or a third party goes through :func:`loads_strict`:
the size is bounded *before* parsing, a UTF-8 byte order mark, invalid UTF-8, duplicate
object keys (a parser differential is a security hole once documents are signed),
``NaN``/``Infinity`` and excessive nesting are rejected with an error naming the place.
Non-integer numbers are parsed as :class:`decimal.Decimal`, never float.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from cfl.errors import InputError
from cfl.io.sniff import binary_kind

#: Default bound on a JSON document handed to cfl (declarations are a few KiB).
MAX_JSON_BYTES = 4 * 1024 * 1024
#: Default bound on nesting depth (objects and arrays).
MAX_JSON_DEPTH = 64

JsonValue = Any


def _line_col(text: str, pos: int) -> str:
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return f"line {line}, column {col}"


def decode_utf8(data: bytes, source: str, *, expected: str = "UTF-8 text") -> str:
    """Bytes → text, refusing a BOM and invalid UTF-8 with the byte offset.

    A file that starts like a PDF, an image, a ZIP archive (.xlsx) or a PEM key is refused
    as such, saying ``expected`` (e.g. ``"a JSON document"``): the user picked the wrong file.
    """
    kind = binary_kind(data)
    if kind is not None:
        raise InputError(f"is {kind}, not {expected}", source=source, location="byte 0",
                         code="wrong_file_type")
    if data.startswith(b"\xef\xbb\xbf"):
        raise InputError(
            "starts with a UTF-8 byte order mark (BOM); save the file as UTF-8 without BOM",
            source=source, location="byte 0", code="bom",
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(
            "looks like UTF-16; cfl reads UTF-8 only", source=source, location="byte 0",
            code="not_utf8",
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        text = data[: exc.start].decode("utf-8", errors="replace")
        raise InputError(
            f"is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})",
            source=source, location=_line_col(text, len(text)), code="not_utf8",
        ) from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in JSON")


def _pairs_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):  # a key came twice: find the first one repeated
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return obj


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _depth_exceeds(value: Any, limit: int) -> bool:
    """Whether ``value`` nests objects/arrays more than ``limit`` deep (one walk)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            if depth > limit:
                return True
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            if depth > limit:
                return True
            stack.extend((v, depth + 1) for v in item)
    return False


def _may_nest_deeper(text: str, limit: int) -> bool:
    """False when ``text`` cannot nest more than ``limit`` deep: every level opens with a
    ``{`` or ``[``, so fewer brackets in all (strings included) than ``limit`` is proof."""
    return text.count("{") + text.count("[") > limit


#: Bounds on a number read as a Decimal (JSON or YAML): more characters, or a decimal
#: exponent beyond ±MAX_NUMBER_EXPONENT, is refused. A double holds at most ±308; beyond
#: the bounds, Decimal arithmetic with the default context overflows or takes the memory of
#: a million digits.
MAX_NUMBER_CHARS = 400
MAX_NUMBER_EXPONENT = 1000


class NumberOutOfRange(ValueError):
    """A number beyond :data:`MAX_NUMBER_CHARS` or :data:`MAX_NUMBER_EXPONENT`."""

    def __init__(self, text: str) -> None:
        shown = text if len(text) <= 40 else f"{text[:20]}…{text[-12:]} ({len(text)} characters)"
        super().__init__(f"the number {shown} is beyond what cfl reads (at most "
                         f"{MAX_NUMBER_CHARS} characters and an exponent of "
                         f"±{MAX_NUMBER_EXPONENT})")


def decimal_number(text: str) -> Decimal:
    """``Decimal(text)`` within the bounds (:class:`NumberOutOfRange` otherwise)."""
    if len(text) > MAX_NUMBER_CHARS:
        raise NumberOutOfRange(text)
    try:
        value = Decimal(text)
    except ArithmeticError:
        raise NumberOutOfRange(text) from None
    if value.is_finite() and value and abs(value.adjusted()) > MAX_NUMBER_EXPONENT:
        raise NumberOutOfRange(text)
    return value


_NumberParser = Callable[[str], Any]
#: Decoders reused across calls, by number parsers (building one per call costs a tenth of
#: parsing a small document).
_DECODERS: dict[tuple[_NumberParser, _NumberParser | None], json.JSONDecoder] = {}


def _decoder(parse_float: _NumberParser, parse_int: _NumberParser | None) -> json.JSONDecoder:
    decoder = _DECODERS.get((parse_float, parse_int))
    if decoder is None:
        decoder = json.JSONDecoder(
            object_pairs_hook=_pairs_without_duplicates,
            parse_float=parse_float,
            parse_int=parse_int,
            parse_constant=_reject_constant,
        )
        if len(_DECODERS) < 8:  # only a few module-level callables are ever passed
            _DECODERS[(parse_float, parse_int)] = decoder
    return decoder


def loads_strict(
    data: bytes | str,
    *,
    source: str = "<input>",
    max_bytes: int = MAX_JSON_BYTES,
    max_depth: int = MAX_JSON_DEPTH,
    parse_float: Callable[[str], Any] = decimal_number,
    parse_int: Callable[[str], Any] | None = None,
) -> JsonValue:
    """Parse one JSON document strictly; raise :class:`InputError` naming the place.

    ``parse_float`` turns non-integer number tokens into values (a bounded Decimal by default:
    :func:`decimal_number`) and ``parse_int``, if given, integer tokens (``int`` otherwise,
    which takes at most 4,300 digits).
    """
    size = len(data.encode("utf-8")) if isinstance(data, str) else len(data)
    if size > max_bytes:
        raise InputError(
            f"is {size} bytes; at most {max_bytes} bytes are accepted",
            source=source, code="too_large",
        )
    text = data if isinstance(data, str) else decode_utf8(data, source,
                                                          expected="a JSON document")
    if not text or text.isspace():
        raise InputError("is empty; expected a JSON document", source=source, code="empty")
    try:
        value = _decoder(parse_float, parse_int).decode(text)
    except _DuplicateKey as exc:
        # json does not tell where; find the second occurrence of the key for a location.
        needle = json.dumps(exc.key, ensure_ascii=False)
        first = text.find(needle)
        second = text.find(needle, first + 1) if first >= 0 else -1
        location = _line_col(text, second) if second >= 0 else None
        raise InputError(
            f"duplicate key {needle} in a JSON object; each key may appear once",
            source=source, location=location, code="duplicate_key",
        ) from None
    except json.JSONDecodeError as exc:
        raise InputError(
            f"is not valid JSON: {exc.msg}", source=source,
            location=f"line {exc.lineno}, column {exc.colno}", code="malformed_json",
        ) from None
    except NumberOutOfRange as exc:  # a size bound, like the document's own
        raise InputError(str(exc), source=source, code="too_large") from None
    except ValueError as exc:  # NaN / Infinity, or an integer of more than 4,300 digits
        if "digits" in str(exc):
            raise InputError("holds an integer of more than 4,300 digits", source=source,
                             code="too_large") from None
        raise InputError(str(exc), source=source, code="non_finite_number") from None
    except ArithmeticError as exc:  # a parse_float given by the caller refused a number
        raise InputError(f"holds a number that cannot be read ({type(exc).__name__})",
                         source=source, code="too_large") from None
    except RecursionError:
        raise InputError(
            f"nests too deeply; at most {max_depth} levels are accepted",
            source=source, code="too_deep",
        ) from None
    if _may_nest_deeper(text, max_depth) and _depth_exceeds(value, max_depth):
        raise InputError(
            f"nests too deeply; at most {max_depth} levels are accepted",
            source=source, code="too_deep",
        )
    escape = _SURROGATE_ESCAPE.search(text)
    if escape is not None and holds_lone_surrogate(value):
        raise InputError(
            "holds a lone UTF-16 surrogate escape (a \\uD800–\\uDFFF not part of a pair) in a "
            "string; JSON text must be valid Unicode", source=source,
            location=_line_col(text, escape.start()), code="lone_surrogate",
        )
    return value


#: An escaped UTF-16 surrogate (``\uD83D``): a pair is a valid character, a lone one is not.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def holds_lone_surrogate(value: Any) -> bool:
    """Whether any string (key or value) in ``value`` holds a lone surrogate, which no UTF-8
    encoder (and so no canonicaliser or signature) can write."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if not item.isascii():
                try:
                    item.encode("utf-8")
                except UnicodeEncodeError:
                    return True
        elif isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def read_bytes(path: str | Path, *, max_bytes: int = MAX_JSON_BYTES) -> bytes:
    """Read a file (``-`` is stdin) with a size bound, as :class:`InputError` on failure."""
    import sys

    name = str(path)
    if name == "-":
        data = sys.stdin.buffer.read(max_bytes + 1)
        source = "<stdin>"
    else:
        p = Path(path)
        source = name
        if "\x00" in name:  # the OS cannot name such a file (open() raises ValueError)
            raise InputError("is not a usable file name (it holds a NUL character)",
                             source=name.replace("\x00", "\\x00"), code="not_found")
        if p.is_dir():
            raise InputError("is a directory; expected a file", source=source, code="is_directory")
        try:
            with p.open("rb") as fh:
                data = fh.read(max_bytes + 1)
        except FileNotFoundError:
            raise InputError("does not exist", source=source, code="not_found") from None
        except OSError as exc:
            raise InputError(f"cannot be read ({exc.strerror})", source=source,
                             code="unreadable") from None
    if len(data) > max_bytes:
        raise InputError(
            f"is larger than {max_bytes} bytes, the most accepted", source=source,
            code="too_large",
        )
    return data


def load_json_file(path: str | Path, *, max_bytes: int = MAX_JSON_BYTES) -> JsonValue:
    """Read and strictly parse a JSON file (``-`` is stdin)."""
    source = "<stdin>" if str(path) == "-" else str(path)
    return loads_strict(read_bytes(path, max_bytes=max_bytes), source=source, max_bytes=max_bytes)


def dumps_pretty(value: JsonValue) -> str:
    """Human-friendly JSON (2-space indent, UTF-8 kept, trailing newline).

    A Decimal (a non-integer number as the strict readers give it, kept in a member cfl does
    not know) is written as it was read, digit for digit."""
    marker = f"\u0000{secrets.token_hex(8)}:"
    found = False

    def number(item: Any) -> str:
        nonlocal found
        if isinstance(item, Decimal) and item.is_finite():
            found = True
            return f"{marker}{item}"
        raise TypeError(f"Object of type {type(item).__name__} is not JSON serializable")

    try:
        text = json.dumps(value, indent=2, ensure_ascii=False, default=number) + "\n"
    except TypeError as exc:  # another non-JSON object reached the writer: a bug
        raise TypeError(f"cannot write as JSON: {exc}") from exc
    if found:  # the marker holds a NUL, which a JSON string writes escaped: never our own
        escaped = json.dumps(marker)[1:-1]
        text = re.sub(f'"{re.escape(escaped)}([^"]*)"', lambda m: m.group(1), text)
    return text
