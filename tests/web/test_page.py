"""The offline verification page (cfl/web/): built from verified trust inputs, run in
headless Chromium under its own CSP, and compared with the Python claim verifier."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import http.server
import json
import random
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cfl.bundle.claim import claim_in_bundle
from cfl.bundle.model import parse_bundle
from cfl.claim.text import DEFAULT_RESOLVER
from cfl.cli.main import cli
from cfl.errors import InputError
from cfl.io.yamlio import load_yaml_file
from cfl.report.model import VerificationReport
from cfl.signing.keys import PublicKey, load_public_key
from cfl.timeutil import format_time, parse_time
from cfl.trust.context import load_trust_context
from cfl.verification.claim_check import verify_claim
from cfl.web.page import PageSources, build_page, render_page

VECTORS = Path(__file__).resolve().parents[1] / "vectors"
MANIFEST = load_yaml_file(VECTORS / "manifest.yaml")["vectors"]
CLAIM_VECTORS = [entry for entry in MANIFEST if "claim" in entry["files"]]
#: Outcomes that need the bundle (binding, agreement): a QR-only page cannot reach them.
BUNDLE_ONLY_REASONS = {"claim_digest_mismatch", "claim_disagrees"}
#: When the officer saved the page: every vector's trust inputs are accepted then.
BUILT_AT = parse_time("2026-04-10T00:00:00Z")
DEMO_AT = parse_time("2026-03-10T00:00:00Z")


def page_url(page: Path, fragment: str = "") -> str:
    return page.resolve().as_uri() + (f"#{fragment}" if fragment else "")


def _read(relative: str) -> bytes:
    return (VECTORS / relative).read_bytes()


def _anchor(trust: dict[str, Any]) -> PublicKey:
    return load_public_key(VECTORS / trust["anchor"])


@pytest.fixture(scope="module")
def vector_pages(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, ...], Path]:
    """One page per distinct set of trust inputs of the claim vectors."""
    pages: dict[tuple[str, ...], Path] = {}
    for entry in CLAIM_VECTORS:
        trust = entry["trust"]
        key = _trust_key(trust)
        if key not in pages:
            folder = tmp_path_factory.mktemp("page")
            html = build_page(_read(trust["trust_list"]), anchor=_anchor(trust),
                              revocations=[_read(p) for p in trust["revocations"]],
                              status_lists=[_read(p) for p in trust.get("status_lists", [])],
                              at=BUILT_AT)
            (folder / "index.html").write_bytes(html)
            pages[key] = folder / "index.html"
    return pages


def _trust_key(trust: dict[str, Any]) -> tuple[str, ...]:
    return (trust["anchor"], trust["trust_list"], *trust["revocations"], "|",
            *trust.get("status_lists", []))


def _python_report(entry: dict[str, Any], text: str) -> VerificationReport:
    trust = entry["trust"]
    at = parse_time(entry["at"])
    context = load_trust_context(_read(trust["trust_list"]), anchor=_anchor(trust), at=at,
                                 revocations=[_read(p) for p in trust["revocations"]],
                                 status_lists=[_read(p) for p in trust.get("status_lists", [])])
    return verify_claim(text, context, at=at)


def _rows(report: VerificationReport) -> tuple[tuple[str, str, str], ...]:
    return tuple((row.check, row.status.value, row.code) for row in report.rows)


def _page_for(entry: dict[str, Any], pages: dict[tuple[str, ...], Path]) -> Path:
    return pages[_trust_key(entry["trust"])]


@pytest.mark.parametrize("entry", CLAIM_VECTORS, ids=[e["id"] for e in CLAIM_VECTORS])
def test_claim_vector_parity(entry: dict[str, Any], vector_pages: dict[tuple[str, ...], Path],
                             browser: Any) -> None:
    text = _read(entry["files"]["claim"]).decode("ascii").strip()
    page = browser(page_url(_page_for(entry, vector_pages), f"at={entry['at']}&{text}"))
    assert page.js_error is None
    assert page.state == "done"
    python = _python_report(entry, text)
    # Row for row the same checks, statuses and reason codes as cfl.claim.verify_claim.
    assert page.rows == _rows(python)
    assert page.verdict == python.bottom_line.value
    expected = entry["expect"]
    if expected["reason"] in BUNDLE_ONLY_REASONS:
        # claim-bound-to-another-bundle: its outcome is the binding with the bundle, which
        # a QR-only page never sees; on the QR alone that claim is valid.
        assert page.verdict == "PASSED"
    else:
        assert page.verdict == expected["bottom_line"]
        if expected["reason"] is not None:
            assert page.first_reason == expected["reason"]
            assert page.reason == expected["reason"]
    # each kind of failure its own headline; a link's time never gives the green one
    kind = KIND_BY_REASON.get(page.reason or "", "as-of" if page.verdict == "PASSED" else "")
    assert f'data-kind="{kind}"' in page.dom


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A `cfl demo` run: its battery label's QR text and a page built from its trust inputs."""
    root = tmp_path_factory.mktemp("demo")
    folder = root / "demo"
    result = CliRunner().invoke(cli, ["demo", "--at", format_time(DEMO_AT), str(folder)])
    assert result.exit_code == 0, result.output
    bundle = parse_bundle((folder / "bundles" / "lithium-ion-battery.json").read_bytes())
    text = claim_in_bundle(bundle).to_text()
    trust_list = (folder / "trust" / "trust-list.json").read_bytes()
    revocations = [(folder / "trust" / "revocations.json").read_bytes()]
    # the demo's claims are format 2: revoked by the certifier's status list
    status_lists = [(folder / "trust" / "status-list.json").read_bytes()]
    anchor = load_public_key(folder / "keys" / "operator")
    page = root / "index.html"
    page.write_bytes(build_page(trust_list, anchor=anchor, revocations=revocations,
                                status_lists=status_lists, at=DEMO_AT))
    return {"text": text, "page": page, "trust_list": trust_list,
            "revocations": revocations, "status_lists": status_lists, "anchor": anchor}


