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

The scan's own work is bounded too, not only what it inflates (ADR 0121): the budget counts
the bytes fed to zlib and examined as ASCII as well as the bytes they give; a corrupt zlib
stream is cut where it breaks in a few dozen calls, never fed byte by byte; a file holds at
most one stream per KiB (beyond the first 256); indirect lengths are looked up in one index
built once; escapes and ASCII85 are decoded by numpy, not a Python call per character.

Images are bounded before pdfium decodes any (ADR 0138): pdfium allocates an image at the
size its dictionary or its JPEG frame header states, wherever it is drawn from — a page, a
form, a tiling pattern's cell, a Type3 glyph, or as another image's soft mask (/SMask). The
scan counts every image stream of the file (any stream dictionary with /Width and /Height,
counted as the sum of the widths times the largest height, so a dictionary split by a
crafted string cannot hide one), every inline image (``BI … ID``) in a decoded content
stream, and the frame size of every JPEG (read from its SOF marker, not from /Width and
/Height), and refuses a file whose images hold more than :data:`MAX_IMAGE_PIXELS` pixels.

A false alarm can only refuse a file, never let one through.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from cfl.errors import InputError

#: Most bytes one stream may hold or inflate to (a label's largest, its font, is ~50 KB;
#: a logo of 1,000 × 1,000 RGB pixels is 3 MB). pdfium turns a content stream of this size
#: made of the cheapest operator (``q``) into ~350 MB of graphics states, measured.
MAX_STREAM_DECODED_BYTES = 4 * 1024 * 1024
#: The scan's work budget for a whole file: bytes inflated, fed to zlib and examined as
#: ASCII, all streams together: this, plus :data:`WORK_PER_FILE_BYTE` per byte of the file.
#: A label batch uses about 4.1 per byte (3.2 inflated, 0.9 read), a single label less.
MAX_TOTAL_DECODED_BYTES = 32 * 1024 * 1024
WORK_PER_FILE_BYTE = 8
#: How many encodings deep a stream may be wrapped (zlib in ASCII85, zlib in zlib …).
MAX_NESTED_LAYERS = 4
#: Most streams a PDF may hold (a label page has about three; batches share the font).
MAX_STREAMS = 250_000
#: Streams a PDF may hold besides: one per this many bytes of the file. cfl's labels hold one
#: per 3.3 KB (a batch) to 7 KB (one label); a file packed with tiny streams costs ~13 µs a
#: stream to scan, so density, not only the count, is bounded.
BYTES_PER_STREAM = 1024
STREAMS_FREE = 256
#: Most image pixels a PDF may hold in all (images, soft masks, inline images, JPEG frames):
#: pdfium decodes each at full size whatever it is drawn at. A label's logo of 1,000 ×
#: 1,000 pixels with its soft mask counts 2 million.
MAX_IMAGE_PIXELS = 40_000_000
#: What the frame header of a JPEG says when its height is 0 (defined later by a DNL
#: marker): counted as the largest height a JPEG can have.
JPEG_MAX_SIDE = 65_535
#: Budget charged for each JPEG segment walked to its frame header (a crafted JPEG of
#: 4-byte segments must not cost a Python step per 4 bytes unbounded).
JPEG_SEGMENT_COST = 1024

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
_ESCAPE = re.compile(rb"#[0-9A-Fa-f]{2}")
_NAME = re.compile(rb"/([^\x00\t\n\x0c\r ()<>\[\]{}/%]*)")


@dataclass(frozen=True)
class PdfScan:
    """What the raw bytes say: every name seen outside stream data (escapes decoded), and
    the image pixels the file can make pdfium decode (:data:`MAX_IMAGE_PIXELS` at most)."""

    names: frozenset[str]
    image_pixels: int = 0

    @property
    def active_names(self) -> frozenset[str]:
        return self.names & ACTIVE_NAMES


