"""QR symbols for claim texts (encoded by zxing-cpp), and their drawing as one vector path.

zxing-cpp encodes in C++: it splits a claim text into the resolver in alphanumeric mode and
the claim number in numeric mode (the optimal mixed-mode segmentation, checked by the tests
against :func:`optimal_version`) and evaluates the eight data masks, in about a millisecond
(segno, pure Python, needed ~19 ms; ADR 0027). The module matrix comes back as an 8-bit
image; :class:`QrSymbol` holds it as rows of 0/1 bytes and reads the error-correction level
and the mask back from the symbol's own format information, so what is reported is what was
drawn.

Drawing emits PDF path operators directly: one ``re`` per horizontal run of dark modules, in
module units under one ``cm`` transform, filled once — a single path, exact at any scale,
and about as cheap as text.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import zxingcpp

from cfl.claim.text import split_claim_text
from cfl.errors import InputError

#: Error-correction levels accepted by templates.
ERROR_LEVELS = ("L", "M", "Q", "H")
DEFAULT_ERROR = "Q"
#: ``None``: the encoder evaluates all eight masks (ISO/IEC 18004 penalty rules). A template
#: may fix one (``mask: 0``–``7``).
DEFAULT_MASK: int | None = None
#: Quiet zone on every side, in modules (ISO/IEC 18004 requires 4).
QUIET_ZONE = 4

#: Data codewords per version 1–40 and error level (ISO/IEC 18004:2015, table 7).
DATA_CODEWORDS: dict[str, tuple[int, ...]] = {
    "L": (19, 34, 55, 80, 108, 136, 156, 194, 232, 274, 324, 370, 428, 461, 523, 589, 647,
          721, 795, 861, 932, 1006, 1094, 1174, 1276, 1370, 1468, 1531, 1631, 1735, 1843,
          1955, 2071, 2191, 2306, 2434, 2566, 2702, 2812, 2956),
    "M": (16, 28, 44, 64, 86, 108, 124, 154, 182, 216, 254, 290, 334, 365, 415, 453, 507,
          563, 627, 669, 714, 782, 860, 914, 1000, 1062, 1128, 1193, 1267, 1373, 1455, 1541,
          1631, 1725, 1812, 1914, 1992, 2102, 2216, 2334),
    "Q": (13, 22, 34, 48, 62, 76, 88, 110, 132, 154, 180, 206, 244, 261, 295, 325, 367, 397,
          445, 485, 512, 568, 614, 664, 718, 754, 808, 871, 911, 985, 1033, 1115, 1171, 1231,
          1286, 1354, 1426, 1502, 1582, 1666),
    "H": (9, 16, 26, 36, 46, 60, 66, 86, 100, 122, 140, 158, 180, 197, 223, 253, 283, 313,
          341, 385, 406, 442, 464, 514, 538, 596, 628, 661, 701, 745, 793, 845, 901, 961, 986,
          1054, 1096, 1142, 1222, 1276),
}
#: Format-information level bits (ISO/IEC 18004 table 12).
_LEVEL_BY_BITS = {0b01: "L", 0b00: "M", 0b11: "Q", 0b10: "H"}
_ALPHANUMERIC = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
_QR: Any = zxingcpp.BarcodeFormat.QRCode


@dataclass(frozen=True)
class QrSymbol:
    """A QR symbol: its rows (one byte per module, 1 = dark) and parameters."""

    rows: tuple[bytes, ...]
    version: int
    error: str
    mask: int

    @property
    def size(self) -> int:
        """Modules per side, without the quiet zone."""
        return len(self.rows)


def claim_segment_bits(text: str, version: int) -> int:
    """Bits of ``text`` as the two segments a claim text needs (resolver alphanumeric, number
    numeric) in a symbol of ``version``, without the terminator."""
    resolver, digits = split_claim_text(text)
    if any(ch not in _ALPHANUMERIC for ch in resolver) or not digits.isdigit():
        raise InputError("not a claim text (resolver URL + decimal number)",
                         code="bad_claim_text")
    band = 0 if version <= 9 else (1 if version <= 26 else 2)
    bits = 0
    if resolver:
        bits += 4 + (9, 11, 13)[band] + 11 * (len(resolver) // 2) + 6 * (len(resolver) % 2)
    bits += 4 + (10, 12, 14)[band] + 10 * (len(digits) // 3) + (0, 4, 7)[len(digits) % 3]
    return bits


def optimal_version(text: str, error: str = DEFAULT_ERROR) -> int:
    """The smallest QR version that holds a claim text as its two segments at ``error``."""
    for version, codewords in enumerate(DATA_CODEWORDS[error], start=1):
        if claim_segment_bits(text, version) <= codewords * 8:
            return version
    raise InputError("the claim text does not fit in a QR code", code="qr_encode")


def encode_claim_qr(text: str, *, error: str = DEFAULT_ERROR,
                    mask: int | None = DEFAULT_MASK) -> QrSymbol:
    """Encode a claim text with zxing-cpp; ``mask=None`` lets it choose the best mask."""
    if error not in ERROR_LEVELS:
        raise InputError(f"unknown QR error-correction level {error!r}; expected one of "
                         f"{', '.join(ERROR_LEVELS)}", code="bad_qr_error")
    if mask is not None and not 0 <= mask <= 7:
        raise InputError(f"QR mask {mask} is not between 0 and 7", code="bad_qr_mask")
    options: dict[str, Any] = {"ec_level": error}
    if mask is not None:
        options["data_mask"] = mask
    try:
        barcode = zxingcpp.create_barcode(text, _QR, **options)
        image = barcode.to_image(scale=1, add_quiet_zones=False)
    except (ValueError, RuntimeError) as exc:
        raise InputError(f"the claim text cannot be encoded as a QR code ({exc})",
                         code="qr_encode") from None
    data = bytes(memoryview(image))  # type: ignore[arg-type]  # Image is a buffer
    side = image.shape[0]
    # zxing-cpp draws dark modules as 0 and light as 255; rows hold 1 for dark.
    table = bytes.maketrans(b"\x00\xff", b"\x01\x00")
    flat = data.translate(table)
    rows = tuple(flat[i:i + side] for i in range(0, side * side, side))
    level, used_mask = read_format_information(rows)
    return QrSymbol(rows=rows, version=(side - 17) // 4, error=level, mask=used_mask)


def read_format_information(rows: tuple[bytes, ...]) -> tuple[str, int]:
    """(error level, mask) from a symbol's first copy of its format information."""
    bits = [rows[8][c] for c in (0, 1, 2, 3, 4, 5, 7, 8)] + [rows[r][8] for r in
                                                           (7, 5, 4, 3, 2, 1, 0)]
    value = 0
    for bit in bits:
        value = (value << 1) | bit
    value ^= 0b101010000010010
    return _LEVEL_BY_BITS[value >> 13], (value >> 10) & 0b111


