"""Hypothesis strategies that turn seed inputs into hostile ones.

Three levels, combined by the targets in ``test_decoders.py``:

* bytes: bit flips, interesting bytes, inserted format tokens, deleted, repeated and spliced
  ranges, truncation (:func:`byte_mutations`);
* structure: a parsed JSON / YAML / CBOR value with a node replaced by a hostile value, a key
  dropped, renamed or added, a list item repeated (:func:`json_mutations`), written back with
  or without ASCII escapes (:func:`dump_json`, :func:`dump_yaml`); CSV cells and columns
  (:func:`csv_mutations`); PNG chunks with their CRCs recomputed (:func:`png_mutations`);
* hostile values on their own: times at and beyond the calendar's edges, numbers beyond what
  a double or a Decimal context holds, lone surrogates, deep nesting (:data:`HOSTILE_VALUES`).

Every strategy is a pure function of what Hypothesis draws, so a failure shrinks and replays.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import struct
import sys
import zlib
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import yaml
from hypothesis import strategies as st

Path_ = tuple[Any, ...]

# --------------------------------------------------------------------------- tokens

JSON_TOKENS = (
    b'{', b'}', b'[', b']', b',', b':', b'"', b'\\', b'\\u', b'\\ud800', b'\\udc00',
    b'\\ud83d\\ude00', b'null', b'true', b'1e999', b'-0', b'0.1', b'123456789012345678901234',
    b'NaN', b'Infinity', b'"a":1,', b'[[[[[[[[[[', b']]]]]]]]]]', b'\xef\xbb\xbf', b'\xed\xa0\x80',
    b'\xc0\xaf', b'\xf4\x90\x80\x80', b'\x00', b'\t', b'\r\n', b'"9999-12-31T23:59:59-23:59"',
    b'"0000-01-01T00:00:00Z"', b'"2026-02-29T00:00:00Z"',
)
YAML_TOKENS = (
    b'&a ', b'*a', b'&b [*a, *a, *a]', b'!!binary ', b'!!float ', b'!!int ', b'!!str ',
    b'!!python/object:os.system ', b'!!set ', b'!!omap ', b'!!timestamp ', b'? ', b'- ', b'<<: ',
    b'<<: *a', b'1:1.', b'1:30', b'0o17', b'012', b'0x1F', b'.nan', b'.inf', b'-.inf', b'~',
    b'---\n', b'...\n', b'%YAML 1.1\n', b'%TAG ! tag:x,2000:\n', b'|\n', b'>-\n', b"'", b'"\\x',
    b'"\\ud800"', b'{', b'}', b'[', b']', b': ', b'\n  ', b'\t', b'#', b'2026-01-01', b'yes',
    b'off', b'1e400', b'9' * 50, b'\x00', b'\x85', b'\xef\xbb\xbf', b'&x [*x]',
)
PDF_TOKENS = (
    b'/JavaScript', b'/OpenAction', b'/Filter /FlateDecode', b'/Filter /LZWDecode',
    b'/Filter [/ASCII85Decode /FlateDecode]', b'/Length 99999999', b'/Length 0', b'/Length 7 0 R',
    b'stream\n', b'\nendstream', b'endobj', b' obj', b' 0 R', b'xref\n', b'trailer', b'startxref',
    b'%%EOF', b'<<', b'>>', b'(', b')', b'\\', b'/Encrypt', b'/ObjStm', b'/Type /EmbeddedFile',
    b'/Names [(bundle.json) 4 0 R]', b'/Kids [3 0 R 3 0 R]', b'/Count 99999', b'#4A',
    b'x\x9c', b'x\x01\x00\x00\x00\xff\xff', b'~>', b'<~', b'/AcroForm', b'/Annots [5 0 R]',
)
CSV_TOKENS = (
    b',', b'"', b'""', b'\n', b'\r\n', b'\r', b';', b'\xef\xbb\xbf', b'\x00', b'5E-05', b'1e400',
    b'-0', b'NaN', b'=cmd|"/c calc"!A1', b'\xed\xa0\x80', b'9999-12-31T23:59:59-23:59',
)
TEXT_TOKENS = (b'/', b'HTTPS://', b'0', b'9', b' ', b'\n', b'%', b'$', b'*', b':', b'.', b'-')

INTERESTING_BYTES = (0x00, 0x01, 0x09, 0x0A, 0x0D, 0x20, 0x22, 0x23, 0x26, 0x2A, 0x2C, 0x2F, 0x30,
                     0x39, 0x3A, 0x5B, 0x5C, 0x5D, 0x7B, 0x7D, 0x7F, 0x80, 0xBF, 0xC0, 0xC3,
                     0xE2, 0xED, 0xEF, 0xF0, 0xF4, 0xFE, 0xFF)


# --------------------------------------------------------------------------- bytes

def _apply_byte_edit(data: bytearray, edit: tuple[Any, ...], others: Sequence[bytes]) -> None:
    kind, position, value, length = edit
    size = len(data)
    where = position % (size + 1)
    if kind == "flip" and size:
        data[where % size] ^= 1 << (value % 8)
    elif kind == "set" and size:
        data[where % size] = INTERESTING_BYTES[value % len(INTERESTING_BYTES)]
    elif kind == "random" and size:
        data[where % size] = value % 256
    elif kind == "insert":
        data[where:where] = value
    elif kind == "delete":
        del data[where:where + length]
    elif kind == "repeat" and size:
        piece = bytes(data[where:where + 1 + length % 64])
        data[where:where] = piece * (1 + value % 48)
    elif kind == "move" and size:
        piece = bytes(data[where:where + length])
        target = value % (size + 1)
        data[target:target] = piece
    elif kind == "truncate":
        del data[where:]
    elif kind == "splice" and others:
        other = others[value % len(others)]
        start = (position * 7) % (len(other) + 1)
        data[where:where + length] = other[start:start + length]


def byte_mutations(seed: bytes, *, tokens: Sequence[bytes] = JSON_TOKENS,
                   others: Sequence[bytes] = (), max_edits: int = 6
                   ) -> st.SearchStrategy[bytes]:
    """``seed`` with 1 to ``max_edits`` byte edits (tokens of the format inserted among them);
    ``others`` are other seeds ranges are spliced in from."""
    position = st.integers(0, 1 << 24)
    insert = st.one_of(st.sampled_from(tokens), st.binary(min_size=1, max_size=12),
                       st.integers(4200, 5000).map(lambda n: b"9" * n))  # past int() limits
    edit = st.one_of(
        st.tuples(st.sampled_from(("flip", "set", "random", "repeat", "truncate", "splice")),
                  position, st.integers(0, 1 << 16), st.integers(0, 4096)),
        st.tuples(st.just("insert"), position, insert, st.just(0)),
        st.tuples(st.sampled_from(("delete", "move")), position, st.integers(0, 1 << 24),
                  st.integers(1, 256)),
    )

    def apply(edits: list[tuple[Any, ...]]) -> bytes:
        data = bytearray(seed)
        for one in edits:
            _apply_byte_edit(data, one, others)
        return bytes(data)

    return st.lists(edit, min_size=1, max_size=max_edits).map(apply)


# --------------------------------------------------------------------------- hostile values

def _time_text(parts: tuple[int, int, int, int, int, int, str, str, str]) -> str:
    year, month, day, hour, minute, second, fraction, offset, separator = parts
    return (f"{year:04d}-{month:02d}-{day:02d}{separator}{hour:02d}:{minute:02d}:{second:02d}"
            f"{fraction}{offset}")


#: Date-times at and beyond the edges of what a calendar, a timestamp and a format hold.
TIMES = st.one_of(
    st.sampled_from((
        "9999-12-31T23:59:59-23:59", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00+01:00",
        "0000-01-01T00:00:00Z", "2026-02-29T00:00:00Z", "2024-02-29T12:00:00Z",
        "2026-13-01T00:00:00Z", "2026-01-01T24:00:00Z", "2026-06-30T23:59:60Z",
        "1969-12-31T23:59:59Z", "2038-01-19T03:14:08Z", "2026-01-01", "2026-01-01T00:00:00",
        "2026-01-01t00:00:00z", "2026-01-01 00:00:00Z", "+12026-01-01T00:00:00Z",
        "2026-01-01T00:00:00.123456789123Z", "2026-01-01T00:00:00+24:00", "\u0662026-01-01T00:00Z",
    )),
    st.tuples(st.sampled_from((0, 1, 1900, 1969, 1970, 2026, 2038, 9998, 9999)),
              st.integers(0, 13), st.integers(0, 32), st.integers(0, 25), st.integers(0, 61),
              st.integers(0, 61), st.sampled_from(("", ".5", ".999999", ".0000001")),
              st.sampled_from(("Z", "+00:00", "-23:59", "+23:59", "+14:00", "", "z", "-00:00")),
              st.sampled_from(("T", "t", " "))).map(_time_text),
)

NUMBERS = st.one_of(
    st.integers(300, 4000).map(lambda digits: 10**digits),  # str() refuses > 4,300 digits
    st.sampled_from((0, -1, 1, 2**31, 2**53, 2**53 + 1, 2**63, 2**64, -(2**64),
                     Decimal("0.1"), Decimal("1E+400"), Decimal("-0"), Decimal("1e-400"),
                     Decimal("123456789012345678901234567890.5"), Decimal("5E-05"))),
    st.integers(),
    st.decimals(allow_nan=False, allow_infinity=False, places=None),
)

STRINGS = st.one_of(
    st.sampled_from(("", " ", "\ud800", "a\udc00b", "\U0001F600", "\x00", "\u202e", "\ufeff",
                     "0", "-0", "1e400", "5E-05", "NaN", "12.5", "1:1.", "0o17", "urn:uuid:",
                     "3f1c2a9e-5b7d-4e8f-9a0b-1c2d3e4f5a6b", "kilogram",
                     "cradle-to-gate", "gbt-24067-2024", "steel", "A+", "certifier",
                     "EdDSA", "ES256", "none", "HS256", "../../etc/passwd", "{{field}}")),
    st.text(max_size=24),
    st.integers(200, 70_000).map(lambda n: "x" * n),
    TIMES,
)


def _nested(depth: int, kind: str) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value] if kind == "list" else {"a": value}
    return value


HOSTILE_VALUES: st.SearchStrategy[Any] = st.one_of(
    st.none(), st.booleans(), NUMBERS, STRINGS,
    st.builds(_nested, st.sampled_from((2, 20, 63, 64, 65, 200, 400)),
              st.sampled_from(("list", "dict"))),
    st.lists(st.one_of(st.integers(), st.text(max_size=4)), max_size=6),
    st.dictionaries(st.text(max_size=6), st.one_of(st.integers(), st.text(max_size=4)),
                    max_size=4),
    st.sampled_from(("[]", "{}", "[[]]", "[{}]")).map(json.loads),
    st.integers(100, 20_000).map(lambda n: ["a"] * n),
)


# --------------------------------------------------------------------------- JSON-like values

def value_paths(value: Any, prefix: Path_ = (), limit: int = 4000) -> list[Path_]:
    """Every path into ``value`` (the root included), at most ``limit`` of them."""
    found: list[Path_] = []
    stack: list[tuple[Path_, Any]] = [(prefix, value)]
    while stack and len(found) < limit:
        path, node = stack.pop()
        found.append(path)
        if isinstance(node, dict):
            stack.extend(((*path, key), item) for key, item in node.items())
        elif isinstance(node, list):
            stack.extend(((*path, index), item) for index, item in enumerate(node))
    return sorted(found, key=lambda p: (len(p), repr(p)))


def _parent(root: Any, path: Path_) -> tuple[Any, Any] | None:
    node = root
    for part in path[:-1]:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    if not isinstance(node, dict | list):
        return None
    key = path[-1]
    if isinstance(node, dict) and not isinstance(key, str) and key not in node:
        return None
    if isinstance(node, list) and (not isinstance(key, int) or not -len(node) <= key < len(node)):
        return None
    return node, key


def _apply_value_edit(root: Any, edit: tuple[Any, ...]) -> Any:
    kind, path, value, name = edit
    if not path:
        return value if kind == "replace" else root
    found = _parent(root, path)
    if found is None:
        return root
    parent, key = found
    if isinstance(parent, dict) and key not in parent:
        return root
    if kind == "replace":
        parent[key] = value
    elif kind == "delete":
        del parent[key]
    elif kind == "rename" and isinstance(parent, dict):
        parent[name] = parent.pop(key)
    elif kind == "add" and isinstance(parent, dict):
        parent[name] = value
    elif kind == "add" and isinstance(parent, list):
        parent.insert(key, value)
    elif kind == "repeat" and isinstance(parent, list):
        parent[key:key] = [parent[key]] * (1 + len(name) % 5)  # shared: never edited again
    elif kind == "type":
        parent[key] = _other_type(parent[key])
    return root


def _other_type(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return Decimal(value)
        except ArithmeticError:
            return [value]
    if isinstance(value, bool) or value is None:
        return str(value).lower()
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, list):
        return {str(i): item for i, item in enumerate(value)}
    if isinstance(value, dict):
        return list(value.values())
    return value


def json_mutations(seed: Any, *, names: Sequence[str] = (), max_edits: int = 4,
                   values: st.SearchStrategy[Any] = HOSTILE_VALUES) -> st.SearchStrategy[Any]:
    """``seed`` (a parsed JSON or YAML value) with 1 to ``max_edits`` structural edits: a node
    replaced by a hostile value or by one of another type, deleted, renamed (to one of
    ``names`` or a typo), added, or repeated."""
    paths = value_paths(seed)
    keys = st.one_of(st.sampled_from(tuple(names) or ("x",)), st.text(max_size=12))
    edit = st.tuples(st.sampled_from(("replace", "replace", "delete", "rename", "add",
                                      "repeat", "type")),
                     st.sampled_from(paths), values, keys)

    def apply(edits: list[tuple[Any, ...]]) -> Any:
        root = copy.deepcopy(seed)
        for one in edits:
            root = _apply_value_edit(root, one)
        return root

    return st.lists(edit, min_size=1, max_size=max_edits).map(apply)


def key_names(value: Any) -> list[str]:
    """Every key of every object in ``value`` (for renames that stay meaningful)."""
    names: set[str] = set()
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            names.update(k for k in node if isinstance(k, str))
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return sorted(names)


def dump_json(value: Any, *, ascii_only: bool = False, indent: int | None = None) -> bytes:
    """``value`` as JSON bytes; Decimals as written, lone surrogates kept (escaped with
    ``ascii_only``, else written as the invalid UTF-8 a careless writer produces)."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10_000))  # values nest up to 400 deep
    try:
        text = _json_text(value, ascii_only)
    finally:
        sys.setrecursionlimit(limit)
    if indent is not None:
        text = text.replace(",", ",\n" + " " * indent)
    return text.encode("utf-8", "surrogatepass")