def scan_pdf(data: bytes, *, source: str = "<pdf>") -> PdfScan:
    """Scan ``data`` (a PDF) within bounds; raise :class:`InputError` ``too_large`` for a
    decompression bomb (or a stream too long to be a label's) and ``pdf_unsupported`` for
    encryption or a filter whose output the scan cannot bound."""
    budget = _Budget(MAX_TOTAL_DECODED_BYTES + WORK_PER_FILE_BYTE * len(data), source)
    spans: list[tuple[int, int]] = []
    names: set[str] = set()
    most = min(MAX_STREAMS, STREAMS_FREE + len(data) // BYTES_PER_STREAM)
    lengths = _IndirectLengths(data, budget)
    pixels = _Pixels(source)
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
        if len(spans) > most:
            raise InputError(f"holds more than {most} streams (at most {MAX_STREAMS}, and one "
                             f"per {BYTES_PER_STREAM} bytes beyond the first {STREAMS_FREE})",
                             source=source, code="too_large")
        window = data[_dictionary_start(data, keyword):keyword]
        budget.spend(len(window) + ESCAPE_COST * window.count(b"#"))
        dictionary = _unescaped(window)
        declared = _declared_length(dictionary, lengths)
        # A reader takes the stated /Length when "endstream" follows it, else it reads up
        # to the first "endstream": both must be within the per-stream bound.
        for length in {end - after, declared or 0}:
            if length > MAX_STREAM_DECODED_BYTES + 2:
                raise _bomb(f"has a stream of more than {MAX_STREAM_DECODED_BYTES} bytes",
                            source)
        object_stream = b"/ObjStm" in dictionary
        for start in _stream_starts(data, after, end):
            stops = {end} if declared is None else {end, min(len(data), start + declared)}
            decodings = _decodings(data, start, sorted(stops), budget)
            for layers in decodings:
                if object_stream and layers:
                    names.update(_names(layers[-1], budget))  # compressed objects
                for layer in layers:
                    pixels.add(_content_pixels(layer, 0, len(layer), budget))
            if not decodings:  # the data as it is: a JPEG, or an unencoded content stream
                pixels.add(_content_pixels(data, start, max(sorted(stops)), budget))
    outside = _outside(data, spans)
    names.update(_names(outside, budget))
    pixels.add(_dictionary_pixels(outside, lengths, budget))
    refused = sorted(names & UNBOUNDED_NAMES)
    if refused:
        what = "is encrypted" if refused[0] == "Encrypt" else f"uses /{refused[0]}"
        raise InputError(f"{what}; a cfl label uses only Flate (and ASCII) encoded streams "
                         "and no encryption", source=source, code="pdf_unsupported")
    return PdfScan(frozenset(names), pixels.total)



class _Budget:
    """Bytes inflated, fed to zlib or examined so far, against the bound for the whole
    file: the scan's work, not only its output."""

    def __init__(self, limit: int, source: str) -> None:
        self.limit, self.source, self.used = limit, source, 0

    def spend(self, count: int) -> None:
        self.used += count
        if self.used > self.limit:
            raise _bomb(f"takes more than {self.limit} bytes of decoding in all (inflated, "
                        "read by zlib or examined as ASCII)", self.source)


_A85 = re.compile(rb"[!-uz\x00\t\n\x0c\r ]*")
_HEX = re.compile(rb"[0-9A-Fa-f\x00\t\n\x0c\r ]*")
_WS = rb"[\x00\t\n\x0c\r ]"
_LENGTH = re.compile(rb"/Length(?![0-9A-Za-z])" + _WS + rb"*([0-9]+)(?:" + _WS + rb"+([0-9]+)"
                     + _WS + rb"+R)?")
_REFERENCE = re.compile(rb"/(?:Length|Width|Height)(?![0-9A-Za-z])" + _WS + rb"*([0-9]+)" + _WS
                        + rb"+([0-9]+)" + _WS + rb"+R")


def _bomb(what: str, source: str) -> InputError:
    return InputError(f"{what}; refused before reading it (a decompression bomb?)",
                      source=source, code="too_large")


def _unescaped(text: bytes) -> bytes:
    """``text`` with its ``#xx`` name escapes decoded (numpy: no Python call per escape)."""
    return _unescape_runs([text])[0] if _ESCAPE.search(text) else text


_HEX_VALUE = np.full(256, 255, dtype=np.uint8)
for _digit in b"0123456789":
    _HEX_VALUE[_digit] = _digit - 48
for _digit in b"abcdef":
    _HEX_VALUE[_digit] = _HEX_VALUE[_digit - 32] = _digit - 87


def _unescape_runs(texts: list[bytes]) -> list[bytes]:
    """Each of ``texts`` with its ``#xx`` escapes decoded, in one numpy pass over them all.

    Escapes never overlap (a hex digit is never ``#``), so every ``#`` followed by two hex
    digits is one, as a left-to-right reader finds them. A NUL joins the texts: not a hex
    digit, so no escape spans two of them."""
    joined = b"\x00".join(texts)
    codes = np.frombuffer(joined, dtype=np.uint8)
    if len(codes) < 3:
        return texts
    starts = np.flatnonzero(codes[:-2] == 0x23)
    valid = (_HEX_VALUE[codes[starts + 1]] != 255) & (_HEX_VALUE[codes[starts + 2]] != 255)
    escapes = starts[valid]
    if not len(escapes):
        return texts
    out = codes.copy()
    out[escapes] = _HEX_VALUE[codes[escapes + 1]] * 16 + _HEX_VALUE[codes[escapes + 2]]
    keep = np.ones(len(codes), dtype=bool)
    keep[escapes + 1] = False
    keep[escapes + 2] = False
    decoded = out[keep].tobytes()
    bounds = np.cumsum([0] + [len(text) + 1 for text in texts])
    # how many positions were removed before each bound (both digits of every escape)
    removed = (np.searchsorted(escapes + 1, bounds) + np.searchsorted(escapes + 2, bounds))
    return [decoded[int(bounds[i] - removed[i]):int(bounds[i + 1] - 1 - removed[i + 1])]
            for i in range(len(texts))]


_OBJ = re.compile(rb"obj")
_BEFORE_OBJ = re.compile(rb"(?<![0-9])([0-9]{1,12})" + _WS + rb"+([0-9]{1,12})" + _WS + rb"+\Z")
_AFTER_OBJ = re.compile(_WS + rb"*([0-9]+)")
#: Budget charged for each ``obj`` keyword examined when indirect lengths are looked up
#: (cfl's labels have none: only other writers' PDFs pay it), and for each ``#`` of a name
#: escape decoded: what a few microseconds of Python cost, in bytes of zlib work.
OBJECT_COST = 4096
ESCAPE_COST = 1024


class _IndirectLengths:
    """The first integer each ``N G obj`` holds, for the indirect /Length references of a
    file. One pass over the file's ``obj`` keywords (each charged to the budget) keeps the
    objects the file's /Length references name; a reference the pass did not know (an
    escaped name) makes one more pass."""

    def __init__(self, data: bytes, budget: _Budget) -> None:
        self.data, self.budget = data, budget
        self.wanted: set[tuple[bytes, bytes]] | None = None
        self.index: dict[tuple[bytes, bytes], int] = {}

    def value(self, number: bytes, generation: bytes) -> int | None:
        key = (number[:12], generation[:12])
        if self.wanted is None or key not in self.wanted:
            self.wanted = (self.wanted or {(n[:12], g[:12]) for n, g in
                                           _REFERENCE.findall(self.data)}) | {key}
            self._index()
        return self.index.get(key)

    def _index(self) -> None:
        assert self.wanted is not None
        data, self.index = self.data, {}
        for match in _OBJ.finditer(data):
            self.budget.spend(OBJECT_COST)
            head = _BEFORE_OBJ.search(data, max(0, match.start() - 32), match.start())
            if head is None:
                continue
            key = (head.group(1), head.group(2))
            if key in self.wanted and key not in self.index:
                value = _AFTER_OBJ.match(data, match.end())
                if value is not None:
                    self.index[key] = int(value.group(1)[:12])


def _declared_length(dictionary: bytes, lengths: _IndirectLengths) -> int | None:
    """The largest /Length the dictionary states (an indirect one looked up by its object
    number), or None if it states none that can be read."""
    found = []
    for direct, generation in _LENGTH.findall(dictionary):
        if not generation:
            found.append(int(direct[:12]))
            continue
        target = lengths.value(direct, generation)
        if target is not None:
            found.append(target)
    return max(found) if found else None


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
        first = _ascii_layer(data, start, stop, budget)
        if first is not None:
            found.append([first, *_layers(first, budget)])
    return found


def _layers(current: bytes, budget: _Budget) -> list[bytes]:
    layers: list[bytes] = []
    for _ in range(MAX_NESTED_LAYERS):
        if _looks_like_zlib(current):
            output = _inflate(current, budget)
        else:
            output = _ascii_layer(current, 0, len(current), budget)
        if output is None:
            return layers
        layers.append(output)
        current = output
    raise InputError(f"has a stream encoded more than {MAX_NESTED_LAYERS} times over",
                     source=budget.source, code="pdf_unsupported")


def _inflate(raw: memoryview | bytes, budget: _Budget) -> bytes | None:
    """``raw`` inflated to the end of its zlib data, bounded in what it gives and in what
    it reads (both count against the budget). What inflated before a corrupt spot is
    counted too (a reader keeps it): the piece holding the error is cut in halves until the
    spot is found (:func:`_until_error`), a few dozen zlib calls whatever the piece."""
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
            piece = _until_error(saved, chunk, MAX_STREAM_DECODED_BYTES + 1 - size, budget)
            pieces.append(piece)
            size += len(piece)
            break
        budget.spend(len(chunk) - len(inflater.unconsumed_tail)
                     - (len(inflater.unused_data) if inflater.eof else 0))
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


def _until_error(inflater: Any, chunk: memoryview, limit: int, budget: _Budget) -> bytes:
    """What ``inflater`` (taken before ``chunk``) gives from ``chunk`` up to its corrupt spot.

    Each round feeds half of what is left to a copy: if the half breaks, the spot is in it
    and the rest is dropped; if not, its output is kept and the other half is next. The
    rounds are at most log2 of the piece (17 for 64 KiB), never one per byte."""
    out = []
    while len(chunk) and limit > 0:
        half = (len(chunk) + 1) // 2
        trial = inflater.copy()
        budget.spend(half)
        try:
            piece = trial.decompress(chunk[:half], limit)
        except zlib.error:
            if half == len(chunk):
                break  # this byte is the corrupt spot
            chunk = chunk[:half]
            continue
        out.append(piece)
        limit -= len(piece)
        inflater = trial
        if trial.eof or trial.unconsumed_tail:
            break
        chunk = chunk[half:]
    return b"".join(out)


#: Input fed to zlib at a time.
_INFLATE_PIECE = 64 * 1024
#: ASCII85 digit weights, most significant first.
_A85_WEIGHTS = np.array([85**4, 85**3, 85**2, 85, 1], dtype=np.uint64)


def _ascii_layer(text: bytes, start: int, stop: int, budget: _Budget) -> bytes | None:
    """ASCII85 (up to ``~>``) or ASCIIHex (up to ``>``) text at ``text[start:stop]``
    decoded, or None if it is neither. What they give counts against the budget (ASCII85's
    ``z`` gives four bytes for one)."""
    run = _A85.match(text, start, stop)
    if run is not None and text[run.end():run.end() + 2] == b"~>" and run.end() > start:
        decoded = _a85decode(text[start:run.end()].translate(None, _WHITESPACE))
    else:
        run = _HEX.match(text, start, stop)
        budget.spend(run.end() - start if run is not None else 0)
        if run is None or text[run.end():run.end() + 1] != b">" or run.end() == start:
            return None
        digits = text[start:run.end()].translate(None, _WHITESPACE)
        decoded = bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode("ascii"))
    if decoded is not None:
        if len(decoded) > MAX_STREAM_DECODED_BYTES:
            raise _bomb(f"has a stream that decodes to more than {MAX_STREAM_DECODED_BYTES} "
                        "bytes", budget.source)
        budget.spend(len(decoded))
    return decoded


