"""Reading labels back: photo-like images, QR symbols at 150 dpi, bad inputs."""

from __future__ import annotations

import dataclasses
import io
import json
import random
import uuid
import zlib
from decimal import Decimal
from typing import Any

import pypdfium2 as pdfium
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from label_world import bundle, bundle_bytes, claim_text, label_pdf
from PIL import Image, ImageFilter
from signing_world import AT, SIGNED_AT, world

import cfl.label.readback as readback
from cfl.claim.encode import sign_claim
from cfl.claim.issue import claim_from_declaration
from cfl.claim.text import claim_to_text
from cfl.errors import InputError
from cfl.label.qr import (
    DATA_CODEWORDS,
    claim_segment_bits,
    encode_claim_qr,
    optimal_version,
)
from cfl.label.readback import decode_qr_from_image, decode_qr_from_pdf, extract_bundle
from cfl.label.render import LabelRenderer, prepare_label
from cfl.label.templates import load_template
from cfl.verification.claim_check import verify_claim
from cfl.verification.label_check import verify_label, verify_qr_image


def photo_like(pdf: bytes, dpi: int = 150, *, seed: int = 7) -> bytes:
    """Rasterise, rotate slightly, blur and add noise, save as JPEG — like a phone photo."""
    page = pdfium.PdfDocument(pdf)[0]
    image = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
    image = image.rotate(4, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    image = image.filter(ImageFilter.GaussianBlur(0.7))
    rng = random.Random(seed)
    noisy = bytes(max(0, min(255, v + rng.randint(-28, 28))) for v in image.tobytes())
    image = Image.frombytes("L", image.size, noisy)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=70)
    return out.getvalue()


@pytest.mark.parametrize("template", ["standard", "sticker"])
def test_photo_like_rendering_verifies(template: str) -> None:
    photo = photo_like(label_pdf(template))
    assert decode_qr_from_image(photo) == claim_text()
    report = verify_qr_image(photo, world().context(), at=AT, source="photo.jpg")
    assert report.passed, report.summary()


@settings(max_examples=15, deadline=None)
@given(st.integers(min_value=1, max_value=10**9), st.integers(min_value=0, max_value=2**64))
def test_varied_claims_are_optimal_and_decode_at_150_dpi(value: int, ident: int) -> None:
    """zxing-cpp (ADR 0027) picks the smallest mixed-mode version for varied claims, and the
    symbol, with the mask it chose, decodes from the smallest layout at 150 dpi."""
    signer = world().certifier
    claim = claim_from_declaration(world().declaration(), digest=bundle().digest,
                                   issuer_kid=signer.kid, at=SIGNED_AT)
    claim = dataclasses.replace(claim, value=Decimal(value) / 100,
                                declaration_id=uuid.UUID(int=ident))
    text = claim_to_text(sign_claim(claim, signer))
    assert encode_claim_qr(text).version == optimal_version(text)
    content = prepare_label(bundle(), bundle_bytes(), text)
    pdf = LabelRenderer(load_template("sticker")).render([content])
    assert decode_qr_from_pdf(pdf, 150) == text


