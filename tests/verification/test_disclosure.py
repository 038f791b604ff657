"""The disclosure row: a proof of disclosure beside a bundle or inside a label is checked
offline against the logs the trust list names; each way it can fail has its own code, a
missing proof is NOT_CHECKED unless the scheme or the verifier requires one."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from disclosure_world import context, disclosure
from log_world import ORIGIN, log_world
from signing_world import AT, world

from cfl.label.render import render_label
from cfl.label.templates import load_template
from cfl.log.checkpoint import Checkpoint, sign_checkpoint
from cfl.log.proof import parse_log_proof
from cfl.report.model import Status, VerificationReport
from cfl.verification import verify
from cfl.verification.policy import VerificationPolicy


def _row(report: VerificationReport) -> tuple[str, Status, str]:
    (found,) = [row for row in report.rows if row.check == "disclosure"]
    return found.code, found.status, found.message


def test_a_proof_that_verifies_is_a_passed_row_naming_the_entry() -> None:
    data = disclosure()
    report = verify(data.bundle, context(), proof=data.proof)
    code, status, message = _row(report)
    assert (code, status) == ("disclosed", Status.PASSED)
    assert message == (f"disclosed in {ORIGIN} as entry 4 (checkpoint size 6, time "
                       "2026-03-10T01:00:00Z)")
    assert report.bottom_line is Status.PASSED


def test_a_missing_proof_is_not_checked_unless_required() -> None:
    data = disclosure()
    report = verify(data.bundle, context())
    assert _row(report)[:2] == ("disclosure_missing", Status.NOT_CHECKED)
    assert report.bottom_line is Status.PASSED
    required = verify(data.bundle, context(),
                      policy=VerificationPolicy(require_disclosure=True))
    assert _row(required)[:2] == ("disclosure_required", Status.FAILED)
    assert required.bottom_line is Status.FAILED
    by_scheme = verify(data.bundle, context(required=True))
    assert _row(by_scheme)[:2] == ("disclosure_required", Status.FAILED)
    plain = verify(data.bundle, world().context())
    assert not [row for row in plain.rows if row.check == "disclosure"]


def _resigned_by_a_stranger(proof: bytes) -> bytes:
    parsed = parse_log_proof(proof)
    head = proof[:len(proof) - len(parsed.checkpoint)]
    text = parsed.checkpoint.split(b"\n\n")[0].decode() + "\n"
    origin, size, root = text.splitlines()
    point = Checkpoint(origin, int(size), base64.b64decode(root))
    return head + sign_checkpoint(point, log_world().stranger)


@pytest.mark.parametrize(("case", "code"), [
    ("another declaration", "disclosure_entry_mismatch"),
    ("a changed path", "disclosure_inclusion_invalid"),
    ("another key", "disclosure_signature_invalid"),
    ("not a proof", "disclosure_proof_malformed"),
])
def test_a_proof_that_does_not_verify_fails(case: str, code: str) -> None:
    data = disclosure()
    proof = {"another declaration": data.other_proof,
             "a changed path": data.proof.replace(b"\nindex 4\n", b"\nindex 5\n"),
             "another key": _resigned_by_a_stranger(data.proof),
             "not a proof": b"c2sp.org/tlog-proof@v1\nindex x\n\nnothing\n"}[case]
    report = verify(data.bundle, context(), proof=proof)
    assert _row(report)[:2] == (code, Status.FAILED)
    assert report.bottom_line is Status.FAILED


def test_witnesses_and_the_logs_window() -> None:
    data = disclosure()
    assert _row(verify(data.bundle, context(quorum=2), proof=data.proof))[:2] == \
        ("disclosure_quorum", Status.FAILED)
    assert _row(verify(data.bundle, context(quorum=2), proof=data.cosigned_proof))[:2] == \
        ("disclosed", Status.PASSED)
    retired = context(valid_until=AT - dt.timedelta(days=1))
    assert _row(verify(data.bundle, retired, proof=data.proof))[:2] == \
        ("disclosure_log_not_valid", Status.FAILED)


def test_a_proof_of_a_log_the_trust_list_does_not_name() -> None:
    data = disclosure()
    report = verify(data.bundle, world().context(), proof=data.proof)
    assert _row(report)[:2] == ("disclosure_log_unknown", Status.NOT_CHECKED)
    assert report.bottom_line is Status.PASSED


def test_a_label_carrying_its_proof_shows_the_row() -> None:
    data = disclosure()
    pdf = render_label(data.bundle, template=load_template("sticker"), proof=data.proof)
    report = verify(pdf, context())
    assert _row(report)[:2] == ("disclosed", Status.PASSED)
    bare = render_label(data.bundle, template=load_template("sticker"))
    assert _row(verify(bare, context()))[:2] == ("disclosure_missing", Status.NOT_CHECKED)
