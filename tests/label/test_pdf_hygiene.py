"""Images are bounded before pdfium decodes any, wherever they are drawn from (soft masks,
tiling patterns, Type3 glyphs, forms, JPEG frames larger than their dictionaries say), and
whatever pdfium raises while a label is read back is a FAILED ``bad_pdf`` row.

Every PDF here is written byte by byte in the test: one crafted object each, the smallest
file that makes pdfium allocate more than the bound.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from label_world import label_pdf
from signing_world import AT, world

from cfl.errors import InputError
from cfl.label import readback
from cfl.label.pdfscan import MAX_IMAGE_PIXELS, scan_pdf
from cfl.report.model import Status
from cfl.verification.label_check import verify_label

#: More pixels than the bound in one image: 8,000 × 8,000 = 64 million.
SIDE = 8000


def _pdf(objects: list[bytes]) -> bytes:
    """A PDF of ``objects`` (object 1 the catalog) with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def _stream(dictionary: bytes, data: bytes) -> bytes:
    return b"<< " + dictionary + b" /Length %d >>\nstream\n" % len(data) + data + \
        b"\nendstream"


def _page(content: bytes, resources: bytes, *extra: bytes) -> bytes:
    """A one-page PDF drawing ``content`` with ``resources``; ``extra`` are objects 5 on."""
    return _pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R"
        b" /Resources << " + resources + b" >> >>",
        _stream(b"/Filter /FlateDecode", zlib.compress(content)),
        *extra,
    ])


def _image(width: int, height: int, extra: bytes = b"") -> bytes:
    """A grey image XObject stating ``width`` × ``height`` (its data is a few bytes: pdfium
    allocates the stated size whatever the data holds)."""
    return _stream(b"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace "
                   b"/DeviceGray /BitsPerComponent 8 /Filter /FlateDecode " % (width, height)
                   + extra, zlib.compress(b"\x80" * 64))


def _jpeg(width: int, height: int, *, padding: bytes = b"") -> bytes:
    """The head of a baseline JPEG whose frame header (SOF0) states ``width`` × ``height``:
    SOI, an APP0 segment (and ``padding`` before the frame header), SOF0, EOI."""
    app0 = b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = (b"\xff\xc0\x00\x0b\x08" + height.to_bytes(2, "big") + width.to_bytes(2, "big")
            + b"\x01\x01\x11\x00")
    return b"\xff\xd8" + app0 + padding + sof0 + b"\xff\xd9"


INLINE_IMAGE = b"BI /W %d /H %d /CS /G /BPC 8 ID \x80\x80\x80\x80 EI" % (SIDE, SIDE)

#: name -> a PDF whose only large image is drawn the way the name says.
ATTACKS: dict[str, Callable[[], bytes]] = {
    # a 10 × 10 image on the page whose soft mask is 8,000 × 8,000
    "soft mask": lambda: _page(b"q 100 0 0 100 0 0 cm /Im1 Do Q",
                               b"/XObject << /Im1 5 0 R >>",
                               _image(10, 10, b"/SMask 6 0 R"), _image(SIDE, SIDE)),
    # the image is drawn only as the cell of a tiling pattern that fills the page
    "tiling pattern": lambda: _page(
        b"/Pattern cs /P1 scn 0 0 200 200 re f", b"/Pattern << /P1 5 0 R >>",
        _stream(b"/Type /Pattern /PatternType 1 /PaintType 1 /TilingType 1 "
                b"/BBox [0 0 10 10] /XStep 10 /YStep 10 "
                b"/Resources << /XObject << /Im1 6 0 R >> >>",
                b"q 10 0 0 10 0 0 cm /Im1 Do Q"),
        _image(SIDE, SIDE)),
    # the image is inline in a Type3 glyph's procedure
    "Type3 glyph": lambda: _page(
        b"BT /F1 12 Tf 10 10 Td (a) Tj ET", b"/Font << /F1 5 0 R >>",
        b"<< /Type /Font /Subtype /Type3 /FontBBox [0 0 1 1] /FontMatrix [1 0 0 1 0 0] "
        b"/CharProcs << /a 6 0 R >> /Encoding << /Differences [97 /a] >> /FirstChar 97 "
        b"/LastChar 97 /Widths [1] /Resources << >> >>",
        _stream(b"", b"1 0 0 0 1 1 d1 q 1 0 0 1 0 0 cm " + INLINE_IMAGE + b" Q")),
    # the image is inline in a form XObject the page draws
    "form XObject": lambda: _page(
        b"/Fm1 Do", b"/XObject << /Fm1 5 0 R >>",
        _stream(b"/Type /XObject /Subtype /Form /BBox [0 0 200 200] /Filter /FlateDecode",
                zlib.compress(b"q 200 0 0 200 0 0 cm " + INLINE_IMAGE + b" Q"))),
    # the dictionary says 10 × 10; the JPEG's frame header, which pdfium decodes by, says more
    "JPEG frame": lambda: _page(
        b"q 100 0 0 100 0 0 cm /Im1 Do Q", b"/XObject << /Im1 5 0 R >>",
        _stream(b"/Type /XObject /Subtype /Image /Width 10 /Height 10 /ColorSpace "
                b"/DeviceGray /BitsPerComponent 8 /Filter /DCTDecode",
                _jpeg(SIDE, SIDE))),
    # the same JPEG wrapped in Flate, with stray bytes before its frame header
    "JPEG frame in Flate": lambda: _page(
        b"q 100 0 0 100 0 0 cm /Im1 Do Q", b"/XObject << /Im1 5 0 R >>",
        _stream(b"/Type /XObject /Subtype /Image /Width 10 /Height 10 /ColorSpace "
                b"/DeviceGray /BitsPerComponent 8 /Filter [/FlateDecode /DCTDecode]",
                zlib.compress(_jpeg(SIDE, SIDE, padding=b"\x00\x01garbage")))),
    # a JPEG whose height is left to a DNL marker counts as the tallest a JPEG can be
    "JPEG of height 0": lambda: _page(
        b"q 100 0 0 100 0 0 cm /Im1 Do Q", b"/XObject << /Im1 5 0 R >>",
        _stream(b"/Type /XObject /Subtype /Image /Width 10 /Height 10 /ColorSpace "
                b"/DeviceGray /BitsPerComponent 8 /Filter /DCTDecode", _jpeg(1000, 0))),
    # a string holding "obj" between the dictionary's start and its size
    "size before a string that says obj": lambda: _page(
        b"q 100 0 0 100 0 0 cm /Im1 Do Q", b"/XObject << /Im1 5 0 R >>",
        _stream(b"/Type /XObject /Subtype /Image /Width %d /Height %d /Note (obj) "
                b"/ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode"
                % (SIDE, SIDE), zlib.compress(b"\x80" * 64))),
    # the width is an indirect object the scan cannot find (it could sit in an object stream)
    "width in an unreadable object": lambda: _page(
        b"q 100 0 0 100 0 0 cm /Im1 Do Q", b"/XObject << /Im1 5 0 R >>",
        _stream(b"/Type /XObject /Subtype /Image /Width 9 0 R /Height 1000 /ColorSpace "
                b"/DeviceGray /BitsPerComponent 8 /Filter /FlateDecode",
                zlib.compress(b"\x80" * 64))),
}


