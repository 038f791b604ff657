"""A bounded look at a PDF's raw bytes before pdfium reads it (ADR 0041).

pdfium decodes whatever a PDF asks for: a 1 MB file whose embedded file or content stream
inflates to gigabytes costs gigabytes of memory before any cfl check runs. This scan runs
first, on the bytes, and needs no PDF parser:

- every stream (found by its ``stream`` keyword) is measured as a reader could take it:
  its stated ``/Length`` and the distance to the first ``endstream`` must both be within
  the per-stream bound; zlib data is inflated to its own end (a stray ``endstream`` inside
  a stored block hides nothing), ASCII85/ASCIIHex over each length a reader may take, and
  what they wrap in turn, with a bound per stream and in all — a decompression bomb is
  refused before pdfium decodes it;
- every name outside stream data (up to the first ``endstream``), and inside compressed
  object streams, is collected with its ``#xx`` escapes decoded, so a filter whose output
  the scan cannot bound (LZW, run length, the image codecs) or encryption is refused, and
  the names of active content (JavaScript, actions, forms, optional content …) are known
  to the caller.

A false alarm can only refuse a file, never let one through.
"""

from __future__ import annotations

import base64
import re
import zlib
from dataclasses import dataclass
from typing import Any

from cfl.errors import InputError

#: Most bytes one stream may hold or inflate to (a label's largest, its font, is ~50 KB;
#: a logo of 1,000 × 1,000 RGB pixels is 3 MB). pdfium turns a content stream of this size
#: made of the cheapest operator (``q``) into ~350 MB of graphics states, measured.
MAX_STREAM_DECODED_BYTES = 4 * 1024 * 1024
#: Most bytes all streams together may inflate to: this, plus four times the file size.
MAX_TOTAL_DECODED_BYTES = 32 * 1024 * 1024
#: How many encodings deep a stream may be wrapped (zlib in ASCII85, zlib in zlib …).
MAX_NESTED_LAYERS = 4
#: Most streams a PDF may hold (a label page has about three; batches share the font).
MAX_STREAMS = 250_000

#: Filters cfl never writes and whose output this scan does not bound, and encryption:
#: refused outright.
UNBOUNDED_NAMES = frozenset({
    "LZWDecode", "RunLengthDecode", "CCITTFaxDecode", "JBIG2Decode", "JPXDecode", "Crypt",
    "Encrypt",
})
#: Names that make a PDF do something when opened or clicked, or show another page on
#: paper than on screen (optional content, alternate images for printing).
ACTIVE_NAMES = frozenset({
    "JavaScript", "JS", "OpenAction", "AA", "Launch", "SubmitForm", "ImportData",
    "RichMedia", "AcroForm", "XFA", "GoToR", "GoToE", "Movie", "Sound",
    "OCProperties", "OCG", "OCMD", "Alternates",
})

_STREAM = re.compile(rb"stream")
_ENDSTREAM = b"endstream"
_WHITESPACE = b"\x00\t\n\x0c\r "
_DELIMITERS = b"()<>[]{}/%"
_NAME = re.compile(rb"/([^\x00\t\n\x0c\r ()<>\[\]{}/%]*)")
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")


@dataclass(frozen=True)
class PdfScan:
    """What the raw bytes say: every name seen outside stream data (escapes decoded)."""

    names: frozenset[str]

    @property
    def active_names(self) -> frozenset[str]:
        return self.names & ACTIVE_NAMES


