"""QR symbols for claim texts, and their drawing as one vector path.

A claim text is encoded as two segments: the resolver URL in alphanumeric mode and the claim
number in numeric mode (segno's automatic mode choice would put everything in one
alphanumeric segment). Drawing emits PDF path operators directly: one ``re`` per horizontal
run of dark modules, in module units under one ``cm`` transform, filled once — a single path,
exact at any scale, and about as cheap as text.

Mask selection (evaluating eight penalty scores) is most of the cost of encoding in pure
Python; :data:`DEFAULT_MASK` fixes it (ADR 0022 and the 150 dpi decoding tests).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import segno
from segno import consts

from cfl.claim import split_claim_text
from cfl.errors import InputError

#: Error-correction levels accepted by templates.
ERROR_LEVELS = ("L", "M", "Q", "H")
DEFAULT_ERROR = "Q"
#: The fixed data mask used unless a template asks for ``mask: auto`` (ADR 0022).
DEFAULT_MASK: int | None = 2
#: Quiet zone on every side, in modules (ISO/IEC 18004 requires 4).
QUIET_ZONE = 4


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


def claim_segments(text: str) -> list[tuple[str, int]]:
    """The resolver (alphanumeric) and the claim number (numeric) as segno segments."""
    resolver, digits = split_claim_text(text)
    segments: list[tuple[str, int]] = []
    if resolver:
        segments.append((resolver, consts.MODE_ALPHANUMERIC))
    if digits:
        segments.append((digits, consts.MODE_NUMERIC))
    return segments


def encode_claim_qr(text: str, *, error: str = DEFAULT_ERROR,
                    mask: int | None = DEFAULT_MASK) -> QrSymbol:
    """Encode a claim text; ``mask=None`` lets segno evaluate all eight masks."""
    if error not in ERROR_LEVELS:
        raise InputError(f"unknown QR error-correction level {error!r}; expected one of "
                         f"{', '.join(ERROR_LEVELS)}", code="bad_qr_error")
    try:
        segments: Any = claim_segments(text)  # segno's hints omit segment lists
        code = segno.make(segments, error=error.lower(), mask=mask,
                          micro=False, boost_error=False)
    except (ValueError, segno.DataOverflowError) as exc:
        raise InputError(f"the claim text cannot be encoded as a QR code ({exc})",
                         code="qr_encode") from None
    rows = tuple(bytes(row) for row in code.matrix)
    return QrSymbol(rows=rows, version=int(code.version), error=str(code.error),
                    mask=int(code.mask))


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
    ops = [
        "q 0 g",
        f"{module:.4f} 0 0 {-module:.4f} {x + quiet_zone * module:.3f} "
        f"{y_top - quiet_zone * module:.3f} cm",
    ]
    ops.extend(f"{c} {r} {n} 1 re" for r, c, n in dark_runs(symbol.rows))
    ops.append("f Q")
    return "\n".join(ops)
