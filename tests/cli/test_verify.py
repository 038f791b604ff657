"""`cfl verify` and `cfl revoke`: exit codes, trust store, rollback, revocation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from signing_cli import AT, SIGNED, Scheme, make_scheme, run


@pytest.fixture
def scheme(tmp_path: Path) -> Scheme:
    return make_scheme(tmp_path)


def test_verify_passes_then_fails_after_revocation(scheme: Scheme) -> None:
    result = scheme.verify()
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1].startswith("PASSED")
    assert "PASSED        signature_valid" in result.output
    result = run("revoke", "--key", scheme.certifier, "-o", scheme.revocations, "--id",
                 "3f1c2a9e-5b7d-4e8f-9a0b-1c2d3e4f5a6b", "--reason", "data error", "--at",
                 "2026-03-20T00:00:00Z")
    assert result.exit_code == 0
    result = scheme.verify("--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["bottomLine"] == "FAILED"
    assert [r["code"] for r in report["rows"] if r["status"] == "FAILED"] == ["revoked"]


def test_verify_is_indeterminate_without_revocation_information(scheme: Scheme) -> None:
    result = run("verify", scheme.bundle, "--trust", scheme.trust_list, "--anchor",
                 scheme.operator, "--trust-store", scheme.store, "--at", AT)
    assert result.exit_code == 3
    assert "revocation_unavailable" in result.output


def test_verify_uses_the_stored_trust_list_and_refuses_a_rollback(scheme: Scheme) -> None:
    assert scheme.verify().exit_code == 0
    stored = run("verify", scheme.bundle, "--anchor", scheme.operator, "--trust-store",
                 scheme.store, "--at", AT)
    assert stored.exit_code == 0, stored.output
    v2 = scheme.root / "v2.json"
    assert run("trust", "sign", scheme.trust_list, "--key", scheme.operator, "--version", "2",
               "-o", v2, "--at", SIGNED).exit_code == 0
    assert scheme.verify(bundle=scheme.bundle).exit_code == 0  # v1 still fine before v2 seen
    result = run("verify", scheme.bundle, "--trust", v2, "--anchor", scheme.operator,
                 "--trust-store", scheme.store, "--at", AT)
    assert result.exit_code == 0, result.output
    result = scheme.verify()
    assert result.exit_code == 1 and "trust_list_rollback" in result.output


def test_verify_fails_for_a_tampered_bundle_and_with_the_wrong_anchor(scheme: Scheme) -> None:
    tampered = scheme.root / "tampered.json"
    tampered.write_bytes(scheme.bundle.read_bytes().replace(b"60 kWh", b"70 kWh"))
    result = scheme.verify(bundle=tampered)
    assert result.exit_code == 1 and "signature_invalid" in result.output
    result = run("verify", scheme.bundle, "--trust", scheme.trust_list, "--anchor",
                 scheme.certifier, "--trust-store", scheme.store, "--at", AT)
    assert result.exit_code == 1 and "trust_list_signature" in result.output


def test_verify_usage_and_input_errors(scheme: Scheme) -> None:
    assert run("verify", scheme.bundle).exit_code == 2  # --anchor is required
    assert run("verify", scheme.bundle, "--anchor", scheme.operator, "--at",
               "yesterday").exit_code == 2
    result = run("verify", scheme.root / "missing.json", "--anchor", scheme.operator,
                 "--trust-store", scheme.store)
    assert result.exit_code == 1 and "does not exist" in result.output
