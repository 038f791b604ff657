"""Shared test fixtures (keep small: several groups add to it)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from cfl.io.jsonio import loads_strict

TESTS_DIR = Path(__file__).resolve().parent
#: The shared reference data (PACT examples, rule-set research) beside the repository.
REFERENCE_DIR = Path(__file__).resolve().parents[1] / ".." / "shared" / "reference"
FIXTURES_DIR = TESTS_DIR / "fixtures"
# Test helper modules beside this file (e.g. signing_world) import under --import-mode=importlib.
if str(TESTS_DIR) not in sys.path:
    sys.path.insert(0, str(TESTS_DIR))


@pytest.fixture
def reference_dir() -> Path:
    return REFERENCE_DIR.resolve()


@pytest.fixture
def battery_declaration() -> dict[str, Any]:
    """A fresh copy of the valid battery-pack declaration (PACT v3 + cfl extension)."""
    path = FIXTURES_DIR / "declarations" / "battery-pack.json"
    value = loads_strict(path.read_bytes(), source=str(path))
    assert isinstance(value, dict)
    return value
