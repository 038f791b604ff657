"""Declarations: the ``Declaration`` model, the one view every consumer reads, the schemas
and cross-field rules, identifiers, GWP tables and the friendly input format."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cfl.lazy import lazy_exports

if TYPE_CHECKING:
    from cfl.declaration.friendly import declaration_from_input, declare_csv, declare_file
    from cfl.declaration.gwp import gwp_table
    from cfl.declaration.model import Declaration, load_declaration_file
    from cfl.declaration.rules import semantic_findings
    from cfl.declaration.schema import check_declaration
    from cfl.declaration.view import (
        CFL_EXTENSION_SCHEMA,
        DeclarationView,
        ValidityWindow,
        cfl_extension,
        validity_window,
    )

_HOMES = {
    "CFL_EXTENSION_SCHEMA": "cfl.declaration.view",
    "Declaration": "cfl.declaration.model",
    "DeclarationView": "cfl.declaration.view",
    "ValidityWindow": "cfl.declaration.view",
    "cfl_extension": "cfl.declaration.view",
    "check_declaration": "cfl.declaration.schema",
    "declaration_from_input": "cfl.declaration.friendly",
    "declare_csv": "cfl.declaration.friendly",
    "declare_file": "cfl.declaration.friendly",
    "gwp_table": "cfl.declaration.gwp",
    "load_declaration_file": "cfl.declaration.model",
    "semantic_findings": "cfl.declaration.rules",
    "validity_window": "cfl.declaration.view",
}
__all__ = [
    "CFL_EXTENSION_SCHEMA",
    "Declaration",
    "DeclarationView",
    "ValidityWindow",
    "cfl_extension",
    "check_declaration",
    "declaration_from_input",
    "declare_csv",
    "declare_file",
    "gwp_table",
    "load_declaration_file",
    "semantic_findings",
    "validity_window",
]
__getattr__ = lazy_exports("cfl.declaration", _HOMES)
