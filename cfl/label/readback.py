"""Reading labels back: the embedded bundle, the QR on the rendered page, photos of QRs.

PDFs are bounded first (size, then :mod:`cfl.label.pdfscan`: no decompression bomb, no
filter or encryption cfl cannot bound) and then opened with pdfium; the page is rasterised
and the QR found with zxing-cpp restricted to QR codes. :func:`verify_label` combines
everything into one report: the label document's own row (one bundle per page under its
expected name, no other attachment, no active content), and for every page the bundle's
rows (:func:`cfl.verification.bundle_check.bundle_rows`), the claim's rows and whether the two are bound (same
SHA-256) and agree. A page carrying two different QR codes is refused (ADR 0041).
"""

from __future__ import annotations

import ctypes
import dataclasses
import datetime as dt
import functools
import io
from collections import Counter
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import zxingcpp
from PIL import Image

from cfl.claim.codec import (
    binding_rows,
    claim_bytes_from_text,
    claim_rows,
    claim_well_formed_row,
    decode_claim_text,
)
from cfl.signing.jws import MAX_BUNDLE_BYTES
from cfl.errors import CflError, InputError
from cfl.label.pdfscan import PdfScan, scan_pdf
from cfl.label.render import ATTACHMENT_NAME
from cfl.trust.trust_list import TrustContext
from cfl.verification.report import CheckRow, Status, VerificationReport, error_text
from cfl.verification.bundle_check import STRICT_POLICY, VerificationPolicy, bundle_rows, read_bundle

MAX_PDF_BYTES = 64 * 1024 * 1024
MAX_IMAGE_BYTES = 32 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000
MAX_PAGES = 20_000
DEFAULT_DPI = 150
#: zxing-cpp restricted to QR codes (about ten times faster than all formats).
QR_ONLY: Any = zxingcpp.BarcodeFormat.QRCode
MAX_PAGE_PIXELS = 60_000_000
#: A page with more objects than this (forms included) is not a label.
MAX_PAGE_OBJECTS = 20_000
#: A path with at least this many segments may be a QR code; below, it cannot be one
#: (the finder and timing patterns alone take more).
QR_PATH_SEGMENTS = 100
#: Margin around the QR path's bounds when rendering only that region, in points.
QR_REGION_MARGIN = 12.0


def is_pdf(data: bytes) -> bool:
    return data[:5] == b"%PDF-"


def is_image(data: bytes) -> bool:
    return data[:8] == b"\x89PNG\r\n\x1a\n" or data[:3] == b"\xff\xd8\xff"


def _open_pdf(pdf_bytes: bytes, source: str) -> Any:
    return _open_scanned(pdf_bytes, source)[0]


def _open_scanned(pdf_bytes: bytes, source: str) -> tuple[Any, PdfScan]:
    """pdfium's document, after the bounds: size, then the raw scan (before pdfium reads
    anything it could be made to inflate), then the page count."""
    if len(pdf_bytes) > MAX_PDF_BYTES:
        raise InputError(f"is {len(pdf_bytes)} bytes; at most {MAX_PDF_BYTES} are accepted",
                         source=source, code="too_large")
    if not is_pdf(pdf_bytes):
        raise InputError("is not a PDF (no %PDF- header)", source=source, code="not_pdf")
    scan = scan_pdf(pdf_bytes, source=source)
    try:
        document = pdfium.PdfDocument(pdf_bytes)
    except pdfium.PdfiumError as exc:
        raise InputError(f"is not a readable PDF ({exc})", source=source,
                         code="bad_pdf") from None
    pages = len(document)
    if pages > MAX_PAGES:
        document.close()
        raise InputError(f"has {pages} pages; at most {MAX_PAGES}", source=source,
                         code="too_large")
    return document, scan


def extract_bundles(pdf_bytes: bytes, *, source: str = "<pdf>") -> dict[str, bytes]:
    """Every embedded file of a label PDF by name (each bounded like a bundle)."""
    document = _open_pdf(pdf_bytes, source)
    try:
        return _attachments(document, source)
    finally:
        document.close()


