"""The package layers hold: no import cycle between any two cfl modules, the layer contract
in pyproject.toml is kept, and no import is hidden inside a function except the few that
defer an expensive dependency (each named here with its reason)."""

from __future__ import annotations

import ast
from pathlib import Path

import grimp
import pytest
from importlinter.cli import EXIT_STATUS_SUCCESS, lint_imports

PACKAGE = Path(__file__).resolve().parents[1] / "cfl"

#: (module, imported module) pairs allowed inside a function, and why.
DEFERRED_IMPORTS = {
    ("cfl.verification.bundle_check", "cfl.declaration.rules"):
        "with the schema check, on the first bundle only: verifying a QR text needs neither",
    ("cfl.verification.bundle_check", "cfl.declaration.schema"):
        "imports jsonschema (slow); verifying a QR text never needs it",
    ("cfl.verification.verify", "cfl.verification"):
        "label_check imports the PDF and image stack (~300 ms), only for a label or a photo",
}


def test_no_module_imports_itself_through_others() -> None:
    graph = grimp.build_graph("cfl")
    cycles = []
    for module in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(module):
            if module != imported and graph.chain_exists(imported=module, importer=imported):
                cycles.append(f"{module} -> {imported}")
    assert cycles == []


def test_the_layer_contract_is_kept() -> None:
    """The same check as CI's ``lint-imports`` (the contract lives in pyproject.toml)."""
    status = lint_imports(config_filename=str(PACKAGE.parent / "pyproject.toml"))
    assert status == EXIT_STATUS_SUCCESS


def _function_local_imports() -> list[tuple[str, str, int]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        module = module.removesuffix(".__init__")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom) and (inner.module or "").startswith("cfl"):
                    found.append((module, str(inner.module), inner.lineno))
                elif isinstance(inner, ast.Import):
                    found += [(module, alias.name, inner.lineno) for alias in inner.names
                              if alias.name.startswith("cfl")]
    return found


def test_no_cfl_import_hides_inside_a_function_without_a_reason() -> None:
    unexplained = [f"{module}:{line} imports {imported}"
                   for module, imported, line in _function_local_imports()
                   if (module, imported) not in DEFERRED_IMPORTS]
    if unexplained:
        pytest.fail("imports inside functions (move them to the top, or name the reason in "
                    "DEFERRED_IMPORTS): " + "; ".join(unexplained))


def test_every_deferred_import_still_exists() -> None:
    present = {(module, imported) for module, imported, _ in _function_local_imports()}
    assert set(DEFERRED_IMPORTS) <= present
