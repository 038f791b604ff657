"""Every way a PDF can draw a second QR code is seen: a page is searched whole unless its one
QR-like path is the only thing on it that can draw one. A clipping path, a tiling pattern
and Type3 glyphs each draw a second, different code here; the page is refused
(``several_qr``), as a full render shows two codes."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest
import zxingcpp
from label_world import claim_text

from cfl.errors import InputError
from cfl.label.qr import encode_claim_qr, path_operators
from cfl.label.readback import decode_qr_from_pdf

WIDTH, HEIGHT = 500, 250  # the page, points; each code is 73 modules of 3 points


def _pdf(content: str, resources: str = "", extra_objects: tuple[str, ...] = ()) -> bytes:
    """A one-page PDF: ``content`` as its content stream, ``resources`` inside its
    /Resources, ``extra_objects`` numbered from 5 (cross-reference table included)."""
    stream = content.encode("latin-1")
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {WIDTH} {HEIGHT}] "
        f"/Resources << {resources} >> /Contents 4 0 R >>",
        f"<< /Length {len(stream)} >>\nstream\n{content}\nendstream",
        *extra_objects,
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n"
            "%%EOF\n").encode()
    return bytes(out)


def _own_qr() -> str:
    """The label's own code, right half of the page."""
    return path_operators(encode_claim_qr(claim_text()), x=270, y_top=235, module=3)


def _other_qr_path(x: float = 10, y_top: float = 235) -> str:
    """Another product's code as path operators (filled)."""
    return path_operators(encode_claim_qr(claim_text("other")), x=x, y_top=y_top, module=3)


def _shows_two_codes(pdf: bytes) -> bool:
    page = pdfium.PdfDocument(pdf)[0]
    bitmap = page.render(scale=150 / 72, grayscale=True).to_pil()
    found = {r.text for r in zxingcpp.read_barcodes(bitmap, formats=zxingcpp.BarcodeFormat.QRCode)
             if r.valid}
    return found == {claim_text(), claim_text("other")}


def _clip() -> bytes:
    # the second code is a clipping path; what is painted is one plain rectangle
    clip = _other_qr_path().replace("f Q", "W n")
    return _pdf(f"{_own_qr()}\nq {clip}\n0 0 0 rg 0 0 {WIDTH} {HEIGHT} re f Q Q")


def _pattern() -> bytes:
    # the second code is a tiling pattern's cell; the page fills one rectangle with it
    cell = _other_qr_path(x=0, y_top=225)
    pattern = (f"<< /Type /Pattern /PatternType 1 /PaintType 1 /TilingType 1 "
               f"/BBox [0 0 230 230] /XStep 1000 /YStep 1000 /Resources << >> "
               f"/Length {len(cell)} >>\nstream\n{cell}\nendstream")
    content = f"{_own_qr()}\n/Pattern cs /P1 scn 0 0 235 235 re f"
    return _pdf(content, "/Pattern << /P1 5 0 R >>", (pattern,))


def _type3() -> bytes:
    # the second code is the one glyph of a Type3 font
    glyph = "230 0 0 0 230 230 d1\n" + _other_qr_path(x=0, y_top=225)
    font = ("<< /Type /Font /Subtype /Type3 /FontBBox [0 0 230 230] "
            "/FontMatrix [1 0 0 1 0 0] /CharProcs << /q 6 0 R >> "
            "/Encoding << /Type /Encoding /Differences [65 /q] >> /FirstChar 65 "
            "/LastChar 65 /Widths [230] /Resources << >> >>")
    proc = f"<< /Length {len(glyph)} >>\nstream\n{glyph}\nendstream"
    content = f"{_own_qr()}\nBT /F1 1 Tf 10 10 Td (A) Tj ET"
    return _pdf(content, "/Font << /F1 5 0 R >>", (font, proc))


@pytest.mark.parametrize("make", [_clip, _pattern, _type3], ids=["clip", "pattern", "type3"])
def test_a_second_code_drawn_without_a_path_of_its_own_is_refused(make: object) -> None:
    pdf = make()  # type: ignore[operator]
    assert _shows_two_codes(pdf)  # what a phone sees
    with pytest.raises(InputError) as info:
        decode_qr_from_pdf(pdf, source="hidden.pdf")
    assert info.value.code == "several_qr"


def test_a_page_with_only_its_code_is_read() -> None:
    assert decode_qr_from_pdf(_pdf(_own_qr()), source="plain.pdf") == claim_text()
