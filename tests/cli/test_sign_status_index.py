"""`cfl sign` issues format-2 claims with status indexes from the certifier's ledger (one
file, batches in worker processes, again), or format 1 with --claim-format 1."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from signing_cli import FIXTURE, SIGNED, make_scheme, run

from cfl.bundle.claim import claim_in_bundle
from cfl.bundle.ledger import Ledger
from cfl.bundle.model import parse_bundle


def claim_of(path: Path) -> tuple[int, int | None]:
    claim = claim_in_bundle(parse_bundle(path.read_bytes())).claim
    return claim.version, claim.status_index


def test_each_signature_gets_the_next_index_and_the_ledger_records_it(tmp_path: Path) -> None:
    scheme = make_scheme(tmp_path)
    ledger = Ledger(scheme.certifier / "ledger.jsonl")
    before = ledger.read().next_status_index
    kid = json.loads((scheme.certifier / "public.jwk.json").read_text())["kid"]
    first = before[kid]
    out = tmp_path / "again.json"
    result = run("sign", FIXTURE, "--key", scheme.certifier, "--role", "certifier", "-o", out,
                 "--at", SIGNED, "--again")
    assert result.exit_code == 0, result.output
    assert claim_of(out) == (2, first)
    signed = [r for _, r in ledger.records() if r and r["kind"] == "signed"]
    assert signed[-1]["statusIndex"] == first and signed[-1]["kid"] == kid
    assert ledger.read().next_status_index[kid] == first + 1
    assert scheme.verify(bundle=out).exit_code == 0
    shown = run("sign", FIXTURE, "--key", scheme.certifier, "--role", "certifier", "-o", out,
                "--at", SIGNED, "--again", "--format", "json")
    assert json.loads(shown.stderr or shown.stdout)["items"][0]["statusIndex"] == first + 1


def test_a_batch_reserves_a_block_and_every_claim_has_its_own_index(tmp_path: Path) -> None:
    scheme = make_scheme(tmp_path)
    folder = tmp_path / "declarations"
    folder.mkdir()
    for number in range(70):  # three chunks of the batch, in two worker processes
        shutil.copy(FIXTURE, folder / f"d{number:03d}.json")
    out = tmp_path / "bundles"
    result = run("sign", folder, "--key", scheme.certifier, "--role", "certifier", "-o", out,
                 "--jobs", "2", "--at", SIGNED)
    assert result.exit_code == 0, result.output
    indexes = [claim_of(path)[1] for path in sorted(out.glob("*.json"))]
    assert len(set(indexes)) == 70 and None not in indexes
    ledger = Ledger(scheme.certifier / "ledger.jsonl")
    recorded = {r["statusIndex"] for _, r in ledger.records()
                if r and r["kind"] == "signed" and "statusIndex" in r}
    assert set(indexes) <= recorded
    again = run("sign", folder, "--key", scheme.certifier, "--role", "certifier", "-o", out,
                "--at", SIGNED)
    assert "70 already signed" in again.output
    assert [claim_of(path)[1] for path in sorted(out.glob("*.json"))] == indexes


def test_claim_format_1_is_still_issued_on_request(tmp_path: Path) -> None:
    scheme = make_scheme(tmp_path)
    out = tmp_path / "format-1.json"
    result = run("sign", FIXTURE, "--key", scheme.certifier, "--role", "certifier", "-o", out,
                 "--at", SIGNED, "--claim-format", "1")
    assert result.exit_code == 0, result.output
    assert claim_of(out) == (1, None)
    last = [r for _, r in Ledger(scheme.certifier / "ledger.jsonl").records() if r][-1]
    assert last["kind"] == "signed" and "statusIndex" not in last
    assert scheme.verify(bundle=out).exit_code == 0


def test_a_manufacturer_signature_takes_no_index(tmp_path: Path) -> None:
    scheme = make_scheme(tmp_path)
    out = tmp_path / "cosigned.json"
    result = run("sign", scheme.bundle, "--key", scheme.operator, "--role", "manufacturer",
                 "-o", out, "--at", SIGNED)
    assert result.exit_code == 0, result.output
    records = [r for _, r in Ledger(scheme.operator / "ledger.jsonl").records() if r]
    assert [r["kind"] for r in records] == ["signed"] and "statusIndex" not in records[0]
