"""Reading labels back: the embedded bundle, the QR on the rendered page, photos of QRs.

PDFs are opened with pdfium (bounded size first); the page is rasterised and the QR found
with zxing-cpp restricted to QR codes. :func:`verify_label` combines everything into one
report: the bundle's rows (:func:`cfl.verify.bundle_rows`), the claim's rows and whether the
two are bound (same SHA-256) and agree.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import io
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import zxingcpp
from PIL import Image

from cfl.claim import (
    binding_rows,
    claim_rows,
    claim_well_formed_row,
    decode_claim_text,
)
from cfl.envelope import MAX_BUNDLE_BYTES, parse_bundle
from cfl.errors import CflError, InputError
from cfl.label.render import ATTACHMENT_NAME
from cfl.trust import TrustContext
from cfl.verification_report import CheckRow, Status, VerificationReport
from cfl.verify import bundle_rows

MAX_PDF_BYTES = 64 * 1024 * 1024
MAX_IMAGE_BYTES = 32 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000
MAX_PAGES = 20_000
DEFAULT_DPI = 150
#: zxing-cpp restricted to QR codes (about ten times faster than all formats).
QR_ONLY: Any = zxingcpp.BarcodeFormat.QRCode
MAX_PAGE_PIXELS = 60_000_000
#: At most this many page objects are looked at to find the QR code's path (ADR 0028).
MAX_PATH_OBJECTS = 2000
#: Margin around the QR path's bounds when rendering only that region, in points.
QR_REGION_MARGIN = 12.0


def is_pdf(data: bytes) -> bool:
    return data[:5] == b"%PDF-"


def is_image(data: bytes) -> bool:
    return data[:8] == b"\x89PNG\r\n\x1a\n" or data[:3] == b"\xff\xd8\xff"


def _open_pdf(pdf_bytes: bytes, source: str) -> Any:
    if len(pdf_bytes) > MAX_PDF_BYTES:
        raise InputError(f"is {len(pdf_bytes)} bytes; at most {MAX_PDF_BYTES} are accepted",
                         source=source, code="too_large")
    if not is_pdf(pdf_bytes):
        raise InputError("is not a PDF (no %PDF- header)", source=source, code="not_pdf")
    try:
        document = pdfium.PdfDocument(pdf_bytes)
    except pdfium.PdfiumError as exc:
        raise InputError(f"is not a readable PDF ({exc})", source=source,
                         code="bad_pdf") from None
    if len(document) > MAX_PAGES:
        raise InputError(f"has {len(document)} pages; at most {MAX_PAGES}", source=source,
                         code="too_large")
    return document


def extract_bundles(pdf_bytes: bytes, *, source: str = "<pdf>") -> dict[str, bytes]:
    """Every embedded file of a label PDF by name (each bounded like a bundle)."""
    document = _open_pdf(pdf_bytes, source)
    try:
        return _attachments(document, source)
    finally:
        document.close()


def _attachments(document: Any, source: str) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    count = document.count_attachments()
    if count > MAX_PAGES:
        raise InputError(f"has {count} attachments; too many", source=source,
                         code="too_large")
    for index in range(count):
        attachment = document.get_attachment(index)
        name = attachment.get_name()
        try:
            raw = attachment.get_data()
        except pdfium.PdfiumError as exc:
            raise InputError(f"attachment {name!r} cannot be read ({exc})", source=source,
                             code="bad_pdf") from None
        if ctypes.sizeof(raw) > MAX_BUNDLE_BYTES:
            raise InputError(f"attachment {name!r} is larger than {MAX_BUNDLE_BYTES} bytes",
                             source=source, code="too_large")
        files[name] = bytes(raw)
    return files


def attachment_name(page: int, count: int) -> str:
    """Name of the bundle of page ``page`` (0-based) in a PDF of ``count`` labels."""
    return ATTACHMENT_NAME if count == 1 else f"bundle-{page + 1:05d}.json"


def extract_bundle(pdf_bytes: bytes, *, page: int = 0, source: str = "<pdf>") -> bytes:
    """The signed bundle embedded for page ``page`` of a label PDF."""
    document = _open_pdf(pdf_bytes, source)
    try:
        return _bundle_for_page(document, page, source)
    finally:
        document.close()


def _bundle_for_page(document: Any, page: int, source: str) -> bytes:
    files = _attachments(document, source)
    name = attachment_name(page, len(document))
    if name not in files:
        raise InputError(f"has no embedded {name}; this is not a cfl label", source=source,
                         code="no_embedded_bundle")
    return files[name]


def decode_qr_from_pdf(pdf_bytes: bytes, dpi: int = DEFAULT_DPI, *, page: int = 0,
                       source: str = "<pdf>") -> str:
    """Rasterise page ``page`` at ``dpi`` and decode its QR code."""
    document = _open_pdf(pdf_bytes, source)
    try:
        return _qr_on_page(document, page, dpi, source)
    finally:
        document.close()


def _qr_on_page(document: Any, page: int, dpi: int, source: str) -> str:
    if not 0 <= page < len(document):
        raise InputError(f"has no page {page + 1}", source=source, code="no_such_page")
    if not 36 <= dpi <= 1200:
        raise InputError("dpi must be between 36 and 1200", code="bad_dpi")
    pdf_page = document[page]
    width, height = pdf_page.get_size()
    if width * height * (dpi / 72) ** 2 > MAX_PAGE_PIXELS:
        raise InputError(f"page {page + 1} is too large to rasterise at {dpi} dpi",
                         source=source, code="too_large")
    region = _qr_region(pdf_page, width, height)
    if region is not None:
        # Fast path (ADR 0028): render only the QR path's region and decode the upright,
        # dark-on-light symbol without zxing's rotated, downscaled and inverted searches.
        bitmap = pdf_page.render(scale=dpi / 72, grayscale=True, crop=region)
        found = zxingcpp.read_barcodes(bitmap.to_numpy(), formats=QR_ONLY, try_rotate=False,
                                       try_downscale=False, try_invert=False)
        texts = [r.text for r in found if r.valid]
        if texts:
            return _best_text(texts)
    bitmap = pdf_page.render(scale=dpi / 72, grayscale=True)
    return _decode_qr(bitmap.to_pil(), source)


def _qr_region(pdf_page: Any, width: float, height: float
               ) -> tuple[float, float, float, float] | None:
    """pdfium crop margins (left, bottom, right, top) around the path object with the most
    segments — a label's QR code is drawn as one path — or None if there is none."""
    best: tuple[int, Any] | None = None
    for index, obj in enumerate(pdf_page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH],
                                                     max_depth=1)):
        if index >= MAX_PATH_OBJECTS:
            return None
        segments = pdfium_c.FPDFPath_CountSegments(obj.raw)
        if best is None or segments > best[0]:
            best = (segments, obj)
    if best is None or best[0] < 100:
        return None
    left, bottom, right, top = best[1].get_bounds()
    margin = QR_REGION_MARGIN
    return (max(0.0, left - margin), max(0.0, bottom - margin),
            max(0.0, width - right - margin), max(0.0, height - top - margin))