def alphanumeric_only_version(text: str) -> int:
    """The version if the whole text were one alphanumeric segment (no numeric mode)."""
    for version, codewords in enumerate(DATA_CODEWORDS["Q"], start=1):
        count_bits = 9 if version <= 9 else (11 if version <= 26 else 13)
        bits = 4 + count_bits + 11 * (len(text) // 2) + 6 * (len(text) % 2)
        if bits <= codewords * 8:
            return version
    raise AssertionError("too long")


def test_numeric_segment_is_numeric_mode() -> None:
    """Only a numeric segment for the number fits the version zxing-cpp chose."""
    symbol = encode_claim_qr(claim_text())
    assert (symbol.version, symbol.error) == (optimal_version(claim_text()), "Q")
    assert symbol.version < alphanumeric_only_version(claim_text())
    # Version v holds the text only if the digits cost 10 bits per 3 (numeric mode).
    assert claim_segment_bits(claim_text(), symbol.version) <= DATA_CODEWORDS["Q"][
        symbol.version - 1] * 8 < claim_segment_bits(claim_text(), symbol.version) + 8 * 50


@pytest.mark.parametrize("mask", [0, 5])
def test_a_template_may_fix_the_mask(mask: int) -> None:
    symbol = encode_claim_qr(claim_text(), mask=mask)
    assert symbol.mask == mask
    image = Image.new("L", (symbol.size + 8, symbol.size + 8), 255)
    image.putdata([0 if (0 <= r - 4 < symbol.size and 0 <= c - 4 < symbol.size
                         and symbol.rows[r - 4][c - 4]) else 255
                   for r in range(symbol.size + 8) for c in range(symbol.size + 8)])
    out = io.BytesIO()
    image.resize((image.width * 4, image.height * 4), Image.Resampling.NEAREST).save(
        out, format="PNG")
    assert decode_qr_from_image(out.getvalue()) == claim_text()


def test_verify_claim_text_from_a_decoded_pdf() -> None:
    text = decode_qr_from_pdf(label_pdf("standard"), 150)
    assert verify_claim(text, world().context(), at=AT).passed


@pytest.mark.parametrize("data, code", [
    (b"not a pdf", "not_pdf"),
    (b"%PDF-1.4\n garbage", "bad_pdf"),
])
def test_bad_pdfs_are_clean_errors(data: bytes, code: str) -> None:
    with pytest.raises(InputError) as info:
        extract_bundle(data, source="x.pdf")
    assert info.value.code == code
    report = verify_label(data, world().context(), at=AT, source="x.pdf")
    assert report.bottom_line.value == "FAILED"


def test_a_page_pdfium_cannot_load_is_a_clean_error() -> None:
    # the page count is read, loading the page raised PdfiumError (was a traceback)
    data = label_pdf("sticker").replace(b"/Type /Page\n", b"/Type /Pagx\n", 1)
    with pytest.raises(InputError) as info:
        decode_qr_from_pdf(data, source="x.pdf")
    assert info.value.code == "bad_pdf" and "page 1 cannot be read" in info.value.message
    report = verify_label(data, world().context(), at=AT, source="x.pdf")
    assert report.bottom_line.value == "FAILED"
    assert "bad_pdf" in {row.code for row in report.rows}


def test_a_qr_path_off_the_page_is_searched_on_the_whole_page(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # a damaged page put the QR path's bounds beyond the page: the crop for the fast path
    # made pdfium raise ValueError("Crop exceeds page dimensions") (was a traceback)
    def off_the_page(obj: object, left: Any, bottom: Any, right: Any, top: Any) -> bool:
        left.value, bottom.value, right.value, top.value = 5000.0, 5000.0, 5100.0, 5100.0
        return True

    monkeypatch.setattr(readback.pdfium_c, "FPDFPageObj_GetBounds", off_the_page)
    assert decode_qr_from_pdf(label_pdf("sticker"), 150) == claim_text()


def test_a_broken_png_chunk_is_a_clean_error() -> None:
    # Pillow raises SyntaxError for it (was a traceback)
    out = io.BytesIO()
    Image.new("L", (50, 50), 255).save(out, format="PNG")
    data = bytearray(out.getvalue())
    data[36] = 0  # inside the chunk after IHDR
    with pytest.raises(InputError) as info:
        decode_qr_from_image(bytes(data), source="x.png")
    assert info.value.code == "bad_image"


def test_bad_images_are_clean_errors() -> None:
    with pytest.raises(InputError) as info:
        decode_qr_from_image(b"\x89PNG\r\n\x1a\nbroken", source="x.png")
    assert info.value.code == "bad_image"
    blank = io.BytesIO()
    Image.new("L", (200, 200), 255).save(blank, format="PNG")
    with pytest.raises(InputError) as info:
        decode_qr_from_image(blank.getvalue(), source="blank.png")
    assert info.value.code == "no_qr"


def test_a_pdf_without_a_bundle_fails_with_its_reason() -> None:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(10, 10, "hello")
    page.save()
    report = verify_label(out.getvalue(), world().context(), at=AT, source="plain.pdf")
    codes = [row.code for row in report.rows if row.status.value == "FAILED"]
    unread = [row.code for row in report.rows if row.status.value == "INDETERMINATE"]
    assert "no_embedded_bundle" in codes and "no_qr" in unread
    assert report.bottom_line.value == "FAILED"


# ----------------------------------------------------------------- attacks on label PDFs (brief G)


def _failed(report: object) -> list[str]:
    return [row.code for row in report.rows if row.status.value == "FAILED"]  # type: ignore[attr-defined]


def _content(product: str = "battery", claim_of: str | None = None) -> object:
    return prepare_label(bundle(product), bundle_bytes(product), claim_text(claim_of or product))


def _pdf(files: list[tuple[str, bytes]], *, template: str = "standard",
         extra: object = None, contents: list[object] | None = None) -> bytes:
    """A label page (or pages) drawn by cfl's renderer, with the given attachments and
    ``extra(canvas, renderer)`` drawn on top of each page."""
    from reportlab import rl_config
    from reportlab.pdfgen import canvas as rl_canvas

    from cfl.label.render import _embed_files

    renderer = LabelRenderer(load_template(template))
    out = io.BytesIO()
    page = rl_canvas.Canvas(out, pagesize=renderer.page_size, pageCompression=1,
                            invariant=1, initialFontName=renderer.font.name)
    previous, rl_config.useA85 = rl_config.useA85, 0
    try:
        for content in contents or [_content()]:
            renderer.draw_page(page, content)  # type: ignore[arg-type]
            if extra is not None:
                extra(page, renderer)  # type: ignore[operator]
            page.showPage()
        _embed_files(page, files)
        page.save()
    finally:
        rl_config.useA85 = previous
    return out.getvalue()


def _second_qr(product: str = "other", *, as_image: bool = False) -> object:
    """Draw another QR code (on a white patch) left of the label's own."""
    from cfl.label.qr import encode_claim_qr, path_operators

    def draw(page: object, renderer: object) -> None:
        page.setFillColorRGB(1, 1, 1)  # type: ignore[attr-defined]
        page.rect(0, 0, 165, 170, stroke=0, fill=1)  # type: ignore[attr-defined]
        page.setFillColorRGB(0, 0, 0)  # type: ignore[attr-defined]
        symbol = encode_claim_qr(claim_text(product), error="Q")
        if as_image:
            from reportlab.lib.utils import ImageReader

            side = symbol.size + 8
            image = Image.new("L", (side, side), 255)
            image.putdata([0 if (4 <= r < side - 4 and 4 <= c < side - 4
                                 and symbol.rows[r - 4][c - 4]) else 255
                           for r in range(side) for c in range(side)])
            image = image.resize((side * 4, side * 4), Image.Resampling.NEAREST)
            page.drawImage(ImageReader(image), 8, 8, 150, 150)  # type: ignore[attr-defined]
        else:
            page.addLiteral(path_operators(symbol, x=8, y_top=160,  # type: ignore[attr-defined]
                                           module=150 / (symbol.size + 8)))
    return draw


def test_every_page_of_a_label_pdf_is_verified() -> None:
    """A good first page must not vouch for a second page showing another product's QR."""
    renderer = LabelRenderer(load_template("sticker"))
    pdf = renderer.render([_content(), _content("other", claim_of="battery")])  # type: ignore[list-item]
    report = verify_label(pdf, world().context(), at=AT, source="two.pdf")
    assert report.bottom_line.value == "FAILED"
    mismatch = next(row for row in report.rows if row.code == "claim_digest_mismatch")
    assert mismatch.subject is not None and mismatch.subject.startswith("page 2")
    assert [row.check for row in report.rows].count("trust-list-signature") == 1
    assert verify_label(pdf, world().context(), at=AT, page=0).passed


def test_every_page_of_a_good_batch_passes() -> None:
    renderer = LabelRenderer(load_template("sticker"))
    pdf = renderer.render([_content(), _content("other")])  # type: ignore[list-item]
    report = verify_label(pdf, world().context(), at=AT)
    assert report.passed, report.summary()
    assert {row.subject.split()[1] for row in report.rows
            if row.subject and row.subject.startswith("page ")} == {"1", "2"}


@pytest.mark.parametrize("name", ["bundle-00001.json", "bundle (1).json", "notes.txt",
                                  "bundIe.json"])
def test_an_attachment_other_than_the_bundle_is_refused(name: str) -> None:
    pdf = _pdf([("bundle.json", bundle_bytes()), (name, bundle_bytes("other"))])
    report = verify_label(pdf, world().context(), at=AT)
    assert report.bottom_line.value == "FAILED"
    assert "label_unexpected_attachment" in _failed(report)


def test_the_bundle_under_another_name_is_not_taken() -> None:
    report = verify_label(_pdf([("bundIe.json", bundle_bytes())]), world().context(), at=AT)
    failed = _failed(report)
    assert "no_embedded_bundle" in failed and "label_unexpected_attachment" in failed


@pytest.mark.parametrize("tampered_first", [True, False])
def test_the_bundle_attached_twice_under_its_name_is_refused(tampered_first: bool) -> None:
    document = json.loads(bundle_bytes())
    document["declaration"]["pcf"]["pcfExcludingBiogenicUptake"] = "5.71"
    tampered = json.dumps(document, ensure_ascii=False, indent=2).encode()
    files = [("bundle.json", tampered), ("bundle.json", bundle_bytes())]
    report = verify_label(_pdf(files[::-1] if not tampered_first else files),
                          world().context(), at=AT)
    assert report.bottom_line.value == "FAILED"
    assert "label_duplicate_attachment" in _failed(report)


@pytest.mark.parametrize("as_image", [False, True])
def test_a_second_qr_code_of_another_product_is_refused(as_image: bool) -> None:
    pdf = _pdf([("bundle.json", bundle_bytes())], extra=_second_qr(as_image=as_image))
    assert decode_qr_from_pdf.__name__  # the page does show both codes:
    page = pdfium.PdfDocument(pdf)[0]
    texts = {r.text for r in zxingcpp_read(page)}
    assert texts == {claim_text(), claim_text("other")}
    report = verify_label(pdf, world().context(), at=AT)
    assert report.bottom_line.value == "FAILED"
    assert "several_qr" in _failed(report)


def test_the_same_qr_code_twice_is_one_claim() -> None:
    pdf = _pdf([("bundle.json", bundle_bytes())], extra=_second_qr("battery"))
    report = verify_label(pdf, world().context(), at=AT)
    assert report.passed, report.summary()


def zxingcpp_read(page: object) -> list[object]:
    import zxingcpp

    bitmap = page.render(scale=150 / 72, grayscale=True)  # type: ignore[attr-defined]
    return [r for r in zxingcpp.read_barcodes(bitmap.to_pil(),
                                              formats=zxingcpp.BarcodeFormat.QRCode)
            if r.valid]


def test_a_photo_of_two_different_qr_codes_is_refused() -> None:
    pdf = _pdf([("bundle.json", bundle_bytes())], extra=_second_qr())
    image = pdfium.PdfDocument(pdf)[0].render(scale=150 / 72, grayscale=True).to_pil()
    out = io.BytesIO()
    image.save(out, format="PNG")
    report = verify_qr_image(out.getvalue(), world().context(), at=AT)
    assert report.bottom_line.value == "FAILED" and _failed(report) == ["several_qr"]


def test_a_link_laid_over_the_qr_code_is_refused() -> None:
    def link(page: object, renderer: object) -> None:
        page.linkURL("https://evil.example/v/", (170, 0, 283, 170))  # type: ignore[attr-defined]

    report = verify_label(_pdf([("bundle.json", bundle_bytes())], extra=link),
                          world().context(), at=AT)
    assert report.bottom_line.value == "FAILED"
    assert "label_active_content" in _failed(report)


def _with_javascript(escaped: bool) -> bytes:
    import pypdf
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

    writer = pypdf.PdfWriter(clone_from=io.BytesIO(label_pdf("standard")))
    action = writer._add_object(DictionaryObject({
        NameObject("/S"): NameObject("/JavaScript"),
        NameObject("/JS"): TextStringObject("app.alert('genuine');")}))
    names = writer._root_object[NameObject("/Names")]
    names[NameObject("/JavaScript")] = DictionaryObject({NameObject("/Names"): ArrayObject(
        [TextStringObject("check"), action])})
    out = io.BytesIO()
    writer.write(out)
    data = out.getvalue()
    if escaped:  # the same names, written with #xx escapes
        assert b"/JavaScript" in data and b"/JS" in data
        data = data.replace(b"/JavaScript", b"/Java#53cript").replace(b"/JS ", b"/J#53 ")
    return data


@pytest.mark.parametrize("escaped", [False, True])
def test_javascript_in_a_label_is_refused(escaped: bool) -> None:
    report = verify_label(_with_javascript(escaped), world().context(), at=AT)
    assert report.bottom_line.value == "FAILED"
    assert "label_active_content" in _failed(report)


def test_an_open_action_is_refused() -> None:
    import pypdf
    from pypdf.generic import ArrayObject, NameObject, NumberObject

    writer = pypdf.PdfWriter(clone_from=io.BytesIO(label_pdf("standard")))
    writer._root_object[NameObject("/OpenAction")] = ArrayObject(
        [writer.pages[0].indirect_reference, NameObject("/Fit")])
    writer._root_object[NameObject("/Dummy")] = NumberObject(1)
    out = io.BytesIO()
    writer.write(out)
    report = verify_label(out.getvalue(), world().context(), at=AT)
    assert "label_active_content" in _failed(report)


# ----------------------------------------------------------------- bounded before work


def _hand_pdf(objects: list[bytes]) -> bytes:
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


def _page_pdf(content: bytes = b"", resources: bytes = b"", *,
              attachment: bytes | None = None) -> bytes:
    names = b" /Names << /EmbeddedFiles << /Names [(bundle.json) 5 0 R] >> >>" \
        if attachment is not None else b""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R" + names + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R"
        b" /Resources << " + resources + b" >> >>",
        _stream(b"/Filter /FlateDecode", zlib.compress(content)),
        b"<< /Type /Filespec /F (bundle.json) /UF (bundle.json) /EF << /F 6 0 R >> >>",
        attachment if attachment is not None else b"null",
    ]
    return _hand_pdf(objects)


def _bomb(size: int) -> bytes:
    return zlib.compress(b"\0" * size, 9)


@pytest.mark.parametrize("wrapping", [
    "flate",
    # slow: building this bomb compresses 1 GiB of zeros (~3 s); the check itself is quick.
    pytest.param("flate-in-flate", marks=pytest.mark.slow),
    "ascii85",
    "asciihex",
])
def test_an_attachment_that_inflates_to_gigabytes_is_refused_first(wrapping: str) -> None:
    import base64

    if wrapping == "flate":
        data, filters = _bomb(64 * 1024 * 1024), b"/FlateDecode"
    elif wrapping == "flate-in-flate":
        data, filters = zlib.compress(_bomb(2**30), 9), b"[/FlateDecode /FlateDecode]"
    elif wrapping == "ascii85":
        data, filters = base64.a85encode(_bomb(64 * 1024 * 1024)) + b"~>", \
            b"[/ASCII85Decode /FlateDecode]"
    else:
        data, filters = _bomb(64 * 1024 * 1024).hex().encode() + b">", \
            b"[/ASCIIHexDecode /FlateDecode]"
    attachment = _stream(b"/Type /EmbeddedFile /Filter " + filters, data)
    pdf = _page_pdf(attachment=attachment)
    report = verify_label(pdf, world().context(), at=AT, source="bomb.pdf")
    assert report.bottom_line.value == "FAILED"
    assert [row.code for row in report.rows] == ["too_large"]
    assert "decompression bomb" in report.rows[0].message


def test_a_content_stream_bomb_is_refused_first() -> None:
    report = verify_label(_page_pdf(b"q\n" * (9 * 1024 * 1024)), world().context(), at=AT)
    assert [row.code for row in report.rows] == ["too_large"]


def test_many_moderate_streams_are_bounded_in_all() -> None:
    from cfl.label import pdfscan

    chunk = _stream(b"/Filter /FlateDecode", _bomb(pdfscan.MAX_STREAM_DECODED_BYTES))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]
    objects += [chunk] * (pdfscan.MAX_TOTAL_DECODED_BYTES // pdfscan.MAX_STREAM_DECODED_BYTES
                          + 2)
    with pytest.raises(InputError) as info:
        pdfscan.scan_pdf(_hand_pdf(objects))
    assert info.value.code == "too_large" and "in all" in str(info.value)


