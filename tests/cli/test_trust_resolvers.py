"""`cfl trust` names the scheme's resolvers and a certifier's revocation maximum age, and
`cfl label` and `cfl verify` act on them (ADR 0138, 0139)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from signing_cli import AT, SIGNED, Scheme, make_scheme, run


@pytest.fixture
def scheme(tmp_path: Path) -> Scheme:
    return make_scheme(tmp_path)


def _content(path: Path) -> dict[str, object]:
    content = json.loads(path.read_text())["trustList"]
    assert isinstance(content, dict)
    return content


def test_init_names_every_resolver_and_keeps_the_first_for_labels(tmp_path: Path) -> None:
    draft = tmp_path / "list.json"
    result = run("trust", "init", "-o", draft, "--name", "Operator", "--expires",
                 "2026-12-31T00:00:00Z", "--resolver", "HTTPS://LABELS.EXAMPLE.CN/V/",
                 "--resolver", "https://碳标签.example/V/", "--at", SIGNED)
    assert result.exit_code == 0, result.output
    content = _content(draft)
    assert content["resolver"] == "HTTPS://LABELS.EXAMPLE.CN/V/"
    assert content["resolvers"] == ["HTTPS://LABELS.EXAMPLE.CN/V/", "https://碳标签.example/V/"]
    shown = run("trust", "show", draft)
    assert "resolvers: https://labels.example.cn/V/, https://xn--iwvz48al6b.example/V/" in \
        shown.output


@pytest.mark.parametrize("resolver", [
    "HTTP://LABELS.EXAMPLE.CN/V/", "HTTPS://USER@LABELS.EXAMPLE.CN/V/",
    "HTTPS://LABELS.EXAMPLE.CN:/V/", "HTTPS://LABELS.EXAMPLE.CN/V",
])
def test_a_resolver_a_verifier_would_refuse_is_a_usage_error(tmp_path: Path,
                                                             resolver: str) -> None:
    result = run("trust", "init", "-o", tmp_path / "list.json", "--name", "Operator",
                 "--expires", "2026-12-31T00:00:00Z", "--resolver", resolver, "--at", SIGNED)
    assert result.exit_code == 2 and "--resolver" in result.output
    assert not (tmp_path / "list.json").exists()


def test_sign_replaces_the_resolvers(scheme: Scheme, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    result = run("trust", "sign", scheme.root / "list.json", "--key", scheme.operator,
                 "--resolver", "HTTPS://LABELS.EXAMPLE.CN/V/", "--resolver",
                 "HTTPS://CFL.EXAMPLE/V/", "-o", out, "--at", "2026-03-15T00:00:00Z")
    assert result.exit_code == 0, result.output
    assert _content(out)["resolvers"] == ["HTTPS://LABELS.EXAMPLE.CN/V/",
                                          "HTTPS://CFL.EXAMPLE/V/"]


def test_label_warns_when_the_code_would_lead_where_the_scheme_does_not_say(
        scheme: Scheme, tmp_path: Path) -> None:
    pdf = tmp_path / "l.pdf"
    result = run("label", scheme.bundle, "--trust", scheme.trust_list, "--anchor",
                 scheme.operator, "--resolver", "HTTPS://ELSEWHERE.EXAMPLE/V/", "-o", pdf,
                 "--at", AT)
    assert result.exit_code == 0, result.output
    assert "HTTPS://ELSEWHERE.EXAMPLE/V/, which the trust list does not name" in result.output
    verified = scheme.verify(bundle=pdf)
    assert "resolver_unknown" in verified.output
    assert "QR address   HTTPS://ELSEWHERE.EXAMPLE/V/" in verified.output


def test_label_warns_about_the_placeholder(tmp_path: Path, scheme: Scheme) -> None:
    result = run("label", scheme.bundle, "-o", tmp_path / "l.pdf", "--at", AT)
    assert result.exit_code == 0, result.output
    assert "placeholder resolver HTTPS://CFL.EXAMPLE/V/" in result.output


def test_add_sets_a_certifiers_revocation_maximum_age(scheme: Scheme, tmp_path: Path) -> None:
    draft = scheme.root / "list.json"
    result = run("trust", "add", draft, "--public-key", scheme.certifier / "public.jwk.json",
                 "--name", "Cert Body", "--accreditation", "CNAS:CNAS-C123", "--scope",
                 "lithium-ion-battery,pv-module", "--valid-from", "2026-01-01T00:00:00Z",
                 "--valid-until", "2027-01-01T00:00:00Z", "--revocation-max-age", "7")
    assert result.exit_code == 0, result.output
    entries = _content(draft)["entries"]
    assert isinstance(entries, list) and entries[0]["revocationMaxAge"] == 7
    assert "revocation lists current 7 days at most" in run("trust", "show", draft).output
    signed = tmp_path / "signed.json"
    assert run("trust", "sign", draft, "--key", scheme.operator, "-o", signed, "--at",
               "2026-03-15T00:00:00Z").exit_code == 0
    # the scheme's revocation list was issued at SIGNED (2026-03-10), 31 days before AT
    verified = run("verify", scheme.bundle, "--trust", signed, "--anchor",
                   scheme.operator / "public.jwk.json", "--revocations", scheme.revocations,
                   "--at", AT)
    assert "revocation_stale" in verified.output
    assert "older than the 7 days the trust list allows" in verified.output
    refused = run("trust", "add", draft, "--public-key", scheme.certifier / "public.jwk.json",
                  "--name", "Cert Body", "--accreditation", "CNAS:CNAS-C123", "--scope",
                  "pv-module", "--valid-from", "2026-01-01T00:00:00Z", "--valid-until",
                  "2027-01-01T00:00:00Z", "--revocation-max-age", "0")
    assert refused.exit_code == 2
