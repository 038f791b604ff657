"""`cfl verify` and `cfl revoke`: exit codes, trust store, rollback, revocation; rows that
name their file once, wrong documents, the co-signature policy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from signing_cli import AT, FIXTURE, SIGNED, Scheme, make_scheme, run


@pytest.fixture
def scheme(tmp_path: Path) -> Scheme:
    return make_scheme(tmp_path)


def test_verify_passes_then_fails_after_revocation(scheme: Scheme) -> None:
    result = scheme.verify()
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1].startswith("PASSED")
    assert "PASSED        signature_valid" in result.output
    result = run("revoke", "--key", scheme.certifier, "-o", scheme.revocations,
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


def report_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.strip()]


def assert_names_file_once(output: str, name: str) -> None:
    """No line names the file twice, and the failing ones name it."""
    for line in report_lines(output):
        assert line.count(name) <= 1, line
        if line.startswith("FAILED "):  # a row (the summary names the subject)
            assert line.count(name) == 1, line


def test_a_malformed_bundle_row_names_the_file_once(scheme: Scheme, tmp_path: Path) -> None:
    steel = tmp_path / "steel.json"
    steel.write_text('{"declaration": {}, "signatures": [], "x": 1}')
    result = scheme.verify(bundle=steel)
    assert result.exit_code == 1
    assert_names_file_once(result.output, "steel.json")
    assert f"{steel}: the bundle is not well-formed: $: unexpected member 'x'" in result.output


def test_a_pdf_without_a_bundle_names_the_file_once(scheme: Scheme, tmp_path: Path) -> None:
    from reportlab.pdfgen import canvas

    plain = tmp_path / "plain.pdf"
    page = canvas.Canvas(str(plain))
    page.drawString(100, 100, "no label here")
    page.save()
    result = scheme.verify(bundle=plain)
    assert result.exit_code == 1
    assert_names_file_once(result.output, "plain.pdf")
    assert f"{plain}: has no embedded bundle.json; this is not a cfl label" in result.output


def test_an_unsigned_declaration_must_be_signed_first(scheme: Scheme) -> None:
    result = scheme.verify(bundle=FIXTURE)
    assert result.exit_code == 1
    assert_names_file_once(result.output, FIXTURE.name)
    first = report_lines(result.output)[0]
    assert first.split()[:2] == ["FAILED", "unsigned_declaration"]
    assert "is a declaration that has not been signed" in first
    assert "must be signed first" in first and "cfl sign" in first
    as_json = json.loads(scheme.verify("--format", "json", bundle=FIXTURE).output)
    assert as_json["rows"][0]["code"] == "unsigned_declaration"


def test_a_trust_list_as_subject_is_named(scheme: Scheme) -> None:
    result = scheme.verify(bundle=scheme.trust_list)
    assert result.exit_code == 1
    assert "wrong_document" in result.output
    assert "is a trust list, not a signed bundle" in result.output
    assert_names_file_once(result.output, scheme.trust_list.name)


def co_signed(scheme: Scheme, *, listed: bool) -> Path:
    """The scheme's bundle co-signed by a manufacturer (listed in a new list, or not)."""
    maker = scheme.root / "maker"
    assert run("keys", "generate", "-o", maker).exit_code == 0
    bundle = scheme.root / "co-signed.json"
    result = run("sign", scheme.bundle, "--key", maker, "--role", "manufacturer", "-o", bundle,
                 "--at", SIGNED)
    assert result.exit_code == 0, result.output
    if listed:
        draft = scheme.root / "list.json"
        result = run("trust", "add", draft, "--public-key", maker, "--role", "manufacturer",
                     "--name", "Maker", "--accreditation", "USCC:91350100M000100Y43",
                     "--scope", "lithium-ion-battery", "--valid-from", "2026-01-01T00:00:00Z",
                     "--valid-until", "2027-01-01T00:00:00Z")
        assert result.exit_code == 0, result.output
        assert run("trust", "sign", draft, "--key", scheme.operator, "-o", scheme.trust_list,
                   "--at", SIGNED, "--version", "2").exit_code == 0
    return bundle


