"""The page applies the scheme's resolvers and a certifier's revocation maximum age as
``cfl verify`` does (ADR 0138, 0139), in headless Chromium, row for row."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from label_world import claim_text
from signing_world import AT, SIGNED_AT, world

from cfl.claim.text import DEFAULT_RESOLVER
from cfl.report.model import VerificationReport
from cfl.signing.jws import bundle_to_bytes
from cfl.timeutil import format_time
from cfl.trust.context import load_trust_context
from cfl.trust.trust_list import CONTENT_KEY, sign_trust_list
from cfl.verification.claim_check import verify_claim
from cfl.web.page import build_page


def page_url(page: Path, fragment: str) -> str:
    return page.resolve().as_uri() + f"#{fragment}"


def _trust_list(*, resolvers: tuple[str, ...] | None, max_age: int | None = None) -> bytes:
    """The world's trust list naming ``resolvers`` (None: as the world names them, () none),
    with certifier C1's revocation lists current ``max_age`` days at most."""
    w = world()
    document = copy.deepcopy(w.trust_list_document)
    content = document[CONTENT_KEY]
    if resolvers is not None:
        content.pop("resolver", None)
        content.pop("resolvers", None)
    for entry in content["entries"]:
        if entry["kid"] == w.certifier.kid and max_age is not None:
            entry["revocationMaxAge"] = max_age
    document["signatures"] = []
    return bundle_to_bytes(sign_trust_list(document, w.operator, at=SIGNED_AT,
                                           resolvers=list(resolvers or ())))


def _page(folder: Path, trust_list: bytes) -> Path:
    page = folder / "index.html"
    page.write_bytes(build_page(trust_list, anchor=world().operator.public_key,
                                revocations=[world().revocations], at=AT))
    return page


def _python(trust_list: bytes, text: str, at: dt.datetime) -> VerificationReport:
    context = load_trust_context(trust_list, anchor=world().operator.public_key, at=at,
                                 revocations=[world().revocations])
    return verify_claim(text, context, at=at)


def _rows(report: VerificationReport) -> tuple[tuple[str, str, str], ...]:
    return tuple((row.check, row.status.value, row.code) for row in report.rows)


NAMED = _trust_list(resolvers=None)
SEVERAL = _trust_list(resolvers=("HTTPS://LABELS.EXAMPLE.CN/V/", "https://碳标签.example/V/"))
NONE = _trust_list(resolvers=())


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return {name: _page(tmp_path_factory.mktemp(name), data)
            for name, data in (("named", NAMED), ("several", SEVERAL), ("none", NONE))}


CASES = [
    # (page, resolver the QR text carries, bottom line, kind)
    ("named", DEFAULT_RESOLVER, "PASSED", "as-of"),
    ("named", "HTTPS://CFL.EXAMPLE/V/SUB/", "PASSED", "as-of"),
    ("named", "HTTPS://CFL.EXAMPLE:443/V/", "PASSED", "as-of"),
    ("named", "HTTPS://CFL.EXAMPLE.ATTACKER.COM/V/", "FAILED", "elsewhere"),
    ("named", "HTTPS://CFL.EXAMPLE:8443/V/", "FAILED", "elsewhere"),
    ("named", "HTTPS://CFL.EXAMPLE:/V/", "FAILED", "elsewhere"),
    ("named", "HTTPS://CFL.EXAMPLE/V/../X/", "FAILED", "elsewhere"),
    ("named", "HTTPS://CFL%2EEXAMPLE/V/", "FAILED", "elsewhere"),
    ("named", "HTTP://CFL.EXAMPLE/V/", "FAILED", "elsewhere"),
    ("several", "HTTPS://LABELS.EXAMPLE.CN/V/", "PASSED", "as-of"),
    ("several", "HTTPS://XN--IWVZ48AL6B.EXAMPLE/V/", "PASSED", "as-of"),
    ("several", DEFAULT_RESOLVER, "FAILED", "elsewhere"),
    ("none", DEFAULT_RESOLVER, "INDETERMINATE", "address-unchecked"),
    ("none", "HTTP://CFL.EXAMPLE/V/", "FAILED", "elsewhere"),
]
TRUST = {"named": NAMED, "several": SEVERAL, "none": NONE}


@pytest.mark.parametrize(("page", "resolver", "line", "kind"), CASES,
                         ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_the_page_checks_the_address_as_cfl_verify_does(
        pages: dict[str, Path], browser: Any, page: str, resolver: str, line: str,
        kind: str) -> None:
    text = claim_text().replace(DEFAULT_RESOLVER, resolver, 1)
    shown = browser(page_url(pages[page], f"at={format_time(AT)}&{text}"))
    assert shown.js_error is None and shown.state == "done"
    python = _python(TRUST[page], text, AT)
    assert shown.rows == _rows(python)
    assert shown.verdict == line == python.bottom_line.value
    assert f'data-kind="{kind}"' in shown.dom
    # the address the code leads to is shown with the figures
    assert f"<dd>{resolver.replace('&', '&amp;')}</dd>" in shown.dom


def test_the_trust_lists_maximum_age_makes_the_page_stale(tmp_path: Path,
                                                          browser: Any) -> None:
    # the world's revocation list promises a year; the scheme allows its lists 7 days
    trust_list = _trust_list(resolvers=None, max_age=7)
    page = _page(tmp_path, trust_list)
    at = SIGNED_AT + dt.timedelta(days=8)
    shown = browser(page_url(page, f"at={format_time(at)}&{claim_text()}"))
    python = _python(trust_list, claim_text(), at)
    assert shown.rows == _rows(python)
    assert ("revocation", "INDETERMINATE", "revocation_stale") in shown.rows
    assert "7 days the trust list allows" in shown.dom
    fresh = browser(page_url(page, f"at={format_time(SIGNED_AT + dt.timedelta(days=6))}"
                                   f"&{claim_text()}"))
    assert ("revocation", "PASSED", "not_revoked") in fresh.rows


def test_screenshot_of_a_code_leading_elsewhere(pages: dict[str, Path], browser: Any,
                                                tmp_path: Path) -> None:
    text = claim_text().replace(DEFAULT_RESOLVER, "HTTPS://CFL.EXAMPLE.ATTACKER.COM/V/", 1)
    shot = tmp_path / "elsewhere.png"
    browser(page_url(pages["named"], f"at={format_time(AT)}&{text}"), screenshot=shot)
    assert shot.stat().st_size > 10_000