def _attachments(document: Any, source: str) -> dict[str, bytes]:
    names = _attachment_names(document, source)
    return {name: _attachment_data(document, index, name, source)
            for index, name in enumerate(names)}


def _attachment_names(document: Any, source: str) -> list[str]:
    """The names of the embedded files, in order (reading a name inflates nothing)."""
    count = document.count_attachments()
    if count > MAX_PAGES:
        raise InputError(f"has {count} attachments; too many", source=source,
                         code="too_large")
    return [document.get_attachment(index).get_name() for index in range(count)]


def _attachment_data(document: Any, index: int, name: str, source: str) -> bytes:
    try:
        raw = document.get_attachment(index).get_data()
    except pdfium.PdfiumError as exc:
        raise InputError(f"attachment {name!r} cannot be read ({exc})", source=source,
                         code="bad_pdf") from None
    if ctypes.sizeof(raw) > MAX_BUNDLE_BYTES:
        raise InputError(f"attachment {name!r} is larger than {MAX_BUNDLE_BYTES} bytes",
                         source=source, code="too_large")
    return bytes(raw)


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


def _bundle_for_page(document: Any, page: int, source: str,
                     names: list[str] | None = None) -> bytes:
    names = _attachment_names(document, source) if names is None else names
    name = attachment_name(page, len(document))
    if name not in names:
        raise InputError(f"has no embedded {name}; this is not a cfl label", source=source,
                         code="no_embedded_bundle")
    if names.count(name) > 1:
        raise InputError(f"embeds {name} {names.count(name)} times; which one a reader "
                         "shows is not defined", source=source,
                         code="label_duplicate_attachment")
    return _attachment_data(document, names.index(name), name, source)


def decode_qr_from_pdf(pdf_bytes: bytes, dpi: int = DEFAULT_DPI, *, page: int = 0,
                       source: str = "<pdf>") -> str:
    """Rasterise page ``page`` at ``dpi`` and decode its QR code."""
    document = _open_pdf(pdf_bytes, source)
    try:
        return _qr_on_page(document, page, dpi, source)
    finally:
        document.close()


def _qr_on_page(document: Any, page: int, dpi: int, source: str) -> str:
    return _qr_on_loaded_page(_load_page(document, page, source), page, dpi, source)


def _load_page(document: Any, page: int, source: str) -> Any:
    """Page ``page`` (0-based) of ``document``; a page pdfium cannot load is bad input."""
    if not 0 <= page < len(document):
        raise InputError(f"has no page {page + 1}", source=source, code="no_such_page")
    try:
        return document[page]
    except pdfium.PdfiumError as exc:
        raise InputError(f"page {page + 1} cannot be read ({exc})", source=source,
                         code="bad_pdf") from None


def _qr_on_loaded_page(pdf_page: Any, page: int, dpi: int, source: str) -> str:
    if not 36 <= dpi <= 1200:
        raise InputError("dpi must be between 36 and 1200", code="bad_dpi")
    width, height = pdf_page.get_size()
    if width * height * (dpi / 72) ** 2 > MAX_PAGE_PIXELS:
        raise InputError(f"page {page + 1} is too large to rasterise at {dpi} dpi",
                         source=source, code="too_large")
    region = _plain_qr_region(pdf_page, width, height, page, source)
    if region is not None:
        # Fast path (ADR 0028): the page is plain (ADR 0041: its one QR-like path is the
        # only thing on it that can draw a QR code), so render only that path's region and
        # decode the upright, dark-on-light symbol without zxing's costly searches.
        bitmap = pdf_page.render(scale=dpi / 72, grayscale=True, crop=region)
        found = zxingcpp.read_barcodes(bitmap.to_numpy(), formats=QR_ONLY, try_rotate=False,
                                       try_downscale=False, try_invert=False)
        texts = [r.text for r in found if r.valid]
        if texts:
            return _one_text(texts, source)
    bitmap = pdf_page.render(scale=dpi / 72, grayscale=True)
    return _decode_qr(bitmap.to_pil(), source)


