"""The offline page checks a format-2 claim's bit in the status list it embeds (compressed as
the signed file holds it, inflated by the browser), in real headless Chromium, with status
lists of 1,000,000 entries: the same rows as the Python verifier and the verdict kinds a
person acts on (revoked, tampered for an index out of range, stale)."""

from __future__ import annotations

import datetime as dt
import json
import random
import zlib
from pathlib import Path
from typing import Any

import pytest

from cfl.bundle.claim import claim_in_bundle
from cfl.bundle.model import parse_bundle
from cfl.bundle.sign import sign_bundle
from cfl.claim.text import DEFAULT_RESOLVER
from cfl.io.jsonio import load_json_file
from cfl.report.model import VerificationReport
from cfl.signing.b64url import b64url_encode
from cfl.signing.jws import bundle_to_bytes
from cfl.signing.keys import LocalSigner
from cfl.timeutil import format_time, parse_time
from cfl.trust.context import load_trust_context
from cfl.trust.revocation import revoke
from cfl.trust.status_list import issue_status_list
from cfl.trust.trust_list import Accreditation, add_trust_entry, new_trust_list, sign_trust_list
from cfl.verification.claim_check import verify_claim
from cfl.web.page import build_page

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "declarations" / "battery-pack.json"
SIGNED_AT = parse_time("2026-03-10T00:00:00Z")
BUILT_AT = parse_time("2026-03-11T00:00:00Z")
VERIFY_AT = "2026-03-12T00:00:00Z"
SIZE = 1_000_000
REVOKED_INDEX = 777_777
CLEAR_INDEX = 123_456


