"""Reading labels back: the embedded bundle, the QR on the rendered page, photos of QRs.

PDFs are bounded first (size, then :mod:`cfl.label.pdfscan`: no decompression bomb, no
filter or encryption cfl cannot bound) and then opened with pdfium; the page is rasterised
and the QR found with zxing-cpp restricted to QR codes. :class:`LabelDocument` reads
a label page by page for :mod:`cfl.verification.label_check`, which judges what it finds. A
page carrying two different QR codes is refused (ADR 0041).
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import functools
import io
import re
import warnings
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import zxingcpp
from PIL import Image

from cfl.claim.text import claim_bytes_from_text
from cfl.errors import CflError, InputError
from cfl.io.sniff import is_pdf
from cfl.label.pdfscan import PdfScan, scan_pdf
from cfl.label.record import RENDER_ATTACHMENT_NAME
from cfl.label.render import ATTACHMENT_NAME, PROOF_ATTACHMENT_NAME
from cfl.signing.jws import MAX_BUNDLE_BYTES

MAX_PDF_BYTES = 64 * 1024 * 1024
MAX_IMAGE_BYTES = 32 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000
MAX_PAGES = 20_000
DEFAULT_DPI = 150
#: zxing-cpp restricted to QR codes (about ten times faster than all formats).
QR_ONLY: Any = zxingcpp.BarcodeFormat.QRCode
MAX_PAGE_PIXELS = 60_000_000
#: Longest side of an image or rendered page (zxing-cpp reads at most 65,535 pixels a side).
MAX_SIDE = 65_535
#: A page with more objects than this (forms included) is not a label.
MAX_PAGE_OBJECTS = 20_000
#: A path with at least this many segments may be a QR code; below, it cannot be one
#: (the finder and timing patterns alone take more).
QR_PATH_SEGMENTS = 100
#: Margin around the QR path's bounds when rendering only that region, in points.
QR_REGION_MARGIN = 12.0


#: Names in a PDF's dictionaries that mean something can paint without a path of its own
#: on the page: a pattern (tiling or shading) fill, a shading, a Type3 font's glyph
#: procedures, a soft mask. A document holding any has no plain page.
PAINTING_NAMES = frozenset({"Pattern", "PatternType", "Shading", "ShadingType", "Type3",
                            "SMask", "CharProcs"})


#: The end of one revision of a PDF: its cross-reference offset and end-of-file marker.
_REVISION_END = re.compile(rb"startxref\s+\d+\s+%%EOF")

#: What pdfium (through pypdfium2 or its raw ctypes functions) and the bitmap readers raise
#: for a file they cannot read: each call into them is made inside :func:`_pdfium`, which
#: turns these into a ``bad_pdf`` error, so a hostile file is a report row, never a
#: traceback.
_PDFIUM_ERRORS = (pdfium.PdfiumError, ctypes.ArgumentError, OSError, ValueError, TypeError,
                  RuntimeError, KeyError, IndexError, OverflowError)


@contextlib.contextmanager
def _pdfium(source: str, what: str) -> Iterator[None]:
    """Run calls into pdfium: what they raise becomes :class:`InputError` ``bad_pdf``
    naming ``what`` could not be read (cfl's own errors pass through unchanged)."""
    try:
        yield
    except CflError:
        raise
    except _PDFIUM_ERRORS as exc:
        raise InputError(f"{what} cannot be read ({type(exc).__name__}: {exc})",
                         source=source, code="bad_pdf") from None


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
    except _PDFIUM_ERRORS as exc:
        raise InputError(f"is not a readable PDF ({exc})", source=source,
                         code="bad_pdf") from None
    try:
        with _pdfium(source, "the page tree"):
            pages = len(document)
    except CflError:
        document.close()
        raise
    if pages > MAX_PAGES:
        document.close()
        raise InputError(f"has {pages} pages; at most {MAX_PAGES}", source=source,
                         code="too_large")
    return document, scan


def extract_bundles(pdf_bytes: bytes, *, source: str = "<pdf>") -> dict[str, bytes]:
    """Every embedded file of a label PDF by name (each bounded like a bundle), but its
    render record (``render.json``: :meth:`LabelDocument.render_record`)."""
    document = _open_pdf(pdf_bytes, source)
    try:
        files = _attachments(document, source)
        files.pop(RENDER_ATTACHMENT_NAME, None)
        return files
    finally:
        document.close()


def _attachments(document: Any, source: str) -> dict[str, bytes]:
    names = _attachment_names(document, source)
    return {name: _attachment_data(document, index, name, source)
            for index, name in enumerate(names)}


def _attachment_names(document: Any, source: str) -> list[str]:
    """The names of the embedded files, in order (reading a name inflates nothing)."""
    with _pdfium(source, "an embedded file's name"):
        count = document.count_attachments()
        if count > MAX_PAGES:
            raise InputError(f"has {count} attachments; too many", source=source,
                             code="too_large")
        return [str(document.get_attachment(index).get_name()) for index in range(count)]


def _attachment_data(document: Any, index: int, name: str, source: str) -> bytes:
    with _pdfium(source, f"attachment {name!r}"):
        raw = document.get_attachment(index).get_data()
        if ctypes.sizeof(raw) > MAX_BUNDLE_BYTES:
            raise InputError(f"attachment {name!r} is larger than {MAX_BUNDLE_BYTES} bytes",
                             source=source, code="too_large")
        return bytes(raw)


def attachment_name(page: int, count: int) -> str:
    """Name of the bundle of page ``page`` (0-based) in a PDF of ``count`` labels."""
    return ATTACHMENT_NAME if count == 1 else f"bundle-{page + 1:05d}.json"


def proof_attachment_name(page: int, count: int) -> str:
    """Name of the proof of disclosure of page ``page`` (0-based) beside its bundle."""
    return PROOF_ATTACHMENT_NAME if count == 1 else f"proof-{page + 1:05d}.tlog-proof"


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
    with _pdfium(source, "the page tree"):
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
    document, scan = _open_scanned(pdf_bytes, source)
    try:
        return _qr_on_loaded_page(_load_page(document, page, source), page, dpi, source,
                                  plain_document=not scan.names & PAINTING_NAMES)
    finally:
        document.close()


def _load_page(document: Any, page: int, source: str) -> Any:
    """Page ``page`` (0-based) of ``document``; a page pdfium cannot load is bad input."""
    with _pdfium(source, f"page {page + 1}"):
        if not 0 <= page < len(document):
            raise InputError(f"has no page {page + 1}", source=source, code="no_such_page")
        return document[page]


def _qr_on_loaded_page(pdf_page: Any, page: int, dpi: int, source: str, *,
                       plain_document: bool = False) -> str:
    if not 36 <= dpi <= 1200:
        raise InputError("dpi must be between 36 and 1200", code="bad_dpi")
    with _pdfium(source, f"page {page + 1}'s size"):
        width, height = (float(side) for side in pdf_page.get_size())
    scale = dpi / 72
    if not (width > 0 and height > 0) or width * height * scale ** 2 > MAX_PAGE_PIXELS or \
            max(width, height) * scale > MAX_SIDE:
        raise InputError(f"page {page + 1} is too large (or too small) to rasterise at {dpi} "
                         "dpi", source=source, code="too_large")
    with _pdfium(source, f"page {page + 1} (rendered to find its QR code)"):
        return _qr_on_rendered_page(pdf_page, width, height, page, dpi, source,
                                    plain_document=plain_document)


def _qr_on_rendered_page(pdf_page: Any, width: float, height: float, page: int, dpi: int,
                         source: str, *, plain_document: bool = False) -> str:
    region = _plain_qr_region(pdf_page, width, height, page, source)
    if not plain_document:
        region = None  # a pattern, shading, Type3 glyph or soft mask can paint a code
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
    # pdfium's grey bitmap as a NumPy view (no copy): a PIL image would be copied twice on
    # the way to zxing-cpp, about 0.8 ms for an A4 page at 150 dpi
    return _decode_qr(bitmap.to_numpy(), source)


def _plain_qr_region(pdf_page: Any, width: float, height: float, page: int, source: str
                     ) -> tuple[float, float, float, float] | None:
    """pdfium crop margins (left, bottom, right, top) around the page's QR code path when
    the page is *plain*: one path with enough segments to be a QR code, the other paths
    together too few to draw another, none of them clipping, and no text (a glyph can draw
    anything: Type3 procedures, or an embedded font's outlines), image, shading or form
    object (any of which could hold a second code). None otherwise: the whole page is then
    searched. Patterns, shadings and Type3 fonts are seen in the document's dictionaries
    (:data:`PAINTING_NAMES`, the caller's ``plain_document``).

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
                self.plain = False  # glyphs can draw a code (Type3, crafted outlines)
                continue
            if _clips(obj):
                self.plain = False  # a clipping path can shape a fill into a code
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


def _clips(obj: Any) -> bool:
    """Whether page object ``obj`` is drawn through a clipping path with any segment."""
    clip = pdfium_c.FPDFPageObj_GetClipPath(obj)
    if not clip:
        return False
    for index in range(max(0, pdfium_c.FPDFClipPath_CountPaths(clip))):
        if pdfium_c.FPDFClipPath_CountPathSegments(clip, index) > 0:
            return True
    return False


def decode_qr_from_image(image_bytes: bytes, *, source: str = "<image>") -> str:
    """Decode the QR code in a PNG or JPEG photo or scan."""
    if len(image_bytes) > MAX_IMAGE_BYTES:
        raise InputError(f"is {len(image_bytes)} bytes; at most {MAX_IMAGE_BYTES} are accepted",
                         source=source, code="too_large")
    try:
        with warnings.catch_warnings():  # cfl's own bound, below Pillow's, says it cleanly
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(image_bytes), formats=["PNG", "JPEG"])
        if image.width * image.height > MAX_IMAGE_PIXELS or max(image.size) > MAX_SIDE:
            raise InputError(f"is {image.width} x {image.height} pixels; at most "
                             f"{MAX_IMAGE_PIXELS} pixels, and {MAX_SIDE} on a side, are "
                             "accepted", source=source, code="too_large")
        image.load()
    except InputError:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        # Pillow raises SyntaxError for some broken PNG chunks
        raise InputError(f"is not a readable PNG or JPEG image ({exc})", source=source,
                         code="bad_image") from None
    return _decode_qr(image.convert("L"), source, photo=True)


def _decode_qr(image: Image.Image | Any, source: str, *, photo: bool = False) -> str:
    """The one QR text in ``image`` (a grey PIL image, or a 2-D NumPy array of grey
    pixels), searched whole."""
    try:
        results = zxingcpp.read_barcodes(image, formats=QR_ONLY)
    except ValueError as exc:  # an image zxing-cpp cannot take (the bounds above should hold)
        raise InputError(f"cannot be searched for a QR code ({exc})", source=source,
                         code="bad_image") from None
    texts = [r.text for r in results if r.valid]
    if not texts:
        raise InputError("holds no readable QR code" + (
            "; retake the photo: sharp, well lit, the whole code in the frame" if photo
            else ""), source=source, code="no_qr")
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


# --------------------------------------------------------------------------- the label document


class LabelDocument:
    """An opened, bounded label PDF, read page by page for verification.

    Reading only: what each part means is :mod:`cfl.verification`'s business. Every reader
    raises :class:`~cfl.errors.CflError` for what cannot be read. Use as a context manager
    (the pdfium document is closed on exit).
    """

    def __init__(self, pdf_bytes: bytes, *, source: str) -> None:
        self.source = source
        self._document, self._scan = _open_scanned(pdf_bytes, source)
        #: How many revisions the file holds: cfl writes one; each incremental update
        #: (which can paint over a page without touching the original bytes) adds one.
        self.revisions = len(_REVISION_END.findall(pdf_bytes))
        try:
            self.attachment_names = _attachment_names(self._document, source)
        except CflError:
            self._document.close()
            raise

    def __enter__(self) -> LabelDocument:
        return self

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(*_PDFIUM_ERRORS):
            self._document.close()

    @property
    def page_count(self) -> int:
        with _pdfium(self.source, "the page tree"):
            return len(self._document)

    def problem(self) -> tuple[str, str] | None:
        """Why the PDF is not only a label, as ``(code, sentence)``, or None: its attachments
        must be exactly one bundle per page under the names cfl gives them, and nothing in it
        may run or react when opened (a script, an action, a form)."""
        names, document = self.attachment_names, self._document
        repeated = sorted(name for name, count in Counter(names).items() if count > 1)
        if repeated:
            return ("label_duplicate_attachment", f"embeds {repeated[0]!r} more than once; "
                    "which copy a PDF reader shows is not defined")
        expected = {name(index, len(document)) for index in range(len(document))
                    for name in (attachment_name, proof_attachment_name)}
        expected.add(RENDER_ATTACHMENT_NAME)
        unexpected = sorted(set(names) - expected)
        if unexpected:
            return ("label_unexpected_attachment", f"embeds {unexpected[0]!r}, which is "
                    "not a label's bundle; a label carries one bundle per page (and its "
                    "proof of disclosure) and nothing else")
        active = sorted(self._scan.active_names)
        if not active:
            with _pdfium(self.source, "the document's scripts and forms"):
                if pdfium_c.FPDFDoc_GetJavaScriptActionCount(document.raw) > 0:
                    active = ["JavaScript"]
                elif pdfium_c.FPDF_GetFormType(document.raw) != pdfium_c.FORMTYPE_NONE:
                    active = ["AcroForm"]
        if active:
            return ("label_active_content", f"holds active content (/{active[0]}); a cfl "
                    "label is a plain page and its attachment")
        return None

    def bundle_bytes(self, page: int) -> bytes:
        """The signed bundle embedded for page ``page`` (0-based)."""
        return _bundle_for_page(self._document, page, self.source, self.attachment_names)

    def proof_bytes(self, page: int) -> bytes | None:
        """The proof of disclosure embedded beside page ``page``'s bundle, if there is one."""
        name = proof_attachment_name(page, len(self._document))
        if name not in self.attachment_names:
            return None
        return _attachment_data(self._document, self.attachment_names.index(name), name,
                                self.source)

    def render_record(self) -> bytes | None:
        """The embedded render record's bytes (``render.json``), if there is one."""
        name = RENDER_ATTACHMENT_NAME
        if name not in self.attachment_names:
            return None
        return _attachment_data(self._document, self.attachment_names.index(name), name,
                                self.source)

    def page(self, page: int) -> LabelPage:
        """Page ``page`` (0-based), loaded for reading."""
        return LabelPage(_load_page(self._document, page, self.source), page, self.source,
                         plain_document=not self._scan.names & PAINTING_NAMES)


@dataclasses.dataclass(frozen=True)
class LabelPage:
    """One loaded page of a :class:`LabelDocument`."""

    pdf_page: Any
    index: int
    source: str
    #: Whether the document names nothing that paints without a path (PAINTING_NAMES).
    plain_document: bool = False

    @property
    def annotated(self) -> bool:
        """Whether the page holds annotations (links, comments, form fields): a label has
        none."""
        with _pdfium(self.source, f"the annotations of page {self.index + 1}"):
            return bool(pdfium_c.FPDFPage_GetAnnotCount(self.pdf_page.raw) > 0)

    def text(self) -> str:
        """The page's text as pdfium extracts it (what a reader's search finds)."""
        with _pdfium(self.source, f"the text of page {self.index + 1}"):
            text_page = self.pdf_page.get_textpage()
            try:
                return str(text_page.get_text_range())
            finally:
                text_page.close()

    def qr_text(self, dpi: int = DEFAULT_DPI) -> str:
        """The text of the page's one QR code, read from the page rendered at ``dpi``."""
        return _qr_on_loaded_page(self.pdf_page, self.index, dpi, self.source,
                                  plain_document=self.plain_document)
