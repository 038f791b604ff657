"""The claim issued at signing (ADR 0025): `cfl sign --role certifier` → `cfl label` without
the certifier's key → `cfl verify`, and what happens to a wrong or tampered header claim."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from signing_cli import FIXTURE, SIGNED, Scheme, make_scheme, run

from cfl.signing.b64url import b64url_decode, b64url_encode


@pytest.fixture(scope="module")
def scheme(tmp_path_factory: pytest.TempPathFactory) -> Scheme:
    return make_scheme(tmp_path_factory.mktemp("scheme"))


def with_header(scheme: Scheme, tmp_path: Path, header: dict[str, object]) -> Path:
    bundle = json.loads(scheme.bundle.read_text(encoding="utf-8"))
    bundle["signatures"][0]["header"] = header
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(bundle, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def header_claim(path: Path) -> str:
    return str(json.loads(path.read_text(encoding="utf-8"))["signatures"][0]["header"][
        "cfl.claim"])


def other_bundle(scheme: Scheme, tmp_path: Path) -> Path:
    declaration = json.loads(FIXTURE.read_text(encoding="utf-8"))
    declaration["id"] = "0b4a3c5e-1111-4222-8333-944455556666"
    declaration["productIds"] = ["urn:gtin:06901234567809"]
    source = tmp_path / "other-declaration.json"
    source.write_text(json.dumps(declaration, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "other-bundle.json"
    result = run("sign", source, "--key", scheme.certifier, "--role", "certifier", "-o", out,
                 "--at", SIGNED)
    assert result.exit_code == 0, result.output
    return out


def test_sign_issues_the_claim_and_label_needs_no_key(scheme: Scheme, tmp_path: Path) -> None:
    claim = b64url_decode(header_claim(scheme.bundle))
    assert claim[:2] == b"\xd2\x84"
    out = tmp_path / "label.pdf"
    result = run("label", scheme.bundle, "--template", "standard", "-o", out)
    assert result.exit_code == 0, result.output
    verified = scheme.verify(bundle=out)
    assert verified.exit_code == 0, verified.output
    assert "claim_bound" in verified.output and "claim_agrees" in verified.output
    printed = run("claim", scheme.bundle)
    assert printed.exit_code == 0, printed.output
    assert int(printed.output.strip()[22:]).to_bytes(len(claim), "big") == claim


def test_batch_uses_the_bundles_claims(scheme: Scheme, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a", "b"):
        (folder / f"{name}.json").write_bytes(scheme.bundle.read_bytes())
    out = tmp_path / "labels.pdf"
    result = run("label", folder, "-o", out, "--template", "sticker")
    assert result.exit_code == 0, result.output
    assert scheme.verify(bundle=out).exit_code == 0


def test_a_claim_from_another_bundle_is_refused_and_fails_binding(
        scheme: Scheme, tmp_path: Path) -> None:
    foreign = header_claim(other_bundle(scheme, tmp_path))
    edited = with_header(scheme, tmp_path, {"cfl.claim": foreign})
    result = run("label", edited, "-o", tmp_path / "x.pdf")
    assert result.exit_code == 1
    assert "SHA-256" in result.output and not (tmp_path / "x.pdf").exists()
    # A label made anyway (by hand) carries a claim that is not bound to its bundle.
    from cfl.bundle.model import parse_bundle
    from cfl.claim.text import claim_to_text
    from cfl.label.render import LabelRenderer, prepare_label
    from cfl.label.templates import load_template

    data = scheme.bundle.read_bytes()
    text = claim_to_text(b64url_decode(foreign))
    pdf = LabelRenderer(load_template("sticker")).render(
        [prepare_label(parse_bundle(data), data, text)])
    (tmp_path / "forged.pdf").write_bytes(pdf)
    verified = scheme.verify(bundle=tmp_path / "forged.pdf")
    assert verified.exit_code == 1
    assert "claim_digest_mismatch" in verified.output


def test_a_tampered_header_claim_fails_verification(scheme: Scheme, tmp_path: Path) -> None:
    claim = bytearray(b64url_decode(header_claim(scheme.bundle)))
    claim[-1] ^= 0x01  # one bit of the COSE signature
    edited = with_header(scheme, tmp_path, {"cfl.claim": b64url_encode(bytes(claim))})
    assert scheme.verify(bundle=edited).exit_code == 0  # the bundle never uses the header
    out = tmp_path / "tampered.pdf"
    assert run("label", edited, "-o", out).exit_code == 0  # no key: cannot tell
    verified = scheme.verify(bundle=out)
    assert verified.exit_code == 1
    assert "signature_invalid" in verified.output


def test_unknown_unprotected_members_are_still_refused(scheme: Scheme, tmp_path: Path) -> None:
    edited = with_header(scheme, tmp_path, {"cfl.claim": header_claim(scheme.bundle),
                                            "note": "hello"})
    verified = scheme.verify(bundle=edited)
    assert verified.exit_code == 1
    assert "header_unsupported" in verified.output


def test_no_claim_and_no_key_says_what_to_do(scheme: Scheme, tmp_path: Path) -> None:
    edited = with_header(scheme, tmp_path, {})
    result = run("label", edited, "-o", tmp_path / "x.pdf")
    assert result.exit_code == 1
    assert "cfl sign --role certifier" in result.output and "--key" in result.output
    with_key = run("label", edited, "-o", tmp_path / "x.pdf", "--key", scheme.certifier,
                   "--at", SIGNED)
    assert with_key.exit_code == 0, with_key.output
    assert scheme.verify(bundle=tmp_path / "x.pdf").exit_code == 0
