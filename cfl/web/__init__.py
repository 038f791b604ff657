"""The offline verification page: static HTML and WebCrypto, fed its data by the Python."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cfl.lazy import lazy_exports

if TYPE_CHECKING:
    from cfl.web.page import PageSources, build_page, page_data, render_page

_HOMES = {
    "PageSources": "cfl.web.page",
    "build_page": "cfl.web.page",
    "page_data": "cfl.web.page",
    "render_page": "cfl.web.page",
}
__all__ = [
    "PageSources",
    "build_page",
    "page_data",
    "render_page",
]
__getattr__ = lazy_exports("cfl.web", _HOMES)