def _demo_python(demo: dict[str, Any], text: str, at: dt.datetime) -> VerificationReport:
    context = load_trust_context(demo["trust_list"], anchor=demo["anchor"], at=at,
                                 revocations=demo["revocations"],
                                 status_lists=demo["status_lists"])
    return verify_claim(text, context, at=at)


VERIFY_AT = "2026-03-11T00:00:00Z"
#: The verdict kind (the page's headline and colour) of a vector's first reason.
KIND_BY_REASON = {
    "bad_claim": "tampered", "signature_invalid": "tampered", "revoked": "revoked",
    "declaration_expired": "expired", "signer_untrusted": "untrusted",
    "signer_wrong_role": "untrusted", "scope_category": "untrusted",
    "signer_expired_at_signing": "untrusted", "trust_list_expired": "untrusted",
    "resolver_unknown": "elsewhere", "claim_not_deterministic": "tampered",
    "status_list_unavailable": "stale",
}


def test_demo_label_passes(demo: dict[str, Any], browser: Any) -> None:
    page = browser(page_url(demo["page"], f"at={VERIFY_AT}&{demo['text']}"))
    assert page.js_error is None
    assert page.verdict == "PASSED"
    assert page.rows == _rows(_demo_python(demo, demo["text"], parse_time(VERIFY_AT)))
    # the GTIN as the digits under a barcode (the claim carries its 14-digit form)
    assert re.search(r"<dd>GTIN-13 690123400[0-9]{4}</dd>", page.dom) and "kg CO2e" in page.dom
    # names as the label prints them, not slugs; dates as the label prints them
    assert "<dd>锂离子电池 · Lithium-ion battery</dd>" in page.dom
    assert "<dd>GB/T 24067-2024 (从摇篮到坟墓 · cradle to grave)</dd>" in page.dom
    assert "<dd>2026-01-01 – 2029-01-01</dd>" in page.dom


def test_a_time_in_the_link_never_shows_the_green_verdict(demo: dict[str, Any], browser: Any
                                                         ) -> None:
    """Whoever prints the QR controls the fragment: "#at=" is only a "check as of" mode,
    whose headline says so and is never the green "genuine, current" one."""
    page = browser(page_url(demo["page"], f"at={VERIFY_AT}&{demo['text']}"))
    assert page.verdict == "PASSED"
    assert 'data-kind="as-of"' in page.dom and 'data-kind="genuine"' not in page.dom
    title = re.search(r'id="verdict-title">(.*?)</p>', page.dom)
    assert title is not None and "AS OF" in title.group(1)
    assert "genuine" not in title.group(1)
    assert 'data-source="link"' in page.dom


