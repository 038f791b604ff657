"""Labels: templates, fonts, rendering with the QR code and the embedded bundle, batches,
and reading labels back."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cfl.lazy import lazy_exports

if TYPE_CHECKING:
    from cfl.label.batch import collect_items, render_batch
    from cfl.label.readback import (
        LabelDocument,
        decode_qr_from_image,
        decode_qr_from_pdf,
        extract_bundle,
    )
    from cfl.label.render import (
        LabelContent,
        LabelRenderer,
        label_claim_text,
        prepare_label,
        render_label,
    )
    from cfl.label.templates import Template, load_template

_HOMES = {
    "LabelContent": "cfl.label.render",
    "LabelDocument": "cfl.label.readback",
    "LabelRenderer": "cfl.label.render",
    "Template": "cfl.label.templates",
    "collect_items": "cfl.label.batch",
    "decode_qr_from_image": "cfl.label.readback",
    "decode_qr_from_pdf": "cfl.label.readback",
    "extract_bundle": "cfl.label.readback",
    "label_claim_text": "cfl.label.render",
    "load_template": "cfl.label.templates",
    "prepare_label": "cfl.label.render",
    "render_batch": "cfl.label.batch",
    "render_label": "cfl.label.render",
}
__all__ = [
    "LabelContent",
    "LabelDocument",
    "LabelRenderer",
    "Template",
    "collect_items",
    "decode_qr_from_image",
    "decode_qr_from_pdf",
    "extract_bundle",
    "label_claim_text",
    "load_template",
    "prepare_label",
    "render_batch",
    "render_label",
]
__getattr__ = lazy_exports("cfl.label", _HOMES)