def _plain_qr_region(pdf_page: Any, width: float, height: float, page: int, source: str
                     ) -> tuple[float, float, float, float] | None:
    """pdfium crop margins (left, bottom, right, top) around the page's QR code path when
    the page is *plain*: one path with enough segments to be a QR code, the other paths
    together too few to draw another, and no image, shading or form object (any of which
    could hold a second code). None otherwise: the whole page is then searched.

    Also bounds the page before it is rendered: its object count (forms included) and the
    pixels of its images (pdfium would decode each image at its full size)."""
    survey = _PageSurvey(page, source)
    survey.visit(pdfium_c.FPDFPage_CountObjects(pdf_page.raw),
                 functools.partial(pdfium_c.FPDFPage_GetObject, pdf_page.raw), depth=0)
    best = survey.best
    if not survey.plain or best is None or survey.best_segments < QR_PATH_SEGMENTS or \
            survey.other_segments >= QR_PATH_SEGMENTS:
        return None
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    if not pdfium_c.FPDFPageObj_GetBounds(best, left, bottom, right, top):
        return None
    margin = QR_REGION_MARGIN
    crop = (max(0.0, left.value - margin), max(0.0, bottom.value - margin),
            max(0.0, width - right.value - margin), max(0.0, height - top.value - margin))
    if crop[0] + crop[2] >= width or crop[1] + crop[3] >= height:
        return None  # the path lies off the page: nothing to crop to (pdfium would refuse)
    return crop


class _PageSurvey:
    """One pass over a page's objects (raw pdfium handles, forms descended into)."""

    def __init__(self, page: int, source: str) -> None:
        self.page, self.source = page, source
        self.count = 0
        self.pixels = 0
        self.plain = True
        self.best: Any = None
        self.best_segments = -1
        self.other_segments = 0

    def visit(self, count: int, get: Any, *, depth: int) -> None:
        for index in range(count):
            self.count += 1
            if self.count > MAX_PAGE_OBJECTS or depth > 8:
                raise InputError(f"page {self.page + 1} holds more than {MAX_PAGE_OBJECTS} "
                                 "objects or nests forms too deeply", source=self.source,
                                 code="too_large")
            obj = get(index)
            kind = pdfium_c.FPDFPageObj_GetType(obj)
            if kind == pdfium_c.FPDF_PAGEOBJ_TEXT:
                continue
            if kind == pdfium_c.FPDF_PAGEOBJ_PATH:
                segments = pdfium_c.FPDFPath_CountSegments(obj)
                if segments > self.best_segments:
                    self.other_segments += max(self.best_segments, 0)
                    self.best, self.best_segments = obj, segments
                else:
                    self.other_segments += segments
                continue
            self.plain = False  # an image, a shading or a form can hold another QR code
            if kind == pdfium_c.FPDF_PAGEOBJ_IMAGE:
                image_width, image_height = ctypes.c_uint(), ctypes.c_uint()
                if pdfium_c.FPDFImageObj_GetImagePixelSize(obj, image_width, image_height):
                    self.pixels += image_width.value * image_height.value
                if self.pixels > MAX_IMAGE_PIXELS:
                    raise InputError(f"page {self.page + 1} holds images of more than "
                                     f"{MAX_IMAGE_PIXELS} pixels", source=self.source,
                                     code="too_large")
            elif kind == pdfium_c.FPDF_PAGEOBJ_FORM:
                self.visit(pdfium_c.FPDFFormObj_CountObjects(obj),
                           functools.partial(pdfium_c.FPDFFormObj_GetObject, obj),
                           depth=depth + 1)


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
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        # Pillow raises SyntaxError for some broken PNG chunks
        raise InputError(f"is not a readable PNG or JPEG image ({exc})", source=source,
                         code="bad_image") from None
    return _decode_qr(image.convert("L"), source, photo=True)