def _a85decode(body: bytes) -> bytes | None:
    """ASCII85 digits (no whitespace) decoded as :func:`base64.a85decode` does, or None where
    it refuses them (``z`` inside a group, a group beyond 2**32 - 1); numpy does the work."""
    codes = np.frombuffer(body, dtype=np.uint8)
    zeds = np.flatnonzero(codes == 0x7A)
    if len(zeds):  # "z" stands for a whole group of zeros: only between groups
        if np.any((zeds - np.arange(len(zeds))) % 5):
            return None
        body = body.replace(b"z", b"!!!!!")
    padding = -len(body) % 5  # a short last group is padded with "u", and as many bytes go
    digits = np.frombuffer(body + b"u" * padding, dtype=np.uint8).astype(np.uint64) - 33
    values = digits.reshape(-1, 5) @ _A85_WEIGHTS
    if np.any(values > 0xFFFFFFFF):
        return None
    decoded = values.astype(">u4").tobytes()
    return decoded[:len(decoded) - padding] if padding else decoded


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


def _names(text: bytes, budget: _Budget) -> set[str]:
    raws = set(_NAME.findall(text))
    escaped = [raw for raw in raws if b"#" in raw]
    budget.spend(ESCAPE_COST * sum(raw.count(b"#") for raw in escaped))
    return {raw.decode("latin-1") for raw in (raws - set(escaped))} | {
        raw.decode("latin-1") for raw in _unescape_runs(escaped)}