def _json_text(value: Any, ascii_only: bool) -> str:
    if isinstance(value, dict):
        return "{" + ",".join(f"{_json_text(str(k), ascii_only)}:{_json_text(v, ascii_only)}"
                              for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_json_text(v, ascii_only) for v in value) + "]"
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    return json.dumps(value, ensure_ascii=ascii_only)


class _YamlDumper(yaml.SafeDumper):
    pass


def _represent_decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:float", str(value))


_YamlDumper.add_representer(Decimal, _represent_decimal)


def dump_yaml(value: Any, *, flow: bool = False) -> bytes:
    """``value`` as YAML (block or flow style); text that YAML cannot hold becomes JSON."""
    try:
        text = yaml.dump(value, Dumper=_YamlDumper, allow_unicode=True, sort_keys=False,
                         default_flow_style=flow, width=1 << 16)
    except (yaml.YAMLError, RecursionError):
        return dump_json(value)
    return text.encode("utf-8", "surrogatepass")


#: YAML documents that attack the reader itself rather than the data model.
YAML_ATTACKS = st.one_of(
    st.integers(2, 12).map(lambda n: "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n"
        for i in range(n))),
    st.sampled_from(("a: &x [*x]", "a: &x {b: *x}", "a: &x [1, [2, *x]]", "a: *undefined",
                     "<<: &a {b: 1}\nc:\n  <<: *a\n  <<: *a", "!!python/name:os.system",
                     "a: !!binary AAAA", "a: !!timestamp 2026-01-01", "? [a]\n: 1",
                     "a: 1\na: 2", "x: 1:1.", "x: !!float 1:1.", "x: 0b101", "[" * 5000,
                     "{a: " * 3000, "- " * 3000 + "1", "a: 'unterminated", "\t- 1",
                     "%YAML 9.9\n---\na: 1", "a: 1\n---\nb: 2", "\ufeffa: 1", "a: \"\\ud800\"")),
)


