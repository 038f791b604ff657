"""What kind of bytes a file holds, told from its first bytes, without importing a parser.

``cfl verify`` dispatches on this (a label PDF, a photo of a QR code, a signed bundle or a QR
text), and the strict readers use it to say "this is a PDF file, not JSON". Nothing here
imports more than the standard library, so sniffing costs nothing.
"""

from __future__ import annotations

#: First bytes of binary files a user may pick by mistake → what they are.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF file"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"PK\x03\x04", "a ZIP archive (an .xlsx or .docx file is one; save it as CSV or "
                    "text first)"),
    (b"GIF8", "a GIF image"),
    (b"-----BEGIN", "a PEM file (a key or certificate)"),
)


def binary_kind(data: bytes) -> str | None:
    """``"a PDF file"``, ``"a PNG image"``, … when ``data`` starts like one, else None."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    return None


def is_pdf(data: bytes) -> bool:
    """True for bytes that start like a PDF file."""
    return data[:5] == b"%PDF-"


def is_image(data: bytes) -> bool:
    """True for the start of a PNG or JPEG image."""
    return data.startswith(b"\x89PNG\r\n\x1a\n") or data.startswith(b"\xff\xd8\xff")