def dark_runs(rows: tuple[bytes, ...]) -> Iterator[tuple[int, int, int]]:
    """(row, first column, length) of every horizontal run of dark modules."""
    for r, row in enumerate(rows):
        start = row.find(1)
        while start >= 0:
            end = row.find(0, start)
            if end < 0:
                end = len(row)
            yield r, start, end - start
            start = row.find(1, end)


def path_operators(symbol: QrSymbol, *, x: float, y_top: float, module: float,
                   quiet_zone: int = QUIET_ZONE) -> str:
    """PDF content-stream operators drawing ``symbol`` with its top-left quiet-zone corner
    at (``x``, ``y_top``) in points (PDF y grows upwards), ``module`` points per module.

    Runs are written in module units (integers) under one transform, so the text is short
    and the shapes are exact; everything is filled as one path in black.
    """
    head = (f"q 0 g\n{module:.4f} 0 0 {-module:.4f} {x + quiet_zone * module:.3f} "
            f"{y_top - quiet_zone * module:.3f} cm\n")
    rows, columns, lengths = _run_arrays(symbol.rows)
    # one %-format over all runs (C speed): "column row length 1 re" per run
    body = ("%d %d %d 1 re\n" * len(rows)) % tuple(
        np.column_stack((columns, rows, lengths)).ravel().tolist())
    return head + body + "f Q"


def _run_arrays(rows: tuple[bytes, ...]) -> tuple[Any, Any, Any]:
    """Row, first column and length of every dark run (the same as :func:`dark_runs`, in
    NumPy: a QR path has about a thousand runs)."""
    side = len(rows)
    padded = np.zeros((side, side + 2), dtype=np.int8)
    padded[:, 1:-1] = np.frombuffer(b"".join(rows), dtype=np.uint8).reshape(side, side)
    steps = np.diff(padded, axis=1)
    start_rows, start_columns = np.nonzero(steps == 1)
    _, end_columns = np.nonzero(steps == -1)
    return start_rows, start_columns, end_columns - start_columns
