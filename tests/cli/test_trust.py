"""`cfl trust`: init, add, sign, show."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from signing_cli import AT, SIGNED, Scheme, make_scheme, run


@pytest.fixture
def scheme(tmp_path: Path) -> Scheme:
    return make_scheme(tmp_path)


def test_trust_show_and_add_validation(scheme: Scheme) -> None:
    result = run("trust", "show", scheme.trust_list)
    assert result.exit_code == 0
    assert "Cert Body [active] CNAS:CNAS-C123" in result.output
    assert "lithium-ion-battery, pv-module" in result.output
    as_json = json.loads(run("trust", "show", scheme.trust_list, "--format", "json").output)
    assert as_json["version"] == 1 and len(as_json["entries"]) == 1
    result = run("trust", "add", scheme.trust_list, "--jwk", scheme.operator, "--name", "X",
                 "--accreditation", "CNAS", "--scope", "cement", "--valid-from", SIGNED,
                 "--valid-until", AT)
    assert result.exit_code == 2 and "ACCREDITOR:NUMBER" in result.output
    assert run("trust", "init", "-o", scheme.trust_list, "--name", "x", "--expires",
               AT).exit_code == 2  # refuses to replace
