"""An unreadable photo is not a forgery: no QR code found is INDETERMINATE, and the report
says to retake the photo (in English and Chinese)."""

from __future__ import annotations

import io

from PIL import Image, ImageFilter
from signing_world import AT, world

from cfl.report.model import Status
from cfl.verification import verify


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_a_photo_without_a_readable_qr_code_is_indeterminate_and_says_retake() -> None:
    import pypdfium2 as pdfium
    from label_world import label_pdf

    page = pdfium.PdfDocument(label_pdf("standard"))[0]
    sharp = page.render(scale=150 / 72, grayscale=True).to_pil().convert("L")
    blurred = sharp.filter(ImageFilter.GaussianBlur(12))
    for photo in (_png(Image.new("L", (300, 200), 255)), _png(blurred)):
        report = verify(photo, world().context(), at=AT, source="photo.png")
        assert report.bottom_line is Status.INDETERMINATE, report.summary()
        (only,) = report.rows
        assert only.code == "no_qr" and only.status is Status.INDETERMINATE
        assert "retake the photo" in only.message
        assert "重新拍照" in only.message_in("zh")
        assert report.facts is None
