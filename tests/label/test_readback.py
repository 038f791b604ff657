"""Reading labels back: photo-like images, QR symbols at 150 dpi, bad inputs."""

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
from cfl.label.qr import (
    DATA_CODEWORDS,
    claim_segment_bits,
    encode_claim_qr,
    optimal_version,
)
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
