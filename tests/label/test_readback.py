"""Reading labels back: photo-like images, fixed-mask QR at 150 dpi, bad inputs."""

from __future__ import annotations

import dataclasses
import io
import random
import uuid
from decimal import Decimal

import pypdfium2 as pdfium
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from label_world import bundle, bundle_bytes, claim_text, label_pdf
from PIL import Image, ImageFilter
from signing_world import AT, SIGNED_AT, world

from cfl.claim import claim_from_declaration, claim_to_text, sign_claim, verify_claim
from cfl.errors import InputError
from cfl.label.qr import DEFAULT_MASK, encode_claim_qr
from cfl.label.readback import (
    decode_qr_from_image,
    decode_qr_from_pdf,
    extract_bundle,
    verify_label,
    verify_qr_image,
)
from cfl.label.render import LabelRenderer, prepare_label
from cfl.label.templates import load_template


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
def test_fixed_mask_symbols_decode_at_150_dpi(value: int, ident: int) -> None:
    """The fixed mask (ADR 0022) on varied claims still decodes from the smallest layout."""
    signer = world().certifier
    claim = claim_from_declaration(world().declaration(), digest=bundle().digest,
                                   issuer_kid=signer.kid, at=SIGNED_AT)
    claim = dataclasses.replace(claim, value=Decimal(value) / 100,
                                declaration_id=uuid.UUID(int=ident))
    text = claim_to_text(sign_claim(claim, signer))
    assert encode_claim_qr(text).mask == DEFAULT_MASK
    content = prepare_label(bundle(), bundle_bytes(), text)
    pdf = LabelRenderer(load_template("sticker")).render([content])
    assert decode_qr_from_pdf(pdf, 150) == text


def test_numeric_segment_is_numeric_mode() -> None:
    import segno
    from segno import consts

    from cfl.label.qr import claim_segments

    segments = claim_segments(claim_text())
    assert [mode for _, mode in segments] == [consts.MODE_ALPHANUMERIC, consts.MODE_NUMERIC]
    both = encode_claim_qr(claim_text())
    one_segment = segno.make(claim_text(), error="q", boost_error=False)
    assert both.version < one_segment.version


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
    assert "no_embedded_bundle" in codes and "no_qr" in codes