# --------------------------------------------------------------------------- CSV

def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def csv_mutations(seed: bytes, *, max_edits: int = 4) -> st.SearchStrategy[bytes]:
    """``seed`` (a CSV) with cells, columns and rows edited, written back with one of the
    quoting styles a spreadsheet uses."""
    rows = csv_rows(seed)
    width = max(len(row) for row in rows)
    cells = st.one_of(STRINGS, NUMBERS.map(str), st.sampled_from(("", "a;b;;c", "\n", "\"")))
    edit = st.tuples(st.sampled_from(("cell", "cell", "cell", "drop_column", "add_column",
                                      "rename_column", "repeat_row", "drop_row", "short_row",
                                      "long_row")),
                     st.integers(0, len(rows) + 2), st.integers(0, width + 2), cells)

    def apply(spec: tuple[list[tuple[Any, ...]], int, str]) -> bytes:
        edits, quoting, newline = spec
        table = [list(row) for row in rows]
        for kind, row, column, value in edits:
            row %= len(table) or 1
            if not table:
                break
            if kind == "cell" and table[row]:
                table[row][column % len(table[row])] = value
            elif kind == "drop_column":
                for line in table:
                    if line:
                        del line[column % len(line)]
            elif kind == "add_column":
                for line in table:
                    line.insert(column % (len(line) + 1), value)
            elif kind == "rename_column" and table[0]:
                table[0][column % len(table[0])] = value
            elif kind == "repeat_row":
                table[row:row] = [list(table[row])] * (1 + column % 4)
            elif kind == "drop_row":
                del table[row]
            elif kind == "short_row" and table[row]:
                del table[row][column % len(table[row]):]
            elif kind == "long_row":
                table[row].extend([value] * (1 + column % 3))
        out = io.StringIO()
        writer = csv.writer(out, quoting=quoting, lineterminator=newline)
        writer.writerows(table)
        return out.getvalue().encode("utf-8", "surrogatepass")

    return st.tuples(st.lists(edit, min_size=1, max_size=max_edits),
                     st.sampled_from((csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC)),
                     st.sampled_from(("\n", "\r\n"))).map(apply)


