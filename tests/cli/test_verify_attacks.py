"""`cfl verify` exits 0 only for PASSED, whatever the input kind (brief G)."""

from __future__ import annotations

import json
from pathlib import Path

from label_world import bundle_bytes, claim_text, label_pdf
from signing_cli import run
from signing_world import AT, DECLARATION_ID, SIGNED_AT, world

from cfl.bundle.claim import claim_in_bundle
from cfl.bundle.model import parse_bundle
from cfl.bundle.sign import sign_bundle
from cfl.label.render import LabelRenderer, prepare_label
from cfl.label.templates import load_template
from cfl.signing.jws import bundle_to_bytes
from cfl.timeutil import format_time
from cfl.trust.revocation import revoke


def _files(tmp_path: Path, revocations: bytes | None = None) -> list[str | Path]:
    w = world()
    anchor, trust, revoked = (tmp_path / "anchor.json", tmp_path / "trust.json",
                              tmp_path / "revocations.json")
    anchor.write_text(json.dumps(w.operator.public_key.jwk))
    trust.write_bytes(w.trust_list)
    revoked.write_bytes(revocations or w.revocations)
    return ["--trust", trust, "--anchor", anchor, "--revocations", revoked,
            "--trust-store", tmp_path / "store", "--at", format_time(AT)]


def test_a_label_pdf_with_a_bad_second_page_exits_1(tmp_path: Path) -> None:
    from label_world import bundle

    renderer = LabelRenderer(load_template("sticker"))
    pdf = renderer.render([
        prepare_label(bundle(), bundle_bytes(), claim_text()),
        prepare_label(bundle("other"), bundle_bytes("other"), claim_text()),  # wrong QR
    ])
    path = tmp_path / "labels.pdf"
    path.write_bytes(pdf)
    result = run("verify", path, *_files(tmp_path))
    assert result.exit_code == 1, result.output
    assert "claim_digest_mismatch" in result.output and "page 2" in result.output
    good = tmp_path / "good.pdf"
    good.write_bytes(label_pdf("sticker"))
    assert run("verify", good, *_files(tmp_path)).exit_code == 0


def test_a_revoked_declaration_with_an_upper_case_id_exits_1_from_its_qr_text(
        tmp_path: Path) -> None:
    w = world()
    declaration = w.declaration()
    declaration["id"] = declaration["id"].upper()
    signed = bundle_to_bytes(sign_bundle(declaration, w.certifier, role="certifier",
                                         at=SIGNED_AT))
    text = claim_in_bundle(parse_bundle(signed)).to_text()
    files = _files(tmp_path)
    assert run("verify", "--text", text, *files).exit_code == 0
    revoked = bundle_to_bytes(revoke(w.revocations, w.certifier,
                                     declaration_id=DECLARATION_ID.upper(),
                                     reason="data error", at=SIGNED_AT))
    result = run("verify", "--text", text, *_files(tmp_path, revoked))
    assert result.exit_code == 1, result.output
    assert "revoked" in result.output


def test_an_indeterminate_label_exits_3_not_0(tmp_path: Path) -> None:
    path = tmp_path / "label.pdf"
    path.write_bytes(label_pdf("standard"))
    files = _files(tmp_path)
    at = files.index("--revocations")
    del files[at:at + 2]  # no revocation list: INDETERMINATE
    assert run("verify", path, *files).exit_code == 3
