"""Safe label defaults: the placeholder resolver is warned about loudly; signers are named
from the trust list; a verification page needs revocation lists unless told otherwise."""

from __future__ import annotations

import io
from pathlib import Path

import pypdf
import pytest
from signing_cli import AT, SIGNED, Scheme, make_scheme, run


@pytest.fixture
def scheme(tmp_path: Path) -> Scheme:
    return make_scheme(tmp_path)


def text_of(pdf: Path) -> str:
    return pypdf.PdfReader(io.BytesIO(pdf.read_bytes())).pages[0].extract_text()


def test_the_placeholder_resolver_is_warned_about_loudly(scheme: Scheme,
                                                         tmp_path: Path) -> None:
    result = run("label", scheme.bundle, "-o", tmp_path / "l.pdf")
    assert result.exit_code == 0
    assert "!" * 72 in result.stderr
    assert "warning: the QR codes carry the placeholder resolver HTTPS://CFL.EXAMPLE/V/" in \
        result.stderr
    chosen = run("label", scheme.bundle, "-o", tmp_path / "m.pdf", "--resolver",
                 "HTTPS://LABELS.EXAMPLE.CN/V/")
    assert chosen.exit_code == 0 and "warning:" not in chosen.output


def test_co_signers_are_named_from_the_trust_list(scheme: Scheme, tmp_path: Path) -> None:
    maker = tmp_path / "maker"
    assert run("keys", "generate", "-o", maker).exit_code == 0
    assert run("trust", "add", scheme.root / "list.json", "--public-key", maker, "--role",
               "manufacturer", "--name", "Example Battery Co.", "--accreditation",
               "USCC:91350100M000100Y43", "--scope", "lithium-ion-battery", "--valid-from",
               SIGNED, "--valid-until", "2027-01-01T00:00:00Z").exit_code == 0
    assert run("trust", "sign", scheme.root / "list.json", "--key", scheme.operator, "-o",
               scheme.trust_list, "--at", "2026-03-12T00:00:00Z").exit_code == 0
    assert run("sign", scheme.bundle, "--key", maker, "--role", "manufacturer", "-o",
               scheme.bundle, "--at", SIGNED).exit_code == 0
    named = tmp_path / "named.pdf"
    result = run("label", scheme.bundle, "--template", "sheet", "--trust", scheme.trust_list,
                 "--anchor", scheme.operator, "-o", named, "--resolver",
                 "HTTPS://X.EXAMPLE/V/", "--at", AT)
    assert result.exit_code == 0, result.output
    text = text_of(named)
    assert "Cert Body" in text and "Example Battery Co." in text
    assert "未注明名称" not in text
    unnamed = tmp_path / "unnamed.pdf"
    assert run("label", scheme.bundle, "--template", "sheet", "-o", unnamed, "--resolver",
               "HTTPS://X.EXAMPLE/V/").exit_code == 0
    assert "(声明所述 as declared)" in text_of(unnamed)
    half = run("label", scheme.bundle, "--trust", scheme.trust_list, "-o", unnamed)
    assert half.exit_code == 2 and "--anchor" in half.output


def test_a_page_without_revocation_lists_is_refused_unless_asked(scheme: Scheme,
                                                                tmp_path: Path) -> None:
    base = ("page", "build", "--trust", scheme.trust_list, "--anchor", scheme.operator,
            "--at", AT, "-o")
    refused = run(*base, tmp_path / "site")
    assert refused.exit_code == 2 and "--no-revocations" in refused.output
    assert not (tmp_path / "site").exists()
    built = run(*base, tmp_path / "site", "--no-revocations")
    assert built.exit_code == 0 and "INDETERMINATE" in built.output
    assert (tmp_path / "site" / "index.html").is_file()
    both = run(*base, tmp_path / "site2", "--no-revocations", "--revocations",
               scheme.revocations)
    assert both.exit_code == 2


def test_the_demo_folder_is_ignored_by_git(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from cfl.cli.main import cli

    result = CliRunner().invoke(cli, ["demo", str(tmp_path / "demo"), "--at",
                                      "2026-11-21T00:00:00Z", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "demo" / ".gitignore").read_text().splitlines()[-1] == "*"
    gitignore = Path(__file__).resolve().parents[2] / ".gitignore"
    assert "/cfl-demo/" in gitignore.read_text().splitlines()
