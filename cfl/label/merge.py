"""Merging label PDFs rendered in parts into one PDF, streaming (ADR 0029).

reportlab keeps every page of a document in memory until it saves it, so a 10,000-label PDF
rendered in one piece needs ten times the memory of a 1,000-label one. A batch is therefore
rendered in parts of a few hundred pages (each a complete PDF, its bundles attached under
their page numbers in the whole batch), and :func:`merge_label_parts` writes the parts' objects
one part at a time into a single PDF with one page tree, one ``EmbeddedFiles`` name tree and
one ``/AF`` array. Only object offsets, page references and attachment names are kept across
parts, so memory does not grow with the page count beyond a few bytes per object.

The parts are PDFs that :class:`~cfl.label.render.LabelRenderer` has just written: a classic
cross-reference table, no object streams, no incremental updates, catalog with ``/Pages``,
``/Names`` (an indirect ``EmbeddedFiles`` tree) and ``/AF``. Anything else is refused with a
:class:`~cfl.errors.CflError` (a bug, not bad user input).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import BinaryIO

from cfl.errors import CflError

_REFERENCE = re.compile(rb"\((?:\\.|[^\\()])*\)|(\d+) 0 R")
_STREAM = re.compile(rb">>\s*stream\r?\n")
_OBJECT_HEAD = re.compile(rb"(\d+) 0 obj\s*")
_TRAILER_REF = re.compile(rb"/(Root|Info) (\d+) 0 R")
_PAGES = re.compile(rb"/Pages (\d+) 0 R")
_NAMES = re.compile(rb"/Names (\d+) 0 R")
_KIDS = re.compile(rb"/Kids \[([^\]]*)\]")
_NAME_TREE = re.compile(rb"/Names \[(.*)\]", re.S)
_NAME_ENTRY = re.compile(rb"(\((?:\\.|[^\\()])*\))\s*(\d+) 0 R")
_REF = re.compile(rb"(\d+) 0 R")

CATALOG_NUMBER = 1
PAGES_NUMBER = 2


class _Part:
    """One part PDF: its objects by number (offsets into its bytes) and its catalog."""

    def __init__(self, data: bytes, name: str) -> None:
        self.data, self.name = data, name
        start = data.rfind(b"startxref")
        if start < 0:
            raise self._error("no startxref")
        xref_at = int(data[start + 9:].split()[0])
        if data[xref_at:xref_at + 4] != b"xref":
            raise self._error("no classic cross-reference table")
        head = data[xref_at:xref_at + 64].split(b"\n")
        first, count = (int(x) for x in head[1].split())
        if first != 0:
            raise self._error("a cross-reference subsection does not start at 0")
        table = xref_at + len(head[0]) + len(head[1]) + 2
        self.offsets: dict[int, int] = {}
        for number in range(1, count):
            entry = data[table + 20 * number:table + 20 * number + 18]
            if entry[17:18] == b"n":
                self.offsets[number] = int(entry[:10])
        trailer = data[data.rfind(b"trailer", 0, start):start]
        refs = {m.group(1): int(m.group(2)) for m in _TRAILER_REF.finditer(trailer)}
        if b"Root" not in refs:
            raise self._error("no /Root in the trailer")
        self.info = refs.get(b"Info")
        self.root = refs[b"Root"]
        catalog = self.dictionary(self.root)
        pages, names = _PAGES.search(catalog), _NAMES.search(catalog)
        if pages is None or names is None:
            raise self._error("the catalog lacks /Pages or an indirect /Names")
        self.pages, self.names = int(pages.group(1)), int(names.group(1))
        kids = _KIDS.search(self.dictionary(self.pages))
        if kids is None:
            raise self._error("the page tree has no /Kids")
        self.kids = [int(n) for n in _REF.findall(kids.group(1))]
        tree = _NAME_TREE.search(self.dictionary(self.names))
        self.attachments = [] if tree is None else [
            (m.group(1), int(m.group(2))) for m in _NAME_ENTRY.finditer(tree.group(1))]

    def _error(self, what: str) -> CflError:
        return CflError(f"{self.name}: cannot merge this label part ({what})",
                        code="label_merge")

    def raw(self, number: int) -> bytes:
        """The object's bytes after ``N 0 obj``, up to and without ``endobj``."""
        offset = self.offsets.get(number)
        if offset is None:
            raise self._error(f"object {number} is missing")
        head = _OBJECT_HEAD.match(self.data, offset)
        if head is None or int(head.group(1)) != number:
            raise self._error(f"object {number} is not where the table says")
        end = self.data.find(b"endobj", head.end())
        if end < 0:
            raise self._error(f"object {number} has no endobj")
        return self.data[head.end():end]

    def dictionary(self, number: int) -> bytes:
        body = self.raw(number)
        stream = _STREAM.search(body)
        return body if stream is None else body[:stream.start() + 2]