def test_the_device_clock_is_the_verification_time(demo: dict[str, Any], browser: Any
                                                   ) -> None:
    before = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    page = browser(page_url(demo["page"], demo["text"]))
    after = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
    assert page.js_error is None
    found = re.search(r'id="verification-time" data-source="device">[^<]*: ([0-9T:.Z-]+)<',
                      page.dom)
    assert found is not None
    shown = parse_time(found.group(1))
    assert before <= shown <= after
    assert page.rows == _rows(_demo_python(demo, demo["text"], shown))
    assert ('data-kind="genuine"' in page.dom) == (page.verdict == "PASSED")


def test_demo_label_digits_only_in_fragment(demo: dict[str, Any], browser: Any) -> None:
    digits = demo["text"].rsplit("/", 1)[1]
    page = browser(page_url(demo["page"], f"{digits}&at={VERIFY_AT}"))
    assert page.js_error is None
    assert page.verdict == "PASSED"


def test_tampered_digit_fails_with_the_python_code(demo: dict[str, Any], browser: Any
                                                   ) -> None:
    text = demo["text"]
    index = len(text) - 150  # inside the payload/signature, far from the CBOR heads
    tampered = text[:index] + str((int(text[index]) + 1) % 10) + text[index + 1:]
    python = _demo_python(demo, tampered, parse_time(VERIFY_AT))
    assert python.bottom_line.value == "FAILED"
    page = browser(page_url(demo["page"], f"at={VERIFY_AT}&{tampered}"))
    assert page.js_error is None
    assert page.verdict == "FAILED"
    assert 'data-kind="tampered"' in page.dom
    # the figures of a failed claim are shown greyed and marked unverified
    assert 'data-verified="no"' in page.dom and 'id="unverified-note"' in page.dom
    assert page.rows == _rows(python)


def test_a_stale_revocation_list_is_indeterminate(demo: dict[str, Any], browser: Any) -> None:
    late = "2026-05-01T00:00:00Z"  # the demo's revocation list was due again by 2026-04-24
    page = browser(page_url(demo["page"], f"at={late}&{demo['text']}"))
    assert page.js_error is None
    assert page.verdict == "INDETERMINATE"
    assert page.reason == "revocation_stale"
    assert page.rows == _rows(_demo_python(demo, demo["text"], parse_time(late)))
    assert 'data-kind="stale"' in page.dom


def test_expired_trust_list(demo: dict[str, Any], browser: Any) -> None:
    late = "2027-03-11T00:00:00Z"  # the demo trust list expires 2027-03-10
    page = browser(page_url(demo["page"], f"at={late}&{demo['text']}"))
    assert page.js_error is None
    assert page.verdict == "FAILED"
    assert page.reason == "trust_list_expired"
    assert page.rows == _rows(_demo_python(demo, demo["text"], parse_time(late)))
    assert "EXPIRED" in page.dom


_JUNK_RANDOM = "".join(random.Random(70).choice("0123456789") for _ in range(400))


@pytest.mark.parametrize("claim", [
    "9" + _JUNK_RANDOM[1:],
    "7" * 10_000,
    "",
    "0" + "7" * 300,
    "HTTPS://CFL.EXAMPLE/V/12abc",
    "https://cfl.example/v/123",
], ids=["random-digits", "10000-digits", "empty", "leading-zero", "letters", "lowercase-url"])
def test_junk_input_is_a_clean_failed_row(claim: str, vector_pages: dict[tuple[str, ...], Path],
                                          browser: Any) -> None:
    entry = CLAIM_VECTORS[0]
    page = browser(page_url(_page_for(entry, vector_pages), f"at={entry['at']}&claim={claim}"))
    assert page.js_error is None
    assert page.state == "done"
    assert page.verdict == "FAILED"
    text = claim if "/" in claim else DEFAULT_RESOLVER + claim
    python = _python_report(entry, text)
    assert page.rows == _rows(python)
    assert len(page.rows) == 1 and page.rows[0][0] == "claim"
    if page.reason in {"bad_claim_text", "claim_too_large"}:
        assert 'data-kind="unreadable"' in page.dom


def test_bad_verification_time(vector_pages: dict[tuple[str, ...], Path], browser: Any) -> None:
    page = browser(page_url(_page_for(CLAIM_VECTORS[0], vector_pages), "at=yesterday&123"))
    assert page.js_error is None
    assert page.verdict == "FAILED"
    assert page.reason == "bad_time"


def test_no_claim_waits_for_input(vector_pages: dict[tuple[str, ...], Path],
                                  browser: Any) -> None:
    page = browser(page_url(_page_for(CLAIM_VECTORS[0], vector_pages)))
    assert page.js_error is None
    assert page.state == "ready"
    assert page.rows == ()
    assert 'id="trust-age"' in page.dom