def _decode_qr(image: Image.Image, source: str, *, photo: bool = False) -> str:
    results = zxingcpp.read_barcodes(image, formats=QR_ONLY)
    texts = [r.text for r in results if r.valid]
    if not texts:
        raise InputError("holds no readable QR code", source=source, code="no_qr")
    return _one_text(texts, source, photo=photo)


def _one_text(texts: list[str], source: str, *, photo: bool = False) -> str:
    """The one QR text of a label or a photo of one. Several different codes on a label
    page are refused: which one a phone or an officer would scan is not defined, so
    verifying any one of them would vouch for a label that also shows another (ADR 0041).
    A photo may also catch a packaging's other codes (a web address): there only several
    different *claims* are refused."""
    distinct = sorted(set(texts))
    if photo and len(distinct) > 1:
        claims = [text for text in distinct if _looks_like_claim(text)]
        distinct = claims or distinct[:1]
    if len(distinct) > 1:
        raise InputError(f"shows {len(distinct)} different QR codes; a label carries one "
                         "claim", source=source, code="several_qr")
    return distinct[0]


def _looks_like_claim(text: str) -> bool:
    """Resolver URL + a number whose bytes open a tagged COSE_Sign1 (no CBOR parsed)."""
    try:
        return claim_bytes_from_text(text)[:2] == b"\xd2\x84"
    except CflError:
        return False


# --------------------------------------------------------------------------- verifying


def verify_label(pdf_bytes: bytes, trust: TrustContext, *, at: dt.datetime,
                 source: str = "<pdf>", page: int | None = None, dpi: int = DEFAULT_DPI,
                 policy: VerificationPolicy = STRICT_POLICY) -> VerificationReport:
    """Verify a label PDF: the document (one bundle per page under its expected name, no
    other attachment, no active content), then every page's embedded bundle, QR claim and
    their binding (only page ``page``, 0-based, if given); never raises for bad input
    (every problem is a row). The trust list's rows appear once. ``policy`` applies to
    every page's bundle (:func:`cfl.verification.bundle_check.bundle_rows`)."""
    try:
        document, scan = _open_scanned(pdf_bytes, source)
    except CflError as exc:
        return VerificationReport(source, at, (
            CheckRow("label", Status.FAILED, exc.code, error_text(exc, source),
                     subject=source),))
    try:
        try:
            names = _attachment_names(document, source)
        except CflError as exc:
            return VerificationReport(source, at, (
                CheckRow("label", Status.FAILED, exc.code, error_text(exc, source),
                         subject=source),))
        rows = [_document_row(document, scan, names, source)]
        if len(document) == 0:  # nothing checked is never PASSED
            rows.append(CheckRow("label", Status.FAILED, "no_such_page", "has no page",
                                 subject=source))
        pages = range(len(document)) if page is None else [page]
        several = len(pages) > 1
        for index in pages:
            page_rows = _page_rows(document, index, names, trust, at=at, source=source,
                                   dpi=dpi, include_trust_rows=index == pages[0],
                                   policy=policy)
            if several:
                page_rows = [dataclasses.replace(
                    row, subject=f"page {index + 1}" + (f" {row.subject}" if row.subject
                                                          else "")) for row in page_rows]
            rows += page_rows
    finally:
        document.close()
    return VerificationReport(source, at, tuple(rows))


