"""The shared reference data (PACT examples, rule-set research) in ../shared/reference, beside
the checkout (test helper).

Tests that read it skip with :data:`MISSING` where it is absent, so a checkout alone runs the
rest of the suite: take the ``reference_dir`` fixture (tests/conftest.py), mark the test with
:data:`needs_reference`, or parametrize over :func:`reference_files`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

REFERENCE_DIR = Path(__file__).resolve().parents[2] / "shared" / "reference"
MISSING = "../shared/reference is not beside the checkout"

#: Skips the test (or, as ``pytestmark``, the module) when the reference folder is absent.
needs_reference = pytest.mark.skipif(not REFERENCE_DIR.is_dir(), reason=MISSING)


def reference_files(folder: str, pattern: str) -> list[Any]:
    """The files matching *pattern* in the reference *folder*, sorted, as test parameters; one
    skipped parameter (id ``reference-missing``) when the reference folder is absent."""
    if not REFERENCE_DIR.is_dir():
        return [pytest.param(None, id="reference-missing", marks=pytest.mark.skip(reason=MISSING))]
    return sorted((REFERENCE_DIR / folder).glob(pattern))