def _renumbered(body: bytes, mapping: Callable[[int], int]) -> bytes:
    """``body`` with every ``N 0 R`` outside strings (and outside stream data) renumbered."""
    stream = _STREAM.search(body)
    head, tail = (body, b"") if stream is None else (body[:stream.start()],
                                                      body[stream.start():])

    def replace(match: re.Match[bytes]) -> bytes:
        if match.group(1) is None:
            return match.group(0)  # a string: left as it is
        return b"%d 0 R" % mapping(int(match.group(1)))

    return _REFERENCE.sub(replace, head) + tail


def merge_label_parts(paths: Iterable[Path], out: BinaryIO) -> int:
    """Write one PDF made of the pages of ``paths`` (label parts, in order) to ``out``;
    returns the number of pages. Each part is read when its turn comes."""
    return merge_label_pdfs(((str(path), path.read_bytes()) for path in paths), out)


def merge_label_pdfs(parts: Iterable[tuple[str, bytes]], out: BinaryIO) -> int:
    """:func:`merge_label_parts` of parts given as (name, PDF bytes), in order: each is
    written out as soon as the iterable yields it (a part still being rendered elsewhere
    is merged when it arrives), so only the part being written is held in memory."""
    offsets: list[int] = [0, 0, 0]  # index = object number; 1 and 2 are written last
    kids: list[int] = []
    attachments: list[tuple[bytes, int]] = []
    info: int | None = None
    digest = hashlib.md5(usedforsecurity=False)
    written = 0

    def emit(chunk: bytes) -> None:
        nonlocal written
        out.write(chunk)
        written += len(chunk)

    for index, (name, data) in enumerate(parts):
        part = _Part(data, name)
        if index == 0:
            emit(part.data[:part.data.index(b"\n", part.data.index(b"\n") + 1) + 1])
        digest.update(part.data[-200:])
        skipped = {part.root, part.pages, part.names} | (
            {part.info} if part.info is not None and index > 0 else set())
        base = len(offsets)
        numbers = sorted(n for n in part.offsets if n not in skipped)
        new_number = {old: base + i for i, old in enumerate(numbers)}
        new_number[part.pages] = PAGES_NUMBER

        def mapping(old: int, table: dict[int, int] = new_number, where: _Part = part) -> int:
            if old not in table:
                raise where._error(f"a reference to object {old}, which is not carried over")
            return table[old]

        for old in numbers:
            offsets.append(written)
            emit(b"%d 0 obj\n" % new_number[old])
            emit(_renumbered(part.raw(old), mapping))
            emit(b"endobj\n")
        kids.extend(mapping(kid) for kid in part.kids)
        attachments.extend((name, mapping(ref)) for name, ref in part.attachments)
        if index == 0 and part.info is not None:
            info = mapping(part.info)
    if not kids:
        raise CflError("nothing to merge", code="label_merge")
    refs = b" ".join(b"%d 0 R" % kid for kid in kids)
    offsets[PAGES_NUMBER] = written
    emit(b"%d 0 obj\n<< /Count %d /Kids [ %s ] /Type /Pages >>\nendobj\n"
         % (PAGES_NUMBER, len(kids), refs))
    names = b" ".join(b"%s %d 0 R" % (name, ref) for name, ref in attachments)
    specs = b" ".join(b"%d 0 R" % ref for _, ref in attachments)
    offsets[CATALOG_NUMBER] = written
    emit(b"%d 0 obj\n<< /AF [ %s ] /Names << /EmbeddedFiles << /Names [ %s ] >> >> "
         b"/PageMode /UseNone /Pages %d 0 R /Type /Catalog >>\nendobj\n"
         % (CATALOG_NUMBER, specs, names, PAGES_NUMBER))
    xref_at = written
    emit(b"xref\n0 %d\n0000000000 65535 f \n" % len(offsets))
    emit(b"".join(b"%010d 00000 n \n" % offset for offset in offsets[1:]))
    identifier = digest.hexdigest().encode("ascii")
    info_entry = b"" if info is None else b"/Info %d 0 R " % info
    emit(b"trailer\n<< /ID [<%s><%s>] %s/Root %d 0 R /Size %d >>\nstartxref\n%d\n%%%%EOF\n"
         % (identifier, identifier, info_entry, CATALOG_NUMBER, len(offsets), xref_at))
    return len(kids)