def test_an_unlisted_co_signer_is_indeterminate_unless_ignored(scheme: Scheme) -> None:
    bundle = co_signed(scheme, listed=False)
    strict = scheme.verify(bundle=bundle)
    assert strict.exit_code == 3, strict.output
    assert "signer_unknown" in strict.output
    ignoring = scheme.verify("--ignore-unlisted-cosigners", bundle=bundle)
    assert ignoring.exit_code == 0, ignoring.output
    line = next(line for line in report_lines(ignoring.output) if "cosigner_not_checked" in line)
    assert line.startswith("NOT_CHECKED ")
    assert "(1 not checked by policy: cosigner_not_checked)" in ignoring.output
    as_json = json.loads(scheme.verify("--ignore-unlisted-cosigners", "--format", "json",
                                       bundle=bundle).output)
    assert as_json["bottomLine"] == "PASSED"
    assert [row["status"] for row in as_json["rows"]].count("NOT_CHECKED") == 1


def test_a_listed_co_signer_passes_without_the_option(scheme: Scheme) -> None:
    bundle = co_signed(scheme, listed=True)
    result = scheme.verify(bundle=bundle)
    assert result.exit_code == 0, result.output
    assert "NOT_CHECKED" not in result.output


def test_the_policy_reaches_label_pdfs(scheme: Scheme, tmp_path: Path) -> None:
    bundle = co_signed(scheme, listed=False)
    label = tmp_path / "label.pdf"
    assert run("label", bundle, "--template", "sticker", "-o", label).exit_code == 0
    assert scheme.verify(bundle=label).exit_code == 3
    result = scheme.verify("--ignore-unlisted-cosigners", bundle=label)
    assert result.exit_code == 0, result.output
    assert "cosigner_not_checked" in result.output


def test_require_drawing_holds_back_a_label_whose_drawing_cannot_be_compared(
        scheme: Scheme, tmp_path: Path) -> None:
    from cfl.io.resources import read_data_bytes

    custom = tmp_path / "custom.yaml"  # a template this verifier does not ship
    custom.write_bytes(read_data_bytes("templates", "standard.yaml").replace(
        b"name: standard", b"name: custom", 1))
    label = tmp_path / "label.pdf"
    made = run("label", scheme.bundle, "--template", custom, "-o", label)
    assert made.exit_code == 0, made.output
    lenient = scheme.verify(bundle=label)
    assert lenient.exit_code == 0, lenient.output
    assert "label_drawing_not_checked" in lenient.output
    strict = scheme.verify("--require-drawing", bundle=label)
    assert strict.exit_code == 3, strict.output
    assert "label_drawing_required" in strict.output


def test_a_trust_list_without_roles_is_a_failed_row_saying_what_to_do(scheme: Scheme,
                                                                      tmp_path: Path) -> None:
    from cfl.signing.jws import TYP_TRUST_LIST, bundle_to_bytes, sign_content
    from cfl.signing.keys import load_signer
    from cfl.timeutil import parse_time

    old = json.loads(scheme.trust_list.read_text())["trustList"]
    del old["entries"][0]["roles"]
    operator = load_signer(scheme.operator, b"pass phrase 1")
    old_list = tmp_path / "old.json"
    old_list.write_bytes(bundle_to_bytes({"trustList": old, "signatures": [
        sign_content(old, operator, typ=TYP_TRUST_LIST, at=parse_time(SIGNED))]}))
    result = run("verify", scheme.bundle, "--trust", old_list, "--anchor",
                 scheme.operator / "public.jwk.json", "--revocations", scheme.revocations,
                 "--trust-store", tmp_path / "fresh-store", "--at", AT)
    assert result.exit_code == 1
    assert "trust_entry_without_roles" in result.output
    assert "$.trustList.entries[0]: the entry has no 'roles'" in result.output
    assert_names_file_once(result.output, "old.json")
