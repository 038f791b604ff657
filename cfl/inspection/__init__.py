"""Showing what a QR claim, a signed bundle or a label PDF holds, without verifying it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cfl.lazy import lazy_exports

if TYPE_CHECKING:
    from cfl.inspection.inspect import Inspection, declaration_ids, inspect_bytes, inspect_text
    from cfl.inspection.render import inspection_json, inspection_text

__all__ = [
    "Inspection",
    "declaration_ids",
    "inspect_bytes",
    "inspect_text",
    "inspection_json",
    "inspection_text",
]

#: The label reader imports pdfium: resolved on first use.
__getattr__ = lazy_exports(__name__, {
    "Inspection": "cfl.inspection.inspect",
    "declaration_ids": "cfl.inspection.inspect",
    "inspect_bytes": "cfl.inspection.inspect",
    "inspect_text": "cfl.inspection.inspect",
    "inspection_json": "cfl.inspection.render",
    "inspection_text": "cfl.inspection.render",
})
