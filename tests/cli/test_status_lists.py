"""`cfl revoke --status-list` publishes the certifier's status list from the ledger's status
indexes; `cfl verify --status-list` (and cfl.toml, and the trust store) checks claims and
bundles against it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from signing_cli import AT, RESOLVER, SIGNED, Scheme, make_scheme, run

from cfl.bundle.ledger import Ledger
from cfl.io.jsonio import load_json_file
from cfl.trust.status_list import STATUS_LIST_SIZE_STEP

LATER = "2026-03-20T00:00:00Z"


@pytest.fixture
def scheme(tmp_path: Path) -> Scheme:
    return make_scheme(tmp_path)


def _content(path: Path) -> dict[str, object]:
    value = load_json_file(path)
    assert isinstance(value, dict)
    content = value["statusList"]
    assert isinstance(content, dict)
    return content


def _claim_text(scheme: Scheme) -> str:
    result = run("claim", scheme.bundle, "--resolver", RESOLVER)
    assert result.exit_code == 0, result.output
    return result.stdout.strip().splitlines()[-1]


def test_a_first_status_list_then_a_revocation_sets_the_bit_and_verify_fails(
        scheme: Scheme, tmp_path: Path) -> None:
    status = scheme.status_list  # version 1, written with the scheme's first revocation list
    assert status is not None
    assert _content(status)["version"] == 1 and _content(status)["size"] == STATUS_LIST_SIZE_STEP
    assert "nextUpdate" in _content(status)
    text = _claim_text(scheme)
    fine = run("verify", "--text", text, "--trust", scheme.trust_list, "--anchor",
               scheme.operator / "public.jwk.json", "--status-list", status, "--trust-store",
               scheme.store, "--at", AT)
    assert fine.exit_code == 0, fine.output
    assert "status index 0 is not revoked (status list version 1" in fine.output
    revoked = run("revoke", scheme.bundle, "--key", scheme.certifier, "--reason", "wrong",
                  "-o", scheme.revocations, "--status-list", status, "--at", LATER,
                  "--format", "json")
    assert revoked.exit_code == 0, revoked.output
    report = json.loads(revoked.stdout)
    assert report["statusList"] == {"list": str(status), "version": 2, "written": True,
                                    "size": STATUS_LIST_SIZE_STEP, "set": 1, "added": [0]}
    state = Ledger(scheme.certifier / "ledger.jsonl").read()
    assert state.last_status_list is not None and state.last_status_list["version"] == 2
    for extra in (("--text", text), (scheme.bundle,)):
        result = run("verify", *extra, "--trust", scheme.trust_list, "--anchor",
                     scheme.operator / "public.jwk.json", "--status-list", status,
                     "--trust-store", scheme.store, "--at", AT, "--format", "json")
        assert result.exit_code == 1, result.output
        rows = json.loads(result.stdout)["rows"]
        assert any(r["code"] == "revoked" and "status list version 2" in r["message"]
                   for r in rows)


def test_the_trust_store_remembers_the_list_and_refuses_an_older_one(
        scheme: Scheme, tmp_path: Path) -> None:
    status = scheme.status_list
    assert status is not None
    old = tmp_path / "status-v1.json"
    old.write_bytes(status.read_bytes())
    assert run("revoke", scheme.bundle, "--key", scheme.certifier, "--reason", "wrong", "-o",
               scheme.revocations, "--status-list", status, "--at", LATER).exit_code == 0
    text = _claim_text(scheme)
    base = ("verify", "--text", text, "--trust", scheme.trust_list, "--anchor",
            scheme.operator / "public.jwk.json", "--trust-store", scheme.store, "--at", AT)
    assert run(*base, "--status-list", status).exit_code == 1
    # version 1 (bit clear) after version 2 was seen: the stored version 2 still decides
    rolled_back = run(*base, "--status-list", old)
    assert rolled_back.exit_code == 1 and "status list version 2" in rolled_back.output
    # and with no list given the stored one is used
    assert run(*base).exit_code == 1


def test_cfl_toml_names_the_status_lists(scheme: Scheme, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    status = tmp_path / "status.json"
    (tmp_path / "cfl.toml").write_text(
        f'status-lists = ["{status.name}"]\nkey = "{scheme.certifier.name}"\n'
        f'trust = "{scheme.trust_list.name}"\nanchor = "operator/public.jwk.json"\n'
        f'trust-store = "store"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CFL_CONFIG", str(tmp_path / "cfl.toml"))
    made = run("revoke", scheme.bundle, "--reason", "wrong", "-o", scheme.revocations,
               "--at", LATER)
    assert made.exit_code == 0, made.output
    # the one status list cfl.toml names, continuing the scheme's (version 1 in the ledger)
    assert _content(status)["version"] == 2
    result = run("verify", "--text", _claim_text(scheme), "--at", AT)
    assert result.exit_code == 1 and "status index 0 is revoked" in result.output


def test_a_status_list_of_another_certifier_is_refused_as_the_next_version(
        scheme: Scheme, tmp_path: Path) -> None:
    other = tmp_path / "other"
    assert run("keys", "generate", "-o", other).exit_code == 0
    theirs = tmp_path / "theirs.json"
    assert run("revoke", "--key", other, "-o", tmp_path / "r.json", "--status-list", theirs,
               "--at", SIGNED).exit_code == 0
    result = run("revoke", "--key", scheme.certifier, "-o", scheme.revocations,
                 "--status-list", theirs, "--reissue", "--at", LATER)
    assert result.exit_code == 1 and "belongs to another certifier" in result.output
    assert _content(theirs)["version"] == 1  # untouched


def test_an_older_copy_of_the_status_list_is_refused_unless_forced(
        scheme: Scheme, tmp_path: Path) -> None:
    status = scheme.status_list
    assert status is not None
    copy = tmp_path / "copy.json"
    copy.write_bytes(status.read_bytes())
    assert run("revoke", "--key", scheme.certifier, "-o", scheme.revocations, "--status-list",
               status, "--reissue", "--at", LATER).exit_code == 0
    stale = run("revoke", scheme.bundle, "--key", scheme.certifier, "--reason", "x", "-o",
                scheme.revocations, "--status-list", copy, "--at", LATER)
    assert stale.exit_code == 1 and "version 2 was issued since" in stale.output
    assert _content(copy)["version"] == 1


def test_without_the_file_the_list_continues_from_the_ledger(
        scheme: Scheme, tmp_path: Path) -> None:
    status = tmp_path / "status.json"
    assert run("revoke", scheme.bundle, "--key", scheme.certifier, "--reason", "x", "-o",
               scheme.revocations, "--status-list", status, "--at", SIGNED).exit_code == 0
    status.unlink()
    again = run("revoke", "--key", scheme.certifier, "-o", scheme.revocations,
                "--status-list", status, "--at", LATER)
    assert again.exit_code == 0, again.output
    content = _content(status)
    assert content["version"] == 3  # continued from the ledger; the bit is set again
    result = run("verify", "--text", _claim_text(scheme), "--trust", scheme.trust_list,
                 "--anchor", scheme.operator / "public.jwk.json", "--status-list", status,
                 "--trust-store", tmp_path / "fresh", "--at", AT)
    assert result.exit_code == 1 and "status index 0 is revoked" in result.output


def test_the_same_file_for_both_lists_is_a_usage_error(scheme: Scheme) -> None:
    result = run("revoke", "--key", scheme.certifier, "-o", scheme.revocations,
                 "--status-list", scheme.revocations, "--at", LATER)
    assert result.exit_code == 2


def test_revoking_a_format_2_declaration_without_the_status_list_warns(
        scheme: Scheme) -> None:
    result = run("revoke", scheme.bundle, "--key", scheme.certifier, "--reason", "wrong",
                 "-o", scheme.revocations, "--at", LATER)
    assert result.exit_code == 0, result.output
    assert "1 of the declarations revoked carry a status index" in result.stderr
    assert "--status-list FILE" in result.stderr