def flatten_for_csv(value: Any, prefix: str = "") -> dict[str, str] | None:
    """A friendly input as dotted CSV columns, or None if it holds lists of objects."""
    out: dict[str, str] = {}
    for key, item in value.items():
        name = f"{prefix}{key}"
        if isinstance(item, dict):
            inner = flatten_for_csv(item, f"{name}.")
            if inner is None:
                return None
            out.update(inner)
        elif isinstance(item, list):
            if any(isinstance(x, dict | list) for x in item):
                continue
            out[name] = ";".join(str(x) for x in item)
        elif isinstance(item, bool):
            out[name] = "true" if item else "false"
        else:
            out[name] = str(item)
    return out


# --------------------------------------------------------------------------- PNG

def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    chunks = []
    position = 8
    while position + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        chunks.append((kind, data[position + 8:position + 8 + length]))
        position += 12 + length
    return chunks


def png_bytes(chunks: Sequence[tuple[bytes, bytes]]) -> bytes:
    out = [b"\x89PNG\r\n\x1a\n"]
    for kind, body in chunks:
        out.append(struct.pack(">I", len(body)) + kind + body
                   + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))
    return b"".join(out)


_PNG_EXTRA = (
    (b"tEXt", b"Comment\x00" + b"x" * 64),
    (b"zTXt", b"Comment\x00\x00" + zlib.compress(b"a" * 4096)),
    (b"iCCP", b"icc\x00\x00" + zlib.compress(b"\x00" * 512)), (b"pHYs", b"\x00" * 9),
    (b"sBIT", b"\x08"), (b"PLTE", b"\x00" * 6), (b"tRNS", b"\x00\x00"), (b"IEND", b""),
    (b"acTL", b"\x00\x00\x00\x02\x00\x00\x00\x00"), (b"eXIf", b"MM\x00*" + b"\x00" * 8),
)


