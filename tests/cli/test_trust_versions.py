"""`cfl trust add` and `cfl trust sign` continue from the last signed version, so a verifier
that saw one version accepts the next (the README flow run twice)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from signing_cli import AT, SIGNED, Scheme, make_scheme, run


@pytest.fixture
def scheme(tmp_path: Path) -> Scheme:
    return make_scheme(tmp_path)


def _add_maker(scheme: Scheme, maker: Path) -> None:
    assert run("keys", "generate", "-o", maker).exit_code == 0
    result = run("trust", "add", scheme.root / "list.json", "--public-key", maker, "--role",
                 "manufacturer", "--name", "Maker", "--accreditation", "USCC:X1", "--scope",
                 "lithium-ion-battery", "--valid-from", SIGNED, "--valid-until",
                 "2027-01-01T00:00:00Z")
    assert result.exit_code == 0, result.output
    assert "version 2 (the next version: the list was signed)" in result.output


def test_the_next_edit_and_signature_make_version_2_which_verifiers_accept(
        scheme: Scheme, tmp_path: Path) -> None:
    assert scheme.verify().exit_code == 0  # the store has seen version 1
    _add_maker(scheme, tmp_path / "maker")
    signed = run("trust", "sign", scheme.root / "list.json", "--key", scheme.operator, "-o",
                 scheme.trust_list, "--at", "2026-03-15T00:00:00Z")
    assert signed.exit_code == 0, signed.output
    assert json.loads(scheme.trust_list.read_text())["trustList"]["version"] == 2
    result = scheme.verify()
    assert result.exit_code == 0, result.output
    assert "trust_list_version_conflict" not in result.output


def test_signing_a_reused_version_continues_and_warns(scheme: Scheme, tmp_path: Path) -> None:
    draft = tmp_path / "fresh-draft.json"
    assert run("trust", "init", "-o", draft, "--name", "Operator", "--expires",
               "2026-12-31T00:00:00Z", "--at", SIGNED).exit_code == 0
    result = run("trust", "sign", draft, "--key", scheme.operator, "-o", scheme.trust_list,
                 "--at", "2026-03-15T00:00:00Z")
    assert result.exit_code == 0
    assert "warning: version 1 was signed already" in result.output
    assert json.loads(scheme.trust_list.read_text())["trustList"]["version"] == 2
    refused = run("trust", "sign", draft, "--key", scheme.operator, "-o", scheme.trust_list,
                  "--version", "2", "--at", "2026-03-16T00:00:00Z")
    assert refused.exit_code == 2 and "--version 3" in refused.output


def test_the_resolver_goes_into_the_list_and_onto_the_labels(scheme: Scheme,
                                                            tmp_path: Path) -> None:
    result = run("trust", "sign", scheme.root / "list.json", "--key", scheme.operator,
                 "--resolver", "HTTPS://LABELS.EXAMPLE.CN/V/", "-o", tmp_path / "r.json",
                 "--at", "2026-03-15T00:00:00Z")
    assert result.exit_code == 0, result.output
    label = run("label", scheme.bundle, "--trust", tmp_path / "r.json", "--anchor",
                scheme.operator, "-o", tmp_path / "l.pdf", "--at", AT, "--format", "json")
    assert label.exit_code == 0, label.output
    assert json.loads(label.stdout)["resolver"] == "HTTPS://LABELS.EXAMPLE.CN/V/"
    assert "warning:" not in label.output