def test_a_huge_image_is_refused_before_rendering() -> None:
    image = _stream(b"/Type /XObject /Subtype /Image /Width 60000 /Height 60000 "
                    b"/ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode",
                    zlib.compress(b"\xff" * 1000))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R"
        b" /Resources << /XObject << /Im1 5 0 R >> >> >>",
        _stream(b"", b"q 200 0 0 200 0 0 cm /Im1 Do Q"),
        image,
    ]
    report = verify_label(_hand_pdf(objects), world().context(), at=AT)
    refused = next(row for row in report.rows if row.code == "too_large")
    assert refused.status.value == "FAILED" and "pixels" in refused.message


@pytest.mark.parametrize(("dictionary", "word"), [
    (b"/Filter /LZWDecode", "LZWDecode"), (b"/Filter /RunLengthDecode", "RunLengthDecode"),
    (b"/Filter /JBIG2Decode", "JBIG2Decode"), (b"/Filter /LZW#44ecode", "LZWDecode"),
])
def test_filters_whose_output_cannot_be_bounded_are_refused(dictionary: bytes,
                                                            word: str) -> None:
    pdf = _page_pdf(attachment=_stream(b"/Type /EmbeddedFile " + dictionary, b"\x80\x0b"))
    report = verify_label(pdf, world().context(), at=AT)
    assert [row.code for row in report.rows] == ["pdf_unsupported"]
    assert word in report.rows[0].message