# --------------------------------------------------------------------------- hosting


class _ResolverHandler(http.server.BaseHTTPRequestHandler):
    """Static hosting as documented: every /V/* path serves the one page."""

    page = b""
    requests: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.requests.append(self.path)
        if self.path.startswith("/V/"):
            body, status = self.page, 200
        else:
            body, status = b"not here", 404
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@pytest.fixture()
def server() -> Iterator[tuple[str, type[_ResolverHandler]]]:
    handler = type("Handler", (_ResolverHandler,), {"requests": []})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", handler
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_claim_from_the_resolver_path(demo: dict[str, Any], server: Any, browser: Any) -> None:
    base, handler = server
    handler.page = demo["page"].read_bytes()
    digits = demo["text"].rsplit("/", 1)[1]
    page = browser(f"{base}/V/{digits}#at={VERIFY_AT}")
    assert page.js_error is None
    assert page.verdict == "PASSED"
    assert handler.requests == [f"/V/{digits}"]  # the page itself, nothing else


# --------------------------------------------------------------------------- CSP


def _inline(html: str, tag: str) -> str:
    match = re.search(rf"<{tag}>(.*?)</{tag}>", html, re.S)
    assert match is not None
    return match.group(1)


def _sha256(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


def test_csp_meta_is_present_and_pins_the_inline_code(demo: dict[str, Any]) -> None:
    html = demo["page"].read_text(encoding="utf-8")
    match = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', html)
    assert match is not None
    policy = dict(part.strip().split(" ", 1) for part in match.group(1).split(";"))
    assert policy["default-src"] == "'none'"
    assert policy["connect-src"] == "'none'"
    assert policy["script-src"] == f"'sha256-{_sha256(_inline(html, 'script'))}'"
    assert policy["style-src"] == f"'sha256-{_sha256(_inline(html, 'style'))}'"
    assert html.index("Content-Security-Policy") < html.index("<style>")
    # Nothing to load: no src/href attribute, no http(s) URL in the code.
    assert not re.search(r"\s(src|href|action)=", html)
    sources = PageSources.packaged()
    for text in (sources.html, sources.css, sources.script):
        assert not re.search(r"https?://", text)


def test_no_request_leaves_the_page(demo: dict[str, Any], server: Any, browser: Any,
                                    tmp_path: Path) -> None:
    """A page whose script tries to fetch, load an image and a style sheet from a local
    server, plus an inline script the CSP does not pin: nothing reaches the server, the
    fetch is refused and the unpinned script never runs."""
    base, handler = server
    packaged = PageSources.packaged()
    probe = (
        "\n(function(){var m=document.createElement('p');m.id='fetch-probe';"
        "document.body.appendChild(m);"
        f"fetch('{base}/leak').then(function(){{m.setAttribute('data-result','sent');}},"
        "function(){m.setAttribute('data-result','blocked');});"
        f"var i=new Image();i.src='{base}/img';"
        "})();\n"
    )
    sources = PageSources(packaged.html, packaged.css, packaged.script + probe)
    html = build_page(demo["trust_list"], anchor=demo["anchor"],
                      revocations=demo["revocations"], status_lists=demo["status_lists"],
                      at=DEMO_AT, sources=sources).decode()
    html = html.replace("</body>", (
        "<script>var u=document.createElement('p');u.id='unpinned';"
        "u.setAttribute('data-result','ran');document.body.appendChild(u);</script>"
        f'<link rel="stylesheet" href="{base}/style.css"></body>'))
    page_file = tmp_path / "index.html"
    page_file.write_text(html, encoding="utf-8")
    page = browser(page_url(page_file, f"at={VERIFY_AT}&{demo['text']}"))
    assert page.verdict == "PASSED"  # the pinned script runs under its own CSP
    assert page.markers.get("fetch-probe") == "blocked"
    assert "unpinned" not in page.markers
    assert handler.requests == []


# --------------------------------------------------------------------------- library


def test_refuses_a_list_that_is_not_accepted() -> None:
    trust = CLAIM_VECTORS[0]["trust"]
    with pytest.raises(InputError) as caught:
        build_page(_read("trust/trust-list-signed-by-stranger.json"), anchor=_anchor(trust),
                   at=BUILT_AT)
    assert caught.value.code == "page_trust_not_accepted"
    assert "trust_list_signature" in str(caught.value)
    with pytest.raises(InputError, match="trust_list_expired"):
        build_page(_read(trust["trust_list"]), anchor=_anchor(trust),
                   at=parse_time("2027-02-01T00:00:00Z"))
    with pytest.raises(InputError, match="revocation"):
        build_page(_read(trust["trust_list"]), anchor=_anchor(trust),
                   revocations=[_read(trust["trust_list"])], at=BUILT_AT)


def test_page_embeds_entries_revocations_and_build_time(
        vector_pages: dict[tuple[str, ...], Path]) -> None:
    html = _page_for(CLAIM_VECTORS[0], vector_pages).read_text(encoding="utf-8")
    match = re.search(r'<script type="application/json" id="cfl-data">(.*?)</script>', html)
    assert match is not None
    data = match.group(1)
    assert "1IG2tMH7J2wbJZnOf8LJzQitKf7LMvoAElsuDMVM54Y" in data
    assert '"builtAt":{"ms":' in data and "2026-04-10T00:00:00Z" in data
    assert '"revocations":{' in data and '"version":1' in data
    assert "<" not in data


def test_render_refuses_a_broken_template() -> None:
    sources = PageSources.packaged()
    with pytest.raises(InputError, match="exactly once"):
        render_page({}, PageSources(sources.html + "{{DATA}}", sources.css, sources.script))
    with pytest.raises(InputError, match="'</'"):
        render_page({}, PageSources(sources.html, sources.css, sources.script + "'</p>'"))


def test_placeholders_in_data_are_not_expanded() -> None:
    sources = PageSources.packaged()
    html = render_page({"name": "{{SCRIPT}} </script>"}, sources).decode()
    assert html.count(sources.script) == 1
    assert "</script>\"" not in html


# --------------------------------------------------------------------------- screenshot


def test_screenshot_of_a_passed_page(demo: dict[str, Any], browser: Any, tmp_path: Path
                                     ) -> None:
    shot = tmp_path / "passed.png"
    browser(page_url(demo["page"], f"at={VERIFY_AT}&{demo['text']}"), screenshot=shot)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# --------------------------------------------------------------------------- decoder parity


def _sign1(protected: bytes, payload: bytes, signature: bytes) -> bytes:
    def bstr(data: bytes) -> bytes:
        if len(data) < 24:
            return bytes([0x40 + len(data)]) + data
        if len(data) < 256:
            return bytes([0x58, len(data)]) + data
        return b"\x59" + len(data).to_bytes(2, "big") + data
    return b"\xd2\x84" + bstr(protected) + b"\xa0" + bstr(payload) + bstr(signature)


def _mutations() -> dict[str, bytes]:
    """Claims each with one defect (or an unusual but valid encoding), built from the
    worked example; the Python decoder's verdict on each is the reference."""
    text = _read("claims/eddsa-valid.txt").decode("ascii").strip()
    number = int(text.rsplit("/", 1)[1])
    claim = number.to_bytes((number.bit_length() + 7) // 8, "big")
    protected, payload, signature = claim[3:16], claim[19:120], claim[122:]
    assert _sign1(protected, payload, signature) == claim
    body = payload[1:]
    value = bytes.fromhex("07c482211915c3")
    assert value in body
    times = body[body.index(b"\x0d\x1a"):]
    before_times = body[:body.index(b"\x0d\x1a")]
    cases = {
        "non-shortest-key": _sign1(protected, b"\xad\x18\x01" + body[1:], signature),
        "indefinite-map": _sign1(protected, b"\xbf" + body + b"\xff", signature),
        "duplicate-key": _sign1(protected, b"\xae" + body + times[:6], signature),
        "unknown-key": _sign1(protected, b"\xae" + body + b"\x10\x01", signature),
        "version-2": _sign1(protected, b"\xad\x01\x02" + body[2:], signature),
        "decimal-trailing-zero": _sign1(protected, b"\xad" + body.replace(
            value, bytes.fromhex("07c482221a0000d99e")), signature),
        "decimal-non-shortest": _sign1(protected, b"\xad" + body.replace(
            value, bytes.fromhex("07c482221ad99e")), signature),
        "bignum-value": _sign1(protected, b"\xad" + body.replace(
            value, b"\x07\xc2\x49\x01" + bytes(8)), signature),
        "bignum-leading-zero": _sign1(protected, b"\xad" + body.replace(
            value, b"\x07\xc2\x49\x00" + bytes(7) + b"\x01"), signature),
        "grade-21-chars": _sign1(protected, b"\xae" + before_times + b"\x0c\x75"
                                 + b"A" * 21 + times, signature),
        "grade-20-chinese": _sign1(protected, b"\xae" + before_times + b"\x0c\x78\x3c"
                                   + ("级" * 20).encode() + times, signature),
        "grade-bad-utf8": _sign1(protected, b"\xae" + before_times + b"\x0c\x61\xff" + times,
                                 signature),
        "alg-es384": _sign1(b"\xa2\x01\x38\x22" + protected[3:], payload, signature),
        "alg-non-shortest": _sign1(b"\xa2\x01\x38\x07" + protected[3:], payload, signature),
        "header-extra-label": _sign1(b"\xa3" + protected[1:] + b"\x05\x00", payload,
                                     signature),
        "trailing-byte": claim + b"\x00",
        "tag-17": b"\xd1" + claim[1:],
        "indefinite-outer": b"\xd2\x9f" + claim[2:] + b"\xff",
        "deep-nesting": b"\xd2\x84" + b"\x81" * 60 + b"\x00" + claim[16:],
        "unprotected-not-empty": claim[:16] + b"\xa1\x01\x01" + claim[17:],
        "signature-s-not-below-l": claim[:-1] + b"\xff",
        "signature-63-bytes": _sign1(protected, payload, signature[:63]),
        "payload-truncated": _sign1(protected, payload[:-3], signature),
    }
    # every time field at the edges the format allows: 2**40 - 1 is in the text form's range
    # but past the year 9999 a verifier's clock can name, so both verifiers refuse it
    for key, field in ((0x0D, "valid-until"), (0x0E, "issued-at"), (0x0F, "valid-from")):
        start = body.index(bytes([key, 0x1A]))
        for label, seconds in (("2-40-minus-1", 2**40 - 1), ("year-10000", 253_402_300_800),
                               ("last-second-9999", 253_402_300_799)):
            changed = (body[:start] + bytes([key, 0x1B]) + seconds.to_bytes(8, "big")
                       + body[start + 6:])
            cases[f"{field}-{label}"] = _sign1(protected, b"\xad" + changed, signature)
    generator = random.Random(2026)
    for n in range(24):
        position = generator.randrange(2, len(claim))
        mutated = bytearray(claim)
        mutated[position] = generator.randrange(256)
        cases[f"byte-{n}-at-{position}"] = bytes(mutated)
    for n in range(6):
        cases[f"truncated-{n}"] = claim[:generator.randrange(3, len(claim))]
    return cases


def test_decoder_parity_on_malformed_claims(vector_pages: dict[tuple[str, ...], Path],
                                            browser: Any, tmp_path: Path) -> None:
    """Every mutated claim gets the same rows in the page as in cfl.claim.verify_claim,
    run in one browser session through the page's ``cflPage.verifyText``."""
    entry = CLAIM_VECTORS[0]
    cases = _mutations()
    texts = {name: DEFAULT_RESOLVER + str(int.from_bytes(data, "big"))
             for name, data in cases.items()}
    at_ms = int(parse_time(entry["at"]).timestamp() * 1000)
    harness = (
        "\n(function(){var cases=" + json.dumps(texts) + ";"
        "Object.keys(cases).forEach(function(name){"
        "window.cflPage.verifyText(cases[name]," + str(at_ms) + ").then(function(rows){"
        "var m=document.createElement('p');m.id='case-'+name;"
        "m.setAttribute('data-result',rows.map(function(r){return r.join(':');}).join('|'));"
        "document.body.appendChild(m);});});})();\n"
    )
    packaged = PageSources.packaged()
    trust = entry["trust"]
    html = build_page(_read(trust["trust_list"]), anchor=_anchor(trust),
                      revocations=[_read(p) for p in trust["revocations"]], at=BUILT_AT,
                      sources=PageSources(packaged.html, packaged.css,
                                          packaged.script + harness))
    page_file = tmp_path / "index.html"
    page_file.write_bytes(html)
    page = browser(page_url(page_file))
    assert page.js_error is None
    seen_codes = set()
    for name, text in texts.items():
        python = _python_report(entry, text)
        expected = "|".join(":".join(row) for row in _rows(python))
        assert page.markers.get(f"case-{name}") == expected, name
        seen_codes.add(python.rows[0].code if python.rows[0].status.value == "FAILED"
                       else python.first(python.bottom_line).code)  # type: ignore[union-attr]
    # The set exercises every decoding outcome, not just one.
    assert {"bad_claim", "claim_not_deterministic", "bad_claim_version", "bad_claim_alg",
            "signature_invalid"} <= seen_codes