def decode_qr_from_image(image_bytes: bytes, *, source: str = "<image>") -> str:
    """Decode the QR code in a PNG or JPEG photo or scan."""
    if len(image_bytes) > MAX_IMAGE_BYTES:
        raise InputError(f"is {len(image_bytes)} bytes; at most {MAX_IMAGE_BYTES} are accepted",
                         source=source, code="too_large")
    try:
        image = Image.open(io.BytesIO(image_bytes), formats=["PNG", "JPEG"])
        if image.width * image.height > MAX_IMAGE_PIXELS:
            raise InputError(f"is {image.width} x {image.height} pixels; at most "
                             f"{MAX_IMAGE_PIXELS} pixels are accepted", source=source,
                             code="too_large")
        image.load()
    except InputError:
        raise
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise InputError(f"is not a readable PNG or JPEG image ({exc})", source=source,
                         code="bad_image") from None
    return _decode_qr(image.convert("L"), source)


def _decode_qr(image: Image.Image, source: str) -> str:
    results = zxingcpp.read_barcodes(image, formats=QR_ONLY)
    texts = [r.text for r in results if r.valid]
    if not texts:
        raise InputError("holds no readable QR code", source=source, code="no_qr")
    return _best_text(texts)


def _best_text(texts: list[str]) -> str:
    """A label carries one claim; prefer a text that looks like one (resolver + digits)."""
    return next((t for t in texts if t[-1:].isdigit() and "/" in t), texts[0])


# --------------------------------------------------------------------------- verifying


def verify_label(pdf_bytes: bytes, trust: TrustContext, *, at: dt.datetime,
                 source: str = "<pdf>", page: int = 0, dpi: int = DEFAULT_DPI
                 ) -> VerificationReport:
    """Verify a label PDF: embedded bundle, QR claim, and their binding; never raises for
    bad input (every problem is a row)."""
    try:
        document = _open_pdf(pdf_bytes, source)
    except CflError as exc:
        return VerificationReport(source, at, (
            CheckRow("label", Status.FAILED, exc.code, str(exc), subject=source),))
    try:
        rows: list[CheckRow] = []
        bundle = None
        try:
            bundle_bytes = _bundle_for_page(document, page, source)
            bundle = parse_bundle(bundle_bytes, source=f"{source} (embedded bundle)")
            rows.append(CheckRow("label-bundle", Status.PASSED, "bundle_embedded",
                                 f"the label carries a well-formed signed bundle "
                                 f"({len(bundle.signatures)} signature(s))", subject=source))
        except CflError as exc:
            rows.append(CheckRow("label-bundle", Status.FAILED, exc.code, str(exc),
                                 subject=source))
        try:
            text = _qr_on_page(document, page, dpi, source)
            signed = decode_claim_text(text, source=f"{source} (QR)")
            rows.append(claim_well_formed_row(signed, f"{source} (QR)"))
        except CflError as exc:
            rows.append(CheckRow("claim", Status.FAILED, exc.code, str(exc), subject=source))
            signed = None
    finally:
        document.close()
    if bundle is not None:
        rows += bundle_rows(bundle, trust, at=at)
    if signed is not None:
        rows += claim_rows(signed, trust, at=at, include_trust_rows=bundle is None)
        if bundle is not None:
            rows += binding_rows(signed, bundle)
    return VerificationReport(source, at, tuple(rows))


def verify_qr_image(image_bytes: bytes, trust: TrustContext, *, at: dt.datetime,
                    source: str = "<image>") -> VerificationReport:
    """Verify the claim in a photo or scan of a label's QR code."""
    from cfl.claim import verify_claim

    try:
        text = decode_qr_from_image(image_bytes, source=source)
    except CflError as exc:
        return VerificationReport(source, at, (
            CheckRow("claim", Status.FAILED, exc.code, str(exc), subject=source),))
    return verify_claim(text, trust, at=at, source=f"{source} (QR)")
