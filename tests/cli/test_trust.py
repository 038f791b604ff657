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
    assert "Cert Body [active] certifier, CNAS:CNAS-C123" in result.output
    assert "lithium-ion-battery, pv-module" in result.output
    as_json = json.loads(run("trust", "show", scheme.trust_list, "--format", "json").output)
    assert as_json["version"] == 1 and len(as_json["entries"]) == 1
    result = run("trust", "add", scheme.trust_list, "--public-key", scheme.operator, "--name", "X",
                 "--accreditation", "CNAS", "--scope", "cement", "--valid-from", SIGNED,
                 "--valid-until", AT)
    assert result.exit_code == 2 and "ACCREDITOR:NUMBER" in result.output
    assert run("trust", "init", "-o", scheme.trust_list, "--name", "x", "--expires",
               AT).exit_code == 2  # refuses to replace


def _add(scheme: Scheme, *extra: str) -> tuple[int, str]:
    result = run("trust", "add", scheme.root / "list.json", "--public-key", scheme.operator,
                 "--name", "Maker", "--accreditation", "USCC:91350100M000100Y43", "--scope",
                 "lithium-ion-battery", "--valid-from", SIGNED, "--valid-until", AT, *extra)
    return result.exit_code, result.output


def _roles(scheme: Scheme) -> dict[str, list[str]]:
    content = json.loads((scheme.root / "list.json").read_text())["trustList"]
    return {entry["name"]: entry["roles"] for entry in content["entries"]}


def test_trust_add_role_is_written_and_shown(scheme: Scheme) -> None:
    assert _roles(scheme) == {"Cert Body": ["certifier"]}  # the default
    code, output = _add(scheme, "--role", "manufacturer")
    assert code == 0 and "as manufacturer" in output
    assert _roles(scheme)["Maker"] == ["manufacturer"]
    shown = run("trust", "show", scheme.root / "list.json").output
    assert "Maker [active] manufacturer, USCC:91350100M000100Y43" in shown
    code, _ = _add(scheme, "--role", "manufacturer", "--role", "certifier")
    assert code == 0 and _roles(scheme)["Maker"] == ["certifier", "manufacturer"]
    assert "certifier and manufacturer" in run("trust", "show", scheme.root / "list.json").output


def test_trust_add_refuses_an_unknown_role(scheme: Scheme) -> None:
    code, output = _add(scheme, "--role", "auditor")
    assert code == 2 and "certifier" in output and "manufacturer" in output


def test_trust_add_to_a_list_without_roles_says_what_to_do(scheme: Scheme) -> None:
    draft = scheme.root / "list.json"
    old = json.loads(draft.read_text())
    del old["trustList"]["entries"][0]["roles"]
    draft.write_text(json.dumps(old))
    code, output = _add(scheme, "--role", "manufacturer")
    assert code == 1
    assert "$.trustList.entries[0]: the entry has no 'roles'" in output
    assert "--role" in output