def scan_pdf(data: bytes, *, source: str = "<pdf>") -> PdfScan:
    """Scan ``data`` (a PDF) within bounds; raise :class:`InputError` ``too_large`` for a
    decompression bomb (or a stream too long to be a label's) and ``pdf_unsupported`` for
    encryption or a filter whose output the scan cannot bound."""
    budget = _Budget(MAX_TOTAL_DECODED_BYTES + 4 * len(data), source)
    spans: list[tuple[int, int]] = []
    names: set[str] = set()
    for match in _STREAM.finditer(data):
        keyword = match.start()
        if keyword and data[keyword - 1] not in _WHITESPACE and \
                data[keyword - 1] not in _DELIMITERS:
            continue  # "endstream", or a longer word
        after = match.end()
        if after < len(data) and data[after] not in _WHITESPACE:
            continue
        end = data.find(_ENDSTREAM, after)
        end = len(data) if end < 0 else end
        spans.append((keyword, end))
        if len(spans) > MAX_STREAMS:
            raise InputError(f"holds more than {MAX_STREAMS} streams", source=source,
                             code="too_large")
        dictionary = _unescaped(data[_dictionary_start(data, keyword):keyword])
        declared = _declared_length(dictionary, data)
        # A reader takes the stated /Length when "endstream" follows it, else it reads up
        # to the first "endstream": both must be within the per-stream bound.
        for length in {end - after, declared or 0}:
            if length > MAX_STREAM_DECODED_BYTES + 2:
                raise _bomb(f"has a stream of more than {MAX_STREAM_DECODED_BYTES} bytes",
                            source)
        object_stream = b"/ObjStm" in dictionary
        for start in _stream_starts(data, after, end):
            stops = {end} if declared is None else {end, min(len(data), start + declared)}
            for layers in _decodings(data, start, sorted(stops), budget):
                if object_stream and layers:
                    names.update(_names(layers[-1]))  # compressed objects: object syntax
    names.update(_names(_outside(data, spans)))
    refused = sorted(names & UNBOUNDED_NAMES)
    if refused:
        what = "is encrypted" if refused[0] == "Encrypt" else f"uses /{refused[0]}"
        raise InputError(f"{what}; a cfl label uses only Flate (and ASCII) encoded streams "
                         "and no encryption", source=source, code="pdf_unsupported")
    return PdfScan(frozenset(names))


class _Budget:
    """Bytes inflated or examined so far, against the bound for the whole file."""

    def __init__(self, limit: int, source: str) -> None:
        self.limit, self.source, self.used = limit, source, 0

    def spend(self, count: int) -> None:
        self.used += count
        if self.used > self.limit:
            raise _bomb(f"inflates to more than {self.limit} bytes in all", self.source)


_A85 = re.compile(rb"[!-uz\x00\t\n\x0c\r ]*")
_HEX = re.compile(rb"[0-9A-Fa-f\x00\t\n\x0c\r ]*")
_WS = rb"[\x00\t\n\x0c\r ]"
_LENGTH = re.compile(rb"/Length(?![0-9A-Za-z])" + _WS + rb"*([0-9]+)(?:" + _WS + rb"+([0-9]+)"
                     + _WS + rb"+R)?")


def _bomb(what: str, source: str) -> InputError:
    return InputError(f"{what}; refused before reading it (a decompression bomb?)",
                      source=source, code="too_large")


def _unescaped(text: bytes) -> bytes:
    return _ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), text) if b"#" in text else text


def _declared_length(dictionary: bytes, data: bytes) -> int | None:
    """The largest /Length the dictionary states (an indirect one looked up by its object
    number), or None if it states none that can be read."""
    lengths = []
    for direct, generation in _LENGTH.findall(dictionary):
        if not generation:
            lengths.append(int(direct[:12]))
            continue
        target = re.search(rb"(?<![0-9])" + direct[:12] + rb"[\x00\t\n\x0c\r ]+"
                           + generation[:12] + rb"[\x00\t\n\x0c\r ]+obj[\x00\t\n\x0c\r ]*"
                           rb"([0-9]+)", data)
        if target is not None:
            lengths.append(int(target.group(1)[:12]))
    return max(lengths) if lengths else None


def _stream_starts(data: bytes, after: int, end: int) -> list[int]:
    """Where the stream's data may begin for a reader: after the keyword's end of line, or
    after any whitespace (readers differ on stray spaces)."""
    first = after + 2 if data[after:after + 2] == b"\r\n" else after + 1
    skipped = after
    while skipped < end and data[skipped] in _WHITESPACE:
        skipped += 1
    return [first] if skipped == first else [first, skipped]


def _decodings(data: bytes, start: int, stops: list[int], budget: _Budget
               ) -> list[list[bytes]]:
    """The layers a reader could decode from the stream at ``start``: zlib read to its own
    end (whatever a stated length or a stray ``endstream`` inside it says), or ASCII85 /
    ASCIIHex over each length a reader may take, then whatever those wrap, in turn."""
    if _looks_like_zlib(data[start:start + 2]):
        first = _inflate(memoryview(data)[start:], budget)
        return [[first, *_layers(first, budget)]] if first is not None else []
    found = []
    for stop in stops:
        budget.spend(stop - start)
        first = _ascii_layer(data, start, stop)
        if first is not None:
            found.append([first, *_layers(first, budget)])
    return found


