"""Package faces that import on first use.

A package whose modules pull in a slow dependency (jsonschema, reportlab, pdfium) lists its
public names in ``__all__`` and resolves each on first access through :func:`lazy_exports`,
so importing one light module of the package (``cfl.declaration.view``) does not import the
heavy ones.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, homes: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports ``name`` from its module in ``homes``."""

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(home), name)

    return __getattr__
