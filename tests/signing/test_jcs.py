from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from shared_reference import reference_files

from cfl.errors import InputError
from cfl.io.jsonio import loads_strict
from cfl.signing.jcs import canonical_bytes, sha256_digest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "declarations"


def documents() -> list[Any]:
    return sorted(FIXTURES.glob("*.json")) + reference_files("pact/v3.0.3/examples", "*.json")


@pytest.mark.parametrize("path", documents(), ids=lambda p: p.name)
def test_equals_rfc8785_package_on_every_document(path: Path) -> None:
    raw = path.read_bytes()
    assert canonical_bytes(loads_strict(raw)) == rfc8785.dumps(json.loads(raw))


def test_numbers_follow_jcs() -> None:
    assert canonical_bytes({"b": Decimal("95.0"), "a": Decimal("0.5")}) == b'{"a":0.5,"b":95}'


def test_inexact_numbers_refused() -> None:
    with pytest.raises(InputError, match="IEEE-754"):
        canonical_bytes({"x": Decimal("0.1000000000000000000001")})


def test_digest_is_sha256_of_bytes() -> None:
    import hashlib

    assert sha256_digest({"a": 1}) == hashlib.sha256(b'{"a":1}').digest()
