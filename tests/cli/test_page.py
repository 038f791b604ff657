"""``cfl page build`` in-process: writes one page, refuses lists that are not accepted."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from cfl.cli.main import cli

VECTORS = Path(__file__).resolve().parents[1] / "vectors"
ANCHOR = str(VECTORS / "keys" / "operator.jwk.json")
TRUST = str(VECTORS / "trust" / "trust-list.json")
REVOCATIONS = [str(VECTORS / "trust" / "revocations-certifier-ed25519-v1.json"),
               str(VECTORS / "trust" / "revocations-certifier-es256-v1.json")]
AT = "2026-04-10T00:00:00Z"


def _build(out: Path, *extra: str, trust: str = TRUST, at: str = AT) -> tuple[int, str]:
    args = ["page", "build", "--trust", trust, "--anchor", ANCHOR, "--at", at, "-o", str(out)]
    for path in REVOCATIONS:
        args += ["--revocations", path]
    result = CliRunner().invoke(cli, [*args, *extra])
    return result.exit_code, result.output


def test_build_writes_one_self_contained_page(tmp_path: Path) -> None:
    code, output = _build(tmp_path / "site")
    assert code == 0, output
    files = list((tmp_path / "site").iterdir())
    assert [f.name for f in files] == ["index.html"]
    html = files[0].read_text(encoding="utf-8")
    assert "default-src 'none'" in html
    assert "1IG2tMH7J2wbJZnOf8LJzQitKf7LMvoAElsuDMVM54Y" in html
    assert "index.html" in output


def test_refuses_a_list_signed_by_another_key(tmp_path: Path) -> None:
    code, output = _build(tmp_path / "site",
                          trust=str(VECTORS / "trust" / "trust-list-signed-by-stranger.json"))
    assert code == 1
    assert "trust_list_signature" in output
    assert "Traceback" not in output
    assert not (tmp_path / "site" / "index.html").exists()


def test_refuses_an_expired_list(tmp_path: Path) -> None:
    code, output = _build(tmp_path / "site", at="2027-02-01T00:00:00Z")
    assert code == 1
    assert "trust_list_expired" in output
    assert not (tmp_path / "site" / "index.html").exists()


def test_refuses_a_bad_revocation_list(tmp_path: Path) -> None:
    code, output = _build(tmp_path / "site", "--revocations", TRUST)
    assert code == 1
    assert "revocation" in output


def test_missing_trust_list_is_a_usage_error(tmp_path: Path) -> None:
    code, output = _build(tmp_path / "site", trust=str(tmp_path / "absent.json"))
    assert code != 0
    assert "Traceback" not in output


def test_a_bad_revocation_list_is_named_not_the_trust_list(tmp_path: Path) -> None:
    junk = tmp_path / "revocations.json"
    junk.write_bytes(b"\x90 not json")
    code, output = _build(tmp_path / "site", "--revocations", str(junk))
    assert code == 1
    assert output.startswith(f"Error: {junk}:"), output
    assert not (tmp_path / "site").exists() or not any((tmp_path / "site").iterdir())