def test_an_encrypted_pdf_is_refused() -> None:
    import pypdf

    writer = pypdf.PdfWriter(clone_from=io.BytesIO(label_pdf("standard")))
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    report = verify_label(out.getvalue(), world().context(), at=AT)
    assert [row.code for row in report.rows] == ["pdf_unsupported"]


def test_deeply_nested_objects_and_a_lying_page_count_are_clean_failures() -> None:
    nested = _hand_pdf([b"<< /Type /Catalog /Pages 2 0 R /X " + b"[" * 100_000
                        + b"]" * 100_000 + b" >>",
                        b"<< /Type /Pages /Kids [3 0 R] /Count 1000000000 >>",
                        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"])
    report = verify_label(nested, world().context(), at=AT)
    assert report.bottom_line.value == "FAILED"
    assert "no_embedded_bundle" in _failed(report)


def test_too_many_pages_are_refused_before_any_page_is_read(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from cfl.label import readback

    pdf = LabelRenderer(load_template("sticker")).render([_content(), _content("other")])  # type: ignore[list-item]
    monkeypatch.setattr(readback, "MAX_PAGES", 1)
    report = verify_label(pdf, world().context(), at=AT)
    assert [row.code for row in report.rows] == ["too_large"]


def test_optional_content_that_may_print_another_qr_code_is_refused() -> None:
    """An optional-content group can show one thing on screen (what the verifier renders)
    and print another: a label has none."""
    import pypdf
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

    writer = pypdf.PdfWriter(clone_from=io.BytesIO(label_pdf("standard")))
    group = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/OCG"), NameObject("/Name"): TextStringObject("print")}))
    writer._root_object[NameObject("/OCProperties")] = DictionaryObject({
        NameObject("/OCGs"): ArrayObject([group]),
        NameObject("/D"): DictionaryObject({NameObject("/OFF"): ArrayObject([group])})})
    out = io.BytesIO()
    writer.write(out)
    report = verify_label(out.getvalue(), world().context(), at=AT)
    assert "label_active_content" in _failed(report)


def test_a_photo_with_a_claim_and_another_kind_of_qr_code_verifies_the_claim() -> None:
    """Packaging often carries other codes (a web address): only two claims are ambiguous."""
    from cfl.label.qr import encode_claim_qr

    symbols = [encode_claim_qr(claim_text(), error="Q")]
    import zxingcpp

    other = zxingcpp.create_barcode("HTTPS://SHOP.EXAMPLE/P/1", zxingcpp.BarcodeFormat.QRCode)
    other_image = Image.fromarray(other.to_image(scale=4, add_quiet_zones=True))
    side = symbols[0].size + 8
    mine = Image.new("L", (side, side), 255)
    mine.putdata([0 if (4 <= r < side - 4 and 4 <= c < side - 4
                        and symbols[0].rows[r - 4][c - 4]) else 255
                  for r in range(side) for c in range(side)])
    mine = mine.resize((side * 4, side * 4), Image.Resampling.NEAREST)
    photo = Image.new("L", (mine.width + other_image.width + 40, mine.height + 40), 255)
    photo.paste(mine, (20, 20))
    photo.paste(other_image.convert("L"), (mine.width + 30, 20))
    out = io.BytesIO()
    photo.save(out, format="PNG")
    assert decode_qr_from_image(out.getvalue()) == claim_text()


def test_a_pdf_without_pages_is_not_a_verified_label() -> None:
    """Nothing checked is never PASSED: no page, no bundle, no claim."""
    empty = _hand_pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                       b"<< /Type /Pages /Kids [] /Count 0 >>"])
    report = verify_label(empty, world().context(), at=AT)
    assert report.bottom_line.value == "FAILED"


def test_an_uncompressed_content_stream_longer_than_the_bound_is_refused() -> None:
    from cfl.label import pdfscan

    ops = b"q\n" * (pdfscan.MAX_STREAM_DECODED_BYTES // 2 + 8)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
        _stream(b"", ops),
    ]
    report = verify_label(_hand_pdf(objects), world().context(), at=AT)
    assert [row.code for row in report.rows] == ["too_large"]


def test_a_stray_endstream_cannot_hide_the_rest_of_a_stream() -> None:
    """Deflate 'stored' blocks carry raw bytes: a fake ``endstream`` inside one must not end
    the scan's view of the stream, or the bomb after it would go unmeasured."""
    stored = zlib.compressobj(0)  # level 0: stored blocks, the text appears as it is
    decoy = stored.compress(b"endstream\nendobj\n" + b"\0" * 64) + stored.flush(
        zlib.Z_FULL_FLUSH)
    rest = zlib.compressobj(9, zlib.DEFLATED, -15)  # raw deflate continuing the stream
    body = rest.compress(b"\0" * (64 * 1024 * 1024)) + rest.flush()
    # a zlib header, the stored decoy block, then compressed zeros, then the adler32 (bad:
    # a reader keeps what inflated before the checksum error)
    data = decoy + body + b"\0\0\0\0"
    assert b"endstream" in data
    pdf = _page_pdf(attachment=_stream(b"/Type /EmbeddedFile /Filter /FlateDecode", data))
    report = verify_label(pdf, world().context(), at=AT)
    assert [row.code for row in report.rows] == ["too_large"]


def test_a_stated_length_beyond_the_bound_is_refused() -> None:
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
        b"<< /Length 5 0 R >>\nstream\nq Q\nendstream",
        b"99999999999",
    ]
    report = verify_label(_hand_pdf(objects), world().context(), at=AT)
    assert [row.code for row in report.rows] == ["too_large"]


def test_what_inflates_before_a_corrupt_spot_is_counted() -> None:
    """A reader keeps what inflated before an error; so does the bound: streams that each
    inflate a little under the per-stream bound and then break still count in all."""
    from cfl.label import pdfscan

    broken = _bomb(pdfscan.MAX_STREAM_DECODED_BYTES - 1024)[:-4] + b"\xff\xff\xff\xff"
    chunk = _stream(b"/Filter /FlateDecode", broken)
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [] /Count 0 >>"]
    objects += [chunk] * (pdfscan.MAX_TOTAL_DECODED_BYTES // pdfscan.MAX_STREAM_DECODED_BYTES
                          + 2)
    with pytest.raises(InputError) as info:
        pdfscan.scan_pdf(_hand_pdf(objects))
    assert info.value.code == "too_large" and "in all" in str(info.value)
