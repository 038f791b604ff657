"""``cfl trust add-log`` and ``cfl log witness key`` in-process: a log listed in a trust list
the operator signs, and a witness's verifier key (the register and monitor tests run the
rest against a real register)."""

from __future__ import annotations

import json
from pathlib import Path

from log_world import log_world
from signing_cli import SIGNED, make_scheme, run

from cfl.log.note import parse_verifier_key


def test_the_operator_lists_a_log_and_signs_the_list(tmp_path: Path) -> None:
    scheme = make_scheme(tmp_path)
    logs = log_world()
    draft = tmp_path / "with-log.json"
    added = run("trust", "add-log", scheme.trust_list, "-o", draft, "--origin",
                logs.log.name, "--url", "https://log.example.org/cfl-test-suite",
                "--log-key", logs.log.verifier_key.text, "--witness",
                logs.witnesses[0].verifier_key.text, "--quorum", "1", "--valid-from",
                "2026-01-01T00:00:00Z", "--valid-until", "2027-01-01T00:00:00Z",
                "--format", "json")
    assert added.exit_code == 0, added.output
    summary = json.loads(added.stdout)
    assert summary["action"] == "add-log" and summary["origin"] == logs.log.name
    signed = tmp_path / "with-log.signed.json"
    assert run("trust", "sign", draft, "--key", scheme.operator, "-o", signed, "--at",
               SIGNED).exit_code == 0
    (listed,) = json.loads(signed.read_bytes())["trustList"]["transparencyLogs"]
    assert listed["logKeys"] == [logs.log.verifier_key.text]
    assert listed["witnesses"] == {"quorum": 1, "keys": [logs.witnesses[0].verifier_key.text]}
    wrong = run("trust", "add-log", scheme.trust_list, "-o", tmp_path / "x.json", "--origin",
                "another.example/log", "--url", "https://another.example/log", "--log-key",
                logs.log.verifier_key.text, "--valid-from", "2026-01-01T00:00:00Z",
                "--valid-until", "2027-01-01T00:00:00Z")
    assert wrong.exit_code == 1 and "named after its origin" in wrong.output


def test_a_witness_key_is_printed_as_a_verifier_key(tmp_path: Path) -> None:
    assert run("keys", "generate", "-o", tmp_path / "witness").exit_code == 0
    printed = run("log", "witness", "key", "--key", tmp_path / "witness", "--name",
                  "witness.example.org")
    assert printed.exit_code == 0, printed.output
    key = parse_verifier_key(printed.stdout.strip())
    assert key.name == "witness.example.org" and key.sig_type == 0x04
