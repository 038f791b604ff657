"""PACT v2/v3 files in and out."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cfl.lazy import lazy_exports

if TYPE_CHECKING:
    from cfl.interop.pact import ImportedFootprint, export_pact, import_footprint, import_pact

_HOMES = {
    "ImportedFootprint": "cfl.interop.pact",
    "export_pact": "cfl.interop.pact",
    "import_footprint": "cfl.interop.pact",
    "import_pact": "cfl.interop.pact",
}
__all__ = [
    "ImportedFootprint",
    "export_pact",
    "import_footprint",
    "import_pact",
]
__getattr__ = lazy_exports("cfl.interop", _HOMES)