class _Pixels:
    """Image pixels counted so far, against :data:`MAX_IMAGE_PIXELS`."""

    def __init__(self, source: str) -> None:
        self.source, self.total = source, 0

    def add(self, count: int) -> None:
        self.total += count
        if self.total > MAX_IMAGE_PIXELS:
            raise InputError(f"holds images of more than {MAX_IMAGE_PIXELS} pixels in all "
                             "(images, soft masks, patterns, glyphs and JPEG frames counted "
                             "before any is decoded)", source=self.source, code="too_large")


_WIDTH = re.compile(rb"/Width(?![0-9A-Za-z])" + _WS + rb"*([0-9]+)(?:" + _WS + rb"+([0-9]+)"
                    + _WS + rb"+R)?")
_HEIGHT = re.compile(rb"/Height(?![0-9A-Za-z])" + _WS + rb"*([0-9]+)(?:" + _WS
                     + rb"+([0-9]+)" + _WS + rb"+R)?")


def _dictionary_pixels(outside: bytes, lengths: _IndirectLengths, budget: _Budget) -> int:
    """The pixels the file's image dictionaries state, at most: the sum of every /Width
    times the largest /Height (each image is counted, whichever dictionary a value is in,
    and an indirect value is looked up)."""
    text = _unescaped(outside) if b"#" in outside else outside

    def values(pattern: re.Pattern[bytes]) -> list[int]:
        found = []
        for direct, generation in pattern.findall(text):
            value = int(direct[:12]) if not generation else lengths.value(direct, generation)
            # a value the scan cannot find (inside an object stream) counts as the largest
            found.append(JPEG_MAX_SIDE if value is None else value)
        budget.spend(ESCAPE_COST * len(found))
        return found

    widths, heights = values(_WIDTH), values(_HEIGHT)
    if not widths or not heights:
        return 0
    return sum(widths) * max(heights)


