"""What is drawn is what cfl draws: a label page is compared, pixel block by pixel block,
with the page cfl draws again from the signed bundle (ADR 0132, amended).

The text layer of a page can hold the signed figures while paths drawn over them show
others; drawing the label again with the recorded template and font (when this verifier has
both, and is the cfl version that drew it) and comparing the two rasters catches any such
painting. What is drawn comes from the signed bundle, the QR code's claim text and this
verifier's trust list, never from the record's free text.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pypdfium2 as pdfium

from cfl import __version__
from cfl.bundle.model import Bundle
from cfl.errors import CflError, InputError
from cfl.label.fonts import font_digest
from cfl.label.readback import LabelPage
from cfl.label.record import RenderRecord
from cfl.label.render import MM, LabelRenderer, SignerNames, prepare_label
from cfl.label.templates import builtin_template_digests, load_template
from cfl.report.model import CheckRow, error_text
from cfl.report.reasons import row
from cfl.trust.context import TrustContext

#: Resolution both pages are rasterised at: 1 px = 0.25 mm. At 72 dpi a changed digit of the
#: 5-7 pt small print moves as few as one pixel by more than the threshold; at 100 dpi two
#: or more, and a page costs about twice the pixels.
DRAWING_DPI = 100
#: A pixel differs when one of its channels differs by more than this (of 255): a quarter of
#: the range, above the grey of an anti-aliased edge moved by under a quarter pixel.
PIXEL_THRESHOLD = 64
#: Side of a comparison block in pixels (1 mm at 100 dpi).
BLOCK = 4
#: A block differs when more than this many of its pixels differ: a lone pixel is treated as
#: rasterisation noise; two in a millimetre are a drawn difference. (The honest page and the
#: one drawn again are the same operators rasterised by the same pdfium: identical pixels.)
BLOCK_PIXELS = 1


def drawing_rows(page: LabelPage, record: RenderRecord | None, bundle: Bundle,
                 bundle_bytes: bytes, claim_text: str, trust: TrustContext, *,
                 subject: str, required: bool = False) -> list[CheckRow]:
    """One row: the page draws what cfl draws from the signed bundle (PASSED), differs from
    it somewhere (FAILED ``label_drawing_differs``, naming where), or could not be compared
    (NOT_CHECKED ``label_drawing_not_checked``: no record, another template, font or cfl;
    with ``required``, followed by INDETERMINATE ``label_drawing_required``)."""
    number = page.index + 1

    def not_checked(form: str = "", **args: str) -> list[CheckRow]:
        rows = [row("label_drawing_not_checked", form=form, page=number, subject=subject,
                    **args)]
        if required:
            rows.append(row("label_drawing_required", page=number, subject=subject))
        return rows

    if record is None:
        return not_checked()
    if record.cfl_version != __version__:
        return not_checked("version", version=record.cfl_version, current=__version__)
    name = builtin_template_digests().get(record.template_sha256)
    if name is None:
        return not_checked("template", template=record.template)
    template = load_template(name)
    if font_digest(template.font_path) != record.font_sha256 or \
            template.font_subfont != record.font_subfont:
        return not_checked("font", template=name)
    try:
        names: SignerNames | None = _signer_names(trust) if record.signer_names else None
        content = prepare_label(bundle, bundle_bytes, claim_text, signer_names=names)
        redrawn = LabelRenderer(template).render([content])
        given = _raster(page.pdf_page, page.source)
        document = pdfium.PdfDocument(redrawn)
        try:
            expected = _raster(document[0], "<redrawn>")
        finally:
            document.close()
    except CflError as exc:  # the bundle or the claim holds what cfl cannot draw
        detail = error_text(exc, subject)
        return [row("label_drawing_impossible", page=number, subject=subject,
                    detail=detail if exc.code in detail else f"{exc.code}: {detail}")]
    if given.shape != expected.shape:
        return [row("label_drawing_differs", form="size", page=number, template=name,
                    subject=subject)]
    box = differing_box(given, expected)
    if box is None:
        return [row("label_drawing_agrees", page=number, template=name, subject=subject)]
    left, top, right, bottom = (f"{value * 25.4 / DRAWING_DPI:.0f}" for value in box)
    return [row("label_drawing_differs", page=number, left=left, top=top, right=right,
                bottom=bottom, subject=subject)]


def _signer_names(trust: TrustContext) -> SignerNames:
    """kid → (name, accreditation) of every signer the accepted trust list names."""
    accepted = trust.trust_list
    if accepted is None:
        return {}
    return {entry.kid: (entry.name, str(entry.accreditation)) for entry in accepted.entries}


def _raster(pdf_page: Any, source: str) -> Any:
    """The page as an RGB array at :data:`DRAWING_DPI` (bounded: a label page is small)."""
    try:
        width, height = (float(side) for side in pdf_page.get_size())
        if not (0 < width <= 2000 * MM and 0 < height <= 2000 * MM):
            raise InputError("the page is too large to compare", source=source,
                             code="too_large")
        bitmap = pdf_page.render(scale=DRAWING_DPI / 72, rev_byteorder=True)
        return np.ascontiguousarray(bitmap.to_numpy()[:, :, :3])
    except CflError:
        raise
    except (pdfium.PdfiumError, ValueError, TypeError, RuntimeError, OSError) as exc:
        raise InputError(f"the page cannot be rasterised ({exc})", source=source,
                         code="bad_pdf") from None


def differing_box(given: Any, expected: Any) -> tuple[int, int, int, int] | None:
    """The pixel box (left, top, right, bottom) around every block where more than
    :data:`BLOCK_PIXELS` pixels differ by more than :data:`PIXEL_THRESHOLD` in a channel;
    None when no block does."""
    if np.array_equal(given, expected):  # an honest page: the same pixels (a memcmp)
        return None
    differs = (np.abs(given.astype(np.int16) - expected).max(axis=2) > PIXEL_THRESHOLD)
    height, width = differs.shape
    padded = np.zeros((-(-height // BLOCK) * BLOCK, -(-width // BLOCK) * BLOCK), dtype=np.int32)
    padded[:height, :width] = differs
    blocks = padded.reshape(padded.shape[0] // BLOCK, BLOCK, padded.shape[1] // BLOCK,
                            BLOCK).sum(axis=(1, 3)) > BLOCK_PIXELS
    if not blocks.any():
        return None
    rows, columns = np.nonzero(blocks)
    return (int(columns.min()) * BLOCK, int(rows.min()) * BLOCK,
            min(width, (int(columns.max()) + 1) * BLOCK),
            min(height, (int(rows.max()) + 1) * BLOCK))


__all__ = ["BLOCK", "BLOCK_PIXELS", "DRAWING_DPI", "PIXEL_THRESHOLD", "differing_box",
           "drawing_rows"]
