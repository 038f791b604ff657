"""Every package has one face: an ``__all__`` whose every name resolves, and light modules
do not drag their package's heavy neighbours in."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

PACKAGES = ["cfl.io", "cfl.declaration", "cfl.signing", "cfl.report", "cfl.claim",
            "cfl.trust", "cfl.log", "cfl.bundle", "cfl.verification", "cfl.label",
            "cfl.recognition", "cfl.interop", "cfl.web", "cfl.demo", "cfl.register"]


@pytest.mark.parametrize("name", PACKAGES)
def test_every_public_name_resolves(name: str) -> None:
    package = importlib.import_module(name)
    exported = getattr(package, "__all__", None)
    assert exported, f"{name} declares no __all__"
    for attribute in exported:
        assert getattr(package, attribute) is not None, f"{name}.{attribute}"
    missing = "no_such_name"
    with pytest.raises(AttributeError):
        getattr(package, missing)


def test_the_declaration_view_does_not_import_the_schema_validator() -> None:
    script = ("import sys, cfl.declaration.view, cfl.claim; "
              "print('jsonschema' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "False"
