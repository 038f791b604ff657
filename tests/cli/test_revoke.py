"""`cfl revoke`: by ids, bundles, labels or a file of them; only what the ledger says was
signed; always the next version of the current list."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from signing_cli import AT, FIXTURE, SIGNED, Scheme, make_scheme, run

from cfl.bundle.ledger import Ledger

ID = "3f1c2a9e-5b7d-4e8f-9a0b-1c2d3e4f5a6b"
LATER = "2026-03-20T00:00:00Z"


@pytest.fixture
def scheme(tmp_path: Path) -> Scheme:
    return make_scheme(tmp_path)


def version(path: Path) -> int:
    return int(json.loads(path.read_text())["revocationList"]["version"])


def test_revoke_by_label_and_verify_fails(scheme: Scheme, tmp_path: Path) -> None:
    label = tmp_path / "label.pdf"
    assert run("label", scheme.bundle, "-o", label, "--resolver",
               "HTTPS://X.EXAMPLE/V/").exit_code == 0
    result = run("revoke", label, "--key", scheme.certifier, "--reason", "wrong factor", "-o",
                 scheme.revocations, "--at", LATER)
    assert result.exit_code == 0, result.output
    assert f"revoked  {ID} ({label})" in result.stdout
    assert version(scheme.revocations) == 2
    assert scheme.verify(bundle=label).exit_code == 1
    again = run("revoke", label, "--key", scheme.certifier, "--reason", "wrong factor", "-o",
                scheme.revocations, "--at", LATER)
    assert again.exit_code == 0 and "nothing new to revoke" in again.output
    assert version(scheme.revocations) == 2  # re-running changes nothing
    state = Ledger(scheme.certifier / "ledger.jsonl").read()
    assert state.revoked[ID]["version"] == 2 and state.last_list is not None


def test_ids_never_signed_are_refused_unless_forced(scheme: Scheme) -> None:
    unknown = "00000000-0000-4000-8000-000000000001"
    result = run("revoke", unknown, ID, "--key", scheme.certifier, "--reason", "x", "-o",
                 scheme.revocations, "--at", LATER)
    assert result.exit_code == 1
    assert "1 declaration(s) were never signed according to the ledger" in result.output
    assert f"{unknown} (given)" in result.output and "--force" in result.output
    assert version(scheme.revocations) == 1
    forced = run("revoke", unknown, "--key", scheme.certifier, "--reason", "x", "-o",
                 scheme.revocations, "--force", "--at", LATER)
    assert forced.exit_code == 0 and version(scheme.revocations) == 2


def test_a_list_file_of_bundles_and_ids(scheme: Scheme, tmp_path: Path) -> None:
    listing = tmp_path / "revoke.txt"
    listing.write_text(f"{scheme.bundle.name}\n{ID.upper()}\n", encoding="utf-8")
    result = run("revoke", "--list", listing, "--key", scheme.certifier, "--reason", "x",
                 "-o", scheme.revocations, "--at", LATER, "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["totals"] == {"requested": 1, "revoked": 1, "alreadyRevoked": 0}


def test_a_new_output_continues_the_list_the_ledger_records(scheme: Scheme,
                                                           tmp_path: Path) -> None:
    assert run("revoke", ID, "--key", scheme.certifier, "--reason", "x", "-o",
               scheme.revocations, "--at", LATER).exit_code == 0
    elsewhere = tmp_path / "new-place.json"
    result = run("revoke", "--key", scheme.certifier, "-o", elsewhere, "--at", LATER)
    assert result.exit_code == 0, result.output
    assert "continuing the revocation list from the ledger" in result.output
    content = json.loads(elsewhere.read_text())["revocationList"]
    assert content["version"] == 3 and [e["id"] for e in content["entries"]] == [ID]
    fresh = run("verify", scheme.bundle, "--trust", scheme.trust_list, "--anchor",
                scheme.operator, "--revocations", elsewhere, "--trust-store",
                tmp_path / "fresh-store", "--at", AT)
    assert fresh.exit_code == 1 and "revoked" in fresh.output


def test_an_older_copy_of_the_list_is_refused(scheme: Scheme, tmp_path: Path) -> None:
    old = tmp_path / "old.json"
    old.write_bytes(scheme.revocations.read_bytes())
    assert run("revoke", ID, "--key", scheme.certifier, "--reason", "x", "-o",
               scheme.revocations, "--at", LATER).exit_code == 0
    result = run("revoke", "--key", scheme.certifier, "-o", old, "--at", LATER)
    assert result.exit_code == 1 and "older copy" in result.output
    forced = run("revoke", "--key", scheme.certifier, "-o", old, "--force", "--at", LATER)
    assert forced.exit_code == 0 and "extending it anyway" in forced.output


def test_a_first_list_says_it_starts_at_version_1(scheme: Scheme, tmp_path: Path) -> None:
    other = tmp_path / "other-certifier"
    assert run("keys", "generate", "-o", other).exit_code == 0
    result = run("revoke", "--key", other, "-o", tmp_path / "first.json", "--at", SIGNED)
    assert result.exit_code == 0
    assert "warning: starting a new revocation list at version 1" in result.output


def test_usage(scheme: Scheme) -> None:
    assert run("revoke", ID, "--key", scheme.certifier, "-o",
               scheme.revocations).exit_code == 2  # no --reason
    result = run("revoke", FIXTURE.parent / "nowhere", "--key", scheme.certifier,
                 "--reason", "x", "-o", scheme.revocations)
    assert result.exit_code == 1 and "is neither a declaration id" in result.output


def test_next_update_is_written_and_bounded(scheme: Scheme, tmp_path: Path) -> None:
    other = tmp_path / "other-certifier"
    assert run("keys", "generate", "-o", other).exit_code == 0
    out = tmp_path / "first.json"
    result = run("revoke", "--key", other, "-o", out, "--at", SIGNED, "--next-update", "3")
    assert result.exit_code == 0, result.output
    content = json.loads(out.read_text())["revocationList"]
    assert content["nextUpdate"] == "2026-03-13T00:00:00Z"
    assert content["issued"] == SIGNED
    refused = run("revoke", "--key", other, "-o", out, "--at", SIGNED, "--next-update", "0")
    assert refused.exit_code == 2 and "--next-update" in refused.output