#: An inline image's operators: ``BI`` (its dictionary follows) and ``ID`` (its data).
_BEGIN_INLINE = re.compile(rb"BI(?=[\x00\t\n\x0c\r /])")
_INLINE_DATA = re.compile(rb"ID(?=[\x00\t\n\x0c\r ])")
_INLINE_W = re.compile(rb"/W(?:idth)?(?![0-9A-Za-z])" + _WS + rb"*([0-9]+)")
_INLINE_H = re.compile(rb"/H(?:eight)?(?![0-9A-Za-z])" + _WS + rb"*([0-9]+)")
_JPEG_START = b"\xff\xd8\xff"
_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _content_pixels(data: bytes, start: int, stop: int, budget: _Budget) -> int:
    """The pixels of what ``data[start:stop]`` holds: a JPEG's frame, or the inline images
    of a content stream (with the frame of each inline JPEG)."""
    if data.startswith(_JPEG_START, start):
        return _jpeg_pixels(data, start, stop, budget)
    total, position = 0, start
    # one pass: each BI is paired with the next ID after it, and the search goes on after
    # that ID, so every byte is looked at once whatever the stream holds
    while (begin := _BEGIN_INLINE.search(data, position, stop)) is not None:
        position = begin.end()
        budget.spend(OBJECT_COST)  # every candidate costs a few regular expressions
        if begin.start() > start and data[begin.start() - 1] not in _WHITESPACE + _DELIMITERS:
            continue  # part of a longer word
        found = _INLINE_DATA.search(data, position, stop)
        while found is not None and data[found.start() - 1] not in _WHITESPACE:
            budget.spend(ESCAPE_COST)
            found = _INLINE_DATA.search(data, found.start() + 1, stop)
        if found is None:
            break
        head = data[position:found.start()]
        position = found.end()
        widths, heights = _INLINE_W.findall(head), _INLINE_H.findall(head)
        if widths and heights:
            total += max(int(w[:12]) for w in widths) * max(int(h[:12]) for h in heights)
        if data.startswith(_JPEG_START, position + 1):
            total += _jpeg_pixels(data, position + 1, stop, budget)
    return total


def _jpeg_pixels(data: bytes, start: int, stop: int, budget: _Budget) -> int:
    """Width times height of the JPEG at ``data[start:stop]`` as its first frame header
    (SOF) states them, walking its segments as libjpeg does (stray bytes skipped to the next
    marker); 0 if it has none before its scan (libjpeg refuses it then)."""
    position = start + 2
    while position < stop:
        budget.spend(JPEG_SEGMENT_COST)
        position = data.find(b"\xff", position, stop)
        if position < 0:
            return 0
        while position < stop and data[position] == 0xFF:
            position += 1
        if position >= stop:
            return 0
        marker = data[position]
        position += 1
        if marker in (0x00, 0x01, 0xD8) or 0xD0 <= marker <= 0xD7:
            continue  # stuffing, TEM, SOI, RSTn: no segment follows
        if marker in (0xD9, 0xDA) or position + 2 > stop:
            return 0  # the end, or a scan before any frame header
        if marker in _SOF_MARKERS:
            if position + 7 > stop:
                return 0
            height = int.from_bytes(data[position + 3:position + 5], "big") or JPEG_MAX_SIDE
            width = int.from_bytes(data[position + 5:position + 7], "big")
            return width * height
        length = int.from_bytes(data[position:position + 2], "big")
        if length < 2:
            return 0
        position += length
    return 0
