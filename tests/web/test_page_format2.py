"""The offline page reads format-2 claims (ADR 0142): the published format-2 vector shows its
status index among the facts, and a format-1 claim still shows its declaration id."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cfl.io.yamlio import load_yaml_file
from cfl.signing.keys import load_public_key
from cfl.timeutil import parse_time
from cfl.web.page import build_page

VECTORS = Path(__file__).resolve().parents[1] / "vectors"
AT = "2026-04-10T00:00:00Z"


def _page(folder: Path) -> Path:
    read = lambda name: (VECTORS / name).read_bytes()  # noqa: E731
    page = folder / "index.html"
    page.write_bytes(build_page(
        read("trust/trust-list.json"), anchor=load_public_key(VECTORS / "keys" /
                                                              "operator.jwk.json"),
        revocations=[read("trust/revocations-certifier-ed25519-v1.json")],
        status_lists=[read("trust/status-certifier-ed25519-v1.json")],
        at=parse_time(AT)))
    return page


def test_a_format_2_claim_shows_its_status_index(tmp_path: Path, browser: Any) -> None:
    page = _page(tmp_path)
    text = (VECTORS / "claims" / "f2-eddsa-valid.txt").read_text().strip()
    result = browser(page.resolve().as_uri() + f"#at={AT}&{text}")
    assert result.js_error is None and result.state == "done"
    assert result.verdict == "PASSED", result.rows
    assert "Status index" in result.dom and "status list index 7" in result.dom
    assert "Declaration<" not in result.dom
    old = (VECTORS / "claims" / "eddsa-valid.txt").read_text().strip()
    format_1 = browser(page.resolve().as_uri() + f"#at={AT}&{old}")
    assert format_1.verdict == "PASSED", format_1.rows
    assert "3f1c2a9e-5b7d-4e8f-9a0b-1c2d3e4f5a6b" in format_1.dom


def test_the_page_refuses_what_the_library_refuses(tmp_path: Path, browser: Any) -> None:
    page = _page(tmp_path)
    manifest = load_yaml_file(VECTORS / "manifest.yaml")["vectors"]
    refused = [entry for entry in manifest if entry["id"].startswith(("claim-f2-", "claim-f1-"))
               and entry["expect"]["reason"] in ("bad_claim", "claim_not_deterministic")]
    assert len(refused) >= 15
    for entry in refused:
        text = (VECTORS / entry["files"]["claim"]).read_text().strip()
        result = browser(page.resolve().as_uri() + f"#at={AT}&{text}")
        assert (result.verdict, result.reason) == ("FAILED", entry["expect"]["reason"]), \
            entry["id"]