def _document_row(document: Any, scan: PdfScan, names: list[str], source: str) -> CheckRow:
    """Whether the PDF is only a label: its attachments are exactly one bundle per page
    under the names cfl gives them, and nothing in it runs or reacts when opened (a
    script, an action, a form, an annotation such as a link laid over the QR code)."""
    def failed(code: str, message: str) -> CheckRow:
        return CheckRow("label", Status.FAILED, code, message, subject=source)

    repeated = sorted(name for name, count in Counter(names).items() if count > 1)
    if repeated:
        return failed("label_duplicate_attachment", f"embeds {repeated[0]!r} more than once; "
                      "which copy a PDF reader shows is not defined")
    expected = {attachment_name(index, len(document)) for index in range(len(document))}
    unexpected = sorted(set(names) - expected)
    if unexpected:
        return failed("label_unexpected_attachment", f"embeds {unexpected[0]!r}, which is "
                      "not a label's bundle; a label carries one bundle per page and "
                      "nothing else")
    active = sorted(scan.active_names)
    if not active:
        if pdfium_c.FPDFDoc_GetJavaScriptActionCount(document.raw) > 0:
            active = ["JavaScript"]
        elif pdfium_c.FPDF_GetFormType(document.raw) != pdfium_c.FORMTYPE_NONE:
            active = ["AcroForm"]
    if active:
        return failed("label_active_content", f"holds active content (/{active[0]}); a cfl "
                      "label is a plain page and its attachment")
    return CheckRow("label", Status.PASSED, "label_plain",
                    f"the PDF holds {len(document)} page(s), no attachment other than their "
                    "bundles and no active content", subject=source)


def _page_rows(document: Any, page: int, names: list[str], trust: TrustContext, *,
               at: dt.datetime, source: str, dpi: int, include_trust_rows: bool,
               policy: VerificationPolicy = STRICT_POLICY) -> list[CheckRow]:
    rows: list[CheckRow] = []
    bundle = None
    bundle_bytes: bytes | None
    text: str | None
    try:
        bundle_bytes = _bundle_for_page(document, page, source, names)
    except CflError as exc:
        bundle_bytes = None
        rows.append(CheckRow("label-bundle", Status.FAILED, exc.code, error_text(exc, source),
                             subject=source))
    if bundle_bytes is not None:
        try:
            bundle = read_bundle(bundle_bytes, source=f"{source} (embedded bundle)")
            rows.append(CheckRow("label-bundle", Status.PASSED, "bundle_embedded",
                                 f"the label carries a well-formed signed bundle "
                                 f"({len(bundle.signatures)} signature(s))", subject=source))
        except CflError as exc:
            rows.append(CheckRow("label-bundle", Status.FAILED, exc.code,
                                 f"the embedded bundle is not well-formed: "
                                 f"{error_text(exc, source)}", subject=source))
    signed = None
    try:
        pdf_page = _load_page(document, page, source)
        if pdfium_c.FPDFPage_GetAnnotCount(pdf_page.raw) > 0:
            rows.append(CheckRow("label", Status.FAILED, "label_active_content",
                                 f"page {page + 1} holds annotations (links, comments, form "
                                 "fields …); a cfl label has none", subject=source))
        text = _qr_on_loaded_page(pdf_page, page, dpi, source)
    except CflError as exc:
        text = None
        rows.append(CheckRow("claim", Status.FAILED, exc.code, error_text(exc, source),
                             subject=source))
    if text is not None:
        try:
            signed = decode_claim_text(text, source=f"{source} (QR)")
            rows.append(claim_well_formed_row(signed, f"{source} (QR)"))
        except CflError as exc:
            rows.append(CheckRow("claim", Status.FAILED, exc.code,
                                 f"the QR code's claim is not well-formed: "
                                 f"{error_text(exc, source)}", subject=source))
    if bundle is not None:
        rows += bundle_rows(bundle, trust, at=at, include_trust_rows=include_trust_rows,
                            policy=policy)
    if signed is not None:
        rows += claim_rows(signed, trust, at=at,
                           include_trust_rows=include_trust_rows and bundle is None)
        if bundle is not None:
            rows += binding_rows(signed, bundle)
    return rows


def verify_qr_image(image_bytes: bytes, trust: TrustContext, *, at: dt.datetime,
                    source: str = "<image>") -> VerificationReport:
    """Verify the claim in a photo or scan of a label's QR code."""
    from cfl.claim.codec import verify_claim

    try:
        text = decode_qr_from_image(image_bytes, source=source)
    except CflError as exc:
        return VerificationReport(source, at, (
            CheckRow("claim", Status.FAILED, exc.code, error_text(exc, source),
                     subject=source),))
    return verify_claim(text, trust, at=at, source=f"{source} (QR)")