def png_mutations(seed: bytes) -> st.SearchStrategy[bytes]:
    """``seed`` (a PNG) with its header fields, data and chunks edited, every CRC recomputed so
    that the image decoder, not the CRC check, meets the edit."""
    chunks = png_chunks(seed)
    header_index = next(i for i, (kind, _) in enumerate(chunks) if kind == b"IHDR")
    width, height, depth, colour, compression, filtering, interlace = struct.unpack(
        ">IIBBBBB", chunks[header_index][1])
    dims = st.one_of(st.sampled_from((0, 1, 2, 7, 65535, 65536, 2**31 - 1, 2**32 - 1)),
                     st.integers(1, 2048))
    header = st.tuples(
        st.one_of(st.just(width), dims), st.one_of(st.just(height), dims),
        st.sampled_from((depth, 1, 2, 4, 8, 16, 3, 0)),
        st.sampled_from((colour, 0, 2, 3, 4, 6, 1, 7)), st.sampled_from((compression, 1)),
        st.sampled_from((filtering, 1)), st.sampled_from((interlace, 1, 2)))
    edit = st.tuples(st.sampled_from(("header", "data", "add", "drop", "repeat", "recompress")),
                     header, st.integers(0, 1 << 20), st.integers(0, 255),
                     st.sampled_from(_PNG_EXTRA))

    def apply(edits: list[tuple[Any, ...]]) -> bytes:
        table = list(chunks)
        for kind, fields, position, value, extra in edits:
            index = position % len(table)
            if kind == "header":
                table[header_index] = (b"IHDR", struct.pack(">IIBBBBB", *fields))
            elif kind == "data":
                name, body = table[index]
                if body:
                    changed = bytearray(body)
                    changed[position % len(body)] = value
                    table[index] = (name, bytes(changed))
            elif kind == "add":
                table.insert(index, extra)
            elif kind == "drop" and len(table) > 1:
                del table[index]
            elif kind == "repeat":
                table.insert(index, table[index])
            elif kind == "recompress":
                idat = b"".join(body for name, body in table if name == b"IDAT")
                try:
                    raw = zlib.decompress(idat)
                except zlib.error:
                    continue
                raw = raw[:position % (len(raw) + 1)] + bytes([value]) * (position % 4096)
                table = [c for c in table if c[0] != b"IDAT"]
                end = next((i for i, c in enumerate(table) if c[0] == b"IEND"), len(table))
                table.insert(end, (b"IDAT", zlib.compress(raw)))
        return png_bytes(table)

    return st.lists(edit, min_size=1, max_size=3).map(apply)