def _layers(current: bytes, budget: _Budget) -> list[bytes]:
    layers: list[bytes] = []
    for _ in range(MAX_NESTED_LAYERS):
        if _looks_like_zlib(current):
            output = _inflate(current, budget)
        else:
            output = _ascii_layer(current, 0, len(current))
        if output is None:
            return layers
        layers.append(output)
        current = output
    raise InputError(f"has a stream encoded more than {MAX_NESTED_LAYERS} times over",
                     source=budget.source, code="pdf_unsupported")


def _inflate(raw: memoryview | bytes, budget: _Budget) -> bytes | None:
    """``raw`` inflated to the end of its zlib data, bounded. What inflated before a
    corrupt spot is counted too (a reader keeps it): the piece holding the error is fed
    again, byte by byte, to a copy of the inflater taken before it."""
    inflater = zlib.decompressobj()
    pieces: list[bytes] = []
    size = 0
    view = memoryview(raw)
    for position in range(0, len(view), _INFLATE_PIECE):
        chunk = view[position:position + _INFLATE_PIECE]
        saved = inflater.copy()
        try:
            piece = inflater.decompress(chunk, MAX_STREAM_DECODED_BYTES + 1 - size)
        except zlib.error:
            pieces.append(_until_error(saved, chunk, MAX_STREAM_DECODED_BYTES + 1 - size))
            size += len(pieces[-1])
            break
        pieces.append(piece)
        size += len(piece)
        if size > MAX_STREAM_DECODED_BYTES or inflater.unconsumed_tail:
            size = MAX_STREAM_DECODED_BYTES + 1  # stopped at the bound: there is more
            break
        if inflater.eof:
            break
    if size > MAX_STREAM_DECODED_BYTES:
        raise _bomb(f"has a stream that inflates to more than {MAX_STREAM_DECODED_BYTES} "
                    "bytes", budget.source)
    if not size:
        return None
    budget.spend(size)
    return b"".join(pieces)


def _until_error(inflater: Any, chunk: memoryview, limit: int) -> bytes:
    out = []
    for index in range(len(chunk)):
        try:
            out.append(inflater.decompress(chunk[index:index + 1], limit))
        except zlib.error:
            break
        limit -= len(out[-1])
        if limit <= 0:
            break
    return b"".join(out)


#: Input fed to zlib at a time.
_INFLATE_PIECE = 64 * 1024


def _ascii_layer(text: bytes, start: int, stop: int) -> bytes | None:
    """ASCII85 (up to ``~>``) or ASCIIHex (up to ``>``) text at ``text[start:stop]``
    decoded, or None if it is neither. Both only shrink what they decode."""
    run = _A85.match(text, start, stop)
    if run is not None and text[run.end():run.end() + 2] == b"~>" and run.end() > start:
        try:
            return base64.a85decode(text[start:run.end()], ignorechars=_WHITESPACE)
        except ValueError:
            return None
    run = _HEX.match(text, start, stop)
    if run is not None and text[run.end():run.end() + 1] == b">" and run.end() > start:
        digits = bytes(c for c in text[start:run.end()] if c not in _WHITESPACE)
        return bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode("ascii"))
    return None


def _looks_like_zlib(data: bytes | memoryview) -> bool:
    return (len(data) >= 2 and data[0] & 0x0F == 8 and data[0] >> 4 <= 7
            and (data[0] * 256 + data[1]) % 31 == 0)


def _dictionary_start(data: bytes, keyword: int) -> int:
    """Where the object holding the stream at ``keyword`` starts (after its ``obj``)."""
    window = max(0, keyword - 4096)
    found = data.rfind(b"obj", window, keyword)
    return window if found < 0 else found + 3


def _outside(data: bytes, spans: list[tuple[int, int]]) -> bytes:
    """``data`` without the stream data spans (the keyword itself is kept out too)."""
    parts = []
    position = 0
    for start, end in spans:
        if start >= position:
            parts.append(data[position:start])
            position = end
        elif end > position:
            position = end
    parts.append(data[position:])
    return b" ".join(parts)


def _names(text: bytes) -> set[str]:
    found = set()
    for raw in set(_NAME.findall(text)):
        if b"#" in raw:
            raw = _ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), raw)
        found.add(raw.decode("latin-1"))
    return found