@pytest.mark.parametrize("attack", list(ATTACKS), ids=list(ATTACKS))
def test_images_pdfium_would_decode_are_counted_before_it_reads_the_file(attack: str) -> None:
    pdf = ATTACKS[attack]()
    with pytest.raises(InputError) as info:
        scan_pdf(pdf, source="hostile.pdf")
    assert info.value.code == "too_large" and "pixels" in info.value.message


@pytest.mark.parametrize("attack", list(ATTACKS), ids=list(ATTACKS))
def test_a_label_with_such_an_image_is_a_failed_row_before_any_rendering(
        attack: str, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[Any] = []
    real = pdfium.PdfDocument
    monkeypatch.setattr(readback.pdfium, "PdfDocument",
                        lambda *args: opened.append(args) or real(*args))
    report = verify_label(ATTACKS[attack](), world().context(), at=AT, source="hostile.pdf")
    assert [(row.code, row.status) for row in report.rows] == [("too_large", Status.FAILED)]
    assert not opened  # pdfium never saw the file


def _label() -> bytes:
    return label_pdf("standard")


def test_an_honest_label_and_a_modest_image_stay_within_the_bound() -> None:
    assert scan_pdf(_label()).image_pixels == 0
    modest = _page(b"q 100 0 0 100 0 0 cm /Im1 Do Q", b"/XObject << /Im1 5 0 R >>",
                   _image(1000, 1000, b"/SMask 6 0 R"), _image(1000, 1000))
    assert scan_pdf(modest).image_pixels == 2 * 1000 * 1000 <= MAX_IMAGE_PIXELS
    jpeg = _page(b"q 100 0 0 100 0 0 cm /Im1 Do Q", b"/XObject << /Im1 5 0 R >>",
                 _stream(b"/Type /XObject /Subtype /Image /Width 640 /Height 480 "
                         b"/ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode",
                         _jpeg(640, 480)))
    # the dictionary and the frame header are both counted: a false alarm can only refuse
    assert scan_pdf(jpeg).image_pixels == 2 * 640 * 480


# ------------------------------------------------------------------------ pdfium raising


def _raising(*args: Any, **kwargs: Any) -> Any:
    raise pdfium.PdfiumError("injected failure")


def _raw_raising(*args: Any, **kwargs: Any) -> Any:
    raise OSError("injected failure in a raw pdfium call")


#: Every place label read-back calls into pdfium: (object, attribute) made to raise.
CALL_SITES = {
    "page size": (pdfium.PdfPage, "get_size", _raising),
    "render": (pdfium.PdfPage, "render", _raising),
    "bitmap": (pdfium.PdfBitmap, "to_numpy", _raising),
    "text page": (pdfium.PdfPage, "get_textpage", _raising),
    "text range": (pdfium.PdfTextPage, "get_text_range", _raising),
    "attachment count": (pdfium.PdfDocument, "count_attachments", _raising),
    "attachment data": (pdfium.PdfAttachment, "get_data", _raising),
    "attachment name": (pdfium.PdfAttachment, "get_name", _raising),
    "page": (pdfium.PdfDocument, "__getitem__", _raising),
    "annotations": (pdfium_c, "FPDFPage_GetAnnotCount", _raw_raising),
    "page objects": (pdfium_c, "FPDFPage_CountObjects", _raw_raising),
    "scripts": (pdfium_c, "FPDFDoc_GetJavaScriptActionCount", _raw_raising),
    "page count": (pdfium.PdfDocument, "__len__", _raising),
}


@pytest.mark.parametrize("site", list(CALL_SITES), ids=list(CALL_SITES))
def test_whatever_pdfium_raises_is_a_failed_bad_pdf_row(site: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    pdf = _label()
    owner, name, replacement = CALL_SITES[site]
    monkeypatch.setattr(owner, name, replacement)
    report = verify_label(pdf, world().context(), at=AT, source="label.pdf")
    failed = [row for row in report.rows if row.code == "bad_pdf"]
    assert failed and all(row.status is Status.FAILED for row in failed), report.rows
    assert "injected" in failed[0].message
    assert report.bottom_line is Status.FAILED
