"""Preparing a product-list CSV for :func:`cfl.declaration.friendly.declare_csv_bytes`: its
text encoding, and the column that names each row's output (``--name-by``).

Spreadsheets on Chinese Windows save "CSV" as GB18030/GBK, others as UTF-16 with a byte
order mark, and "CSV UTF-8" with a UTF-8 byte order mark. :func:`csv_as_utf8` turns each into
the UTF-8 the friendly reader takes, naming the line of the first byte that does not decode.
:func:`naming_column` takes the values of the column the outputs are named by, and leaves that
column out of the friendly input when it is not a friendly key (a ``sku`` column, say).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass

from cfl.errors import InputError

#: ``--encoding`` name → the Python codec (UTF-8 and UTF-16 accept a byte order mark).
ENCODINGS: Mapping[str, str] = {
    "utf-8": "utf-8-sig",
    "gb18030": "gb18030",
    "gbk": "gbk",
    "utf-16": "utf-16",
}
#: A file name made from a cell keeps these characters; others become "_".
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
MAX_NAME_CHARS = 120


def csv_as_utf8(data: bytes, encoding: str, *, source: str) -> bytes:
    """``data`` (a CSV file in ``encoding``) as UTF-8 without a byte order mark."""
    codec = ENCODINGS.get(encoding)
    if codec is None:
        raise InputError(f"unknown encoding {encoding!r}; expected one of "
                         f"{', '.join(ENCODINGS)}", source=source, code="bad_encoding")
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        hint = (" Save the sheet as \"CSV UTF-8\" in the spreadsheet, or give the encoding "
                "it was saved in with --encoding gb18030 (Chinese Windows) or utf-16")
        raise InputError(f"byte {exc.start}: is not {encoding} text ({exc.reason}).{hint}",
                         source=source, location=f"line {line}",
                         code="bad_encoding") from None
    return text.encode("utf-8")


@dataclass(frozen=True)
class NamingColumn:
    """The CSV (possibly without the naming column) and each data row's name by its row
    number (the header is row 1), ``None`` for an empty cell."""

    data: bytes
    names: Mapping[int, str | None]


def naming_column(data: bytes, column: str, *, keep: bool, source: str) -> NamingColumn:
    """The values of ``column`` in every row of the UTF-8 CSV ``data``; the column is taken
    out of the CSV unless ``keep`` (when it is a friendly key the declaration needs)."""
    try:
        text = data.decode("utf-8")
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except (UnicodeDecodeError, csv.Error):
        return NamingColumn(data, {})  # the friendly reader says what is wrong, with the place
    if not rows:
        return NamingColumn(data, {})
    header = [cell.strip() for cell in rows[0]]
    if column not in header:
        raise InputError(f"has no column {column!r} to name the outputs by (--name-by); the "
                         f"columns are {', '.join(header)}", source=source, location="row 1",
                         code="missing_column")
    index = header.index(column)
    names: dict[int, str | None] = {}
    for number, cells in enumerate(rows[1:], start=2):
        value = cells[index].strip() if index < len(cells) else ""
        names[number] = value or None
    if keep:
        return NamingColumn(data, names)
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    for cells in rows:
        writer.writerow(cells[:index] + cells[index + 1:])
    return NamingColumn(out.getvalue().encode("utf-8"), names)


def file_name(value: str) -> str:
    """A cell made into a file name stem: unsafe characters become "_", at most
    :data:`MAX_NAME_CHARS` characters, never hidden or empty."""
    name = _UNSAFE_NAME.sub("_", value.strip()).strip("._")[:MAX_NAME_CHARS]
    return name or "_"