@pytest.fixture(scope="module")
def scheme(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    operator, certifier = LocalSigner.generate("EdDSA"), LocalSigner.generate("EdDSA")
    document = new_trust_list("Page test operator", expires=parse_time("2027-01-01T00:00:00Z"),
                              at=SIGNED_AT, resolver=DEFAULT_RESOLVER)
    document = add_trust_entry(document, certifier.public_key, name="Battery CB",
                               accreditation=Accreditation("CNAS", "CNAS-B1"),
                               categories=["lithium-ion-battery"],
                               valid_from=parse_time("2026-01-01T00:00:00Z"),
                               valid_until=parse_time("2028-01-01T00:00:00Z"))
    trust_list = bundle_to_bytes(sign_trust_list(document, operator, at=SIGNED_AT))
    revocations = bundle_to_bytes(revoke(None, certifier, declaration_id=None, reason=None,
                                         at=SIGNED_AT, next_update=dt.timedelta(days=60)))
    chosen = random.Random(7).sample(range(SIZE), SIZE // 100)
    revoked = sorted({*chosen, REVOKED_INDEX} - {CLEAR_INDEX})
    status_list = bundle_to_bytes(issue_status_list(
        certifier, size=SIZE, revoked=revoked, version=3, at=SIGNED_AT,
        next_update=dt.timedelta(days=30)))
    declaration = load_json_file(FIXTURE)
    texts = {}
    for name, index in (("clear", CLEAR_INDEX), ("revoked", REVOKED_INDEX),
                        ("out_of_range", SIZE)):
        bundle = sign_bundle(declaration, certifier, role="certifier", at=SIGNED_AT,
                             status_index=index)
        texts[name] = claim_in_bundle(parse_bundle(bundle_to_bytes(bundle))).to_text()
    root = tmp_path_factory.mktemp("status-page")
    with_list, without = root / "with" / "index.html", root / "without" / "index.html"
    for page, lists in ((with_list, [status_list]), (without, [])):
        page.parent.mkdir()
        page.write_bytes(build_page(trust_list, anchor=operator.public_key,
                                    revocations=[revocations], status_lists=lists,
                                    at=BUILT_AT))
    return {"texts": texts, "page": with_list, "bare": without, "trust_list": trust_list,
            "revocations": revocations, "status_list": status_list,
            "anchor": operator.public_key}


def _python(scheme: dict[str, Any], text: str, at: str, *, lists: bool = True
            ) -> VerificationReport:
    moment = parse_time(at)
    context = load_trust_context(scheme["trust_list"], anchor=scheme["anchor"], at=moment,
                                 revocations=[scheme["revocations"]],
                                 status_lists=[scheme["status_list"]] if lists else [])
    return verify_claim(text, context, at=moment)


def _rows(report: VerificationReport) -> tuple[tuple[str, str, str], ...]:
    return tuple((row.check, row.status.value, row.code) for row in report.rows)


def _open(browser: Any, page: Path, text: str, at: str) -> Any:
    return browser(page.resolve().as_uri() + f"#at={at}&{text}")


@pytest.mark.parametrize(("name", "verdict", "reason", "kind"), [
    ("clear", "PASSED", None, "as-of"),
    ("revoked", "FAILED", "revoked", "revoked"),
    ("out_of_range", "FAILED", "status_index_out_of_range", "tampered"),
])
def test_the_page_reads_the_bit_as_the_python_does(
        scheme: dict[str, Any], browser: Any, name: str, verdict: str, reason: str | None,
        kind: str) -> None:
    text = scheme["texts"][name]
    page = _open(browser, scheme["page"], text, VERIFY_AT)
    assert page.js_error is None
    python = _python(scheme, text, VERIFY_AT)
    assert page.rows == _rows(python)
    assert (page.verdict, python.bottom_line.value) == (verdict, verdict)
    if reason is not None:
        assert page.reason == reason
    assert f'data-kind="{kind}"' in page.dom


def test_past_its_next_update_the_list_is_stale_on_the_page(
        scheme: dict[str, Any], browser: Any) -> None:
    late = format_time(SIGNED_AT + dt.timedelta(days=31))
    text = scheme["texts"]["clear"]
    page = _open(browser, scheme["page"], text, late)
    assert page.js_error is None
    assert (page.verdict, page.reason) == ("INDETERMINATE", "revocation_stale")
    assert 'data-kind="stale"' in page.dom
    assert page.rows == _rows(_python(scheme, text, late))
    # a set bit still fails, stale or not
    revoked = _open(browser, scheme["page"], scheme["texts"]["revoked"], late)
    assert (revoked.verdict, revoked.reason) == ("FAILED", "revoked")


def test_a_page_without_the_certifiers_status_list_cannot_confirm(
        scheme: dict[str, Any], browser: Any) -> None:
    page = _open(browser, scheme["bare"], scheme["texts"]["clear"], VERIFY_AT)
    assert page.js_error is None
    assert (page.verdict, page.reason) == ("INDETERMINATE", "status_list_unavailable")
    assert 'data-kind="stale"' in page.dom
    python = _python(scheme, scheme["texts"]["clear"], VERIFY_AT, lists=False)
    assert page.rows == _rows(python)


def test_the_page_stays_small_with_a_million_entry_list(scheme: dict[str, Any]) -> None:
    with_list = scheme["page"].stat().st_size
    without = scheme["bare"].stat().st_size
    compressed = len(scheme["status_list"])
    # the list adds its compressed bits once (base64url, as the file holds them), no more
    assert with_list - without < compressed


def test_embedded_bits_that_inflate_past_the_size_are_stopped(
        scheme: dict[str, Any], browser: Any, tmp_path: Path) -> None:
    """The page bounds its own inflation: bits that inflate far past the declared size (a
    page whose data block was altered after the build) stop at the size and are reported as
    unreadable, not read."""
    html = scheme["page"].read_text(encoding="utf-8")
    embedded = json.loads(data_block_bits(scheme["status_list"]))
    bomb = b64url_encode(zlib.compress(b"\0" * 50_000_000, 9))
    assert html.count(embedded) == 1
    altered = tmp_path / "index.html"
    altered.write_text(html.replace(embedded, bomb), encoding="utf-8")
    page = _open(browser, altered, scheme["texts"]["clear"], VERIFY_AT)
    assert page.js_error is None
    assert (page.verdict, page.reason) == ("INDETERMINATE", "status_list_unsupported")
    assert 'data-kind="stale"' in page.dom


def data_block_bits(data: bytes) -> str:
    """The ``bits`` member of a signed status list, as a JSON string literal."""
    return json.dumps(json.loads(data)["statusList"]["bits"])
