"""What the verification page knows comes from the Python: the claim format, its limits, the
clock skew and the sentences of its rows are handed over at build time (cfl/web/page.py);
page.js holds only logic, and renders the registry's sentences in Chinese and English."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from cfl.claim import model as claim_model
from cfl.claim import text as claim_text
from cfl.io.yamlio import load_yaml_file
from cfl.report.model import VerificationReport
from cfl.report.reasons import AGE_WORDS, FRAMES, PAGE_FORM, PLACEHOLDER, REASONS, TERMS
from cfl.signing.keys import PublicKey, load_public_key
from cfl.timeutil import CLOCK_SKEW, parse_time
from cfl.trust.context import load_trust_context
from cfl.trust.trust_list import STATUSES
from cfl.verification.claim_check import verify_claim
from cfl.web.page import PAGE_FRAMES, PAGE_REASONS, PageSources, build_page, page_vocabulary

VECTORS = Path(__file__).resolve().parents[1] / "vectors"
CLAIM_VECTORS = [entry for entry in load_yaml_file(VECTORS / "manifest.yaml")["vectors"]
                 if "claim" in entry["files"]]
BUILT_AT = parse_time("2026-04-10T00:00:00Z")
SCRIPT = PageSources.packaged().script
CJK = re.compile("[\u4e00-\u9fff]")


# --------------------------------------------------------------------------- static


def test_the_script_holds_no_code_table_value() -> None:
    for table in (claim_model.UNIT_CODES, claim_model.BOUNDARY_CODES,
                  claim_model.CATEGORY_CODES, claim_model.RULE_SET_CODES):
        for name in table:
            assert f'"{name}"' not in SCRIPT and f"'{name}'" not in SCRIPT, name
    for word in ("lithium-ion-battery", "cradle-to-gate", "gbt-24067-2024", "kilowatt hour"):
        assert word not in SCRIPT, word


def test_the_script_holds_no_limit_or_clock_skew_of_its_own() -> None:
    for literal in ("5 * 60", "300000", "2 ** 40", "10n ** 24n", "1 to 200", "24 digits",
                    "first 8 bytes", "(expected 1)", "15n", "18n", "-8n", "0xd2"):
        assert literal not in SCRIPT, literal
    for number in (claim_text.MAX_CLAIM_BYTES, claim_text.MAX_CLAIM_DIGITS,
                   claim_text.MAX_RESOLVER_CHARS, claim_text.MAX_TEXT_CHARS):
        assert not re.search(rf"(?<![\w.]){number}(?![\w.])", SCRIPT), number
    assert "A-Z0-9$%*+" not in SCRIPT  # the resolver pattern
    assert "urn:gtin:[0-9]" not in SCRIPT  # the GTIN URN pattern


def _fragments(template: str) -> list[str]:
    return [part.strip(" ,.;:()") for part in PLACEHOLDER.split(template)[::3]]


def test_the_script_holds_no_reason_sentence() -> None:
    """No sentence of the registry (any code, any form, either language), no frame, no age
    or role word is written in page.js: the page gets them in its data block. (A decoding
    error's own text, the ``{detail}``, is the decoder's, as in Python's cfl/claim/decode.py;
    the registry's short description of its code may read alike.)"""
    for code, entry in REASONS.items():
        for text in entry.sentences.values():
            for language, template in text.items():
                for fragment in _fragments(template):
                    if len(fragment) >= 12 or (language == "zh" and len(fragment) >= 7):
                        assert fragment not in SCRIPT, (code, language, fragment)
    for frame in FRAMES.values():
        for template in frame.templates.values():
            for fragment in _fragments(template):
                if len(fragment) >= 12:
                    assert fragment not in SCRIPT, fragment
    for language, units in AGE_WORDS.items():
        for one, more in units.values():
            for word in (one, more):
                bare = word.replace("{n}", "").strip()
                assert f'"{bare}"' not in SCRIPT and f'"{bare}' not in SCRIPT, (language, word)
    for name, texts in TERMS.items():
        assert texts["zh"] not in SCRIPT, name


def test_the_page_is_handed_exactly_the_codes_its_script_produces() -> None:
    literals = set(re.findall(r'"([a-z][a-z0-9_]*)"', SCRIPT)) & set(REASONS)
    made = {f"signer_{status}" for status in STATUSES if status != "active"}  # "signer_" + status
    made |= {f"{code}_at_signing" for code in ("signer_not_yet_valid", "signer_expired",
                                               "signer_valid")}  # code + suffix
    assert literals <= set(PAGE_REASONS), sorted(literals - set(PAGE_REASONS))
    assert set(PAGE_REASONS) <= literals | made, sorted(set(PAGE_REASONS) - literals - made)
    assert set(PAGE_FRAMES) <= set(re.findall(r'errorRow\([^)]*"([a-z-]+)"\)', SCRIPT))
    for form in set(re.findall(r'reasonRow\([^;]*?, "([a-z_]+)"\)', SCRIPT, re.S)):
        assert any(form in REASONS[code].sentences for code in PAGE_REASONS), form


def test_the_page_data_is_the_python_constants() -> None:
    data = page_vocabulary()
    claim = data["claimFormat"]
    assert claim["units"] == claim_model.UNIT_CODES
    assert claim["boundaries"] == claim_model.BOUNDARY_CODES
    assert claim["categories"] == claim_model.CATEGORY_CODES
    assert claim["ruleSets"] == claim_model.RULE_SET_CODES
    assert claim["requiredKeys"] == sorted(claim_model.REQUIRED_KEYS)
    assert claim["knownKeys"] == sorted(claim_model.KNOWN_KEYS)
    assert sorted(claim["keys"].values()) == sorted(claim_model.KNOWN_KEYS)
    assert {int(code): name for code, name in claim["algorithms"].items()} == \
        claim_model.NAME_BY_COSE_ALG
    assert (claim["kidHintBytes"], claim["maxTime"], claim["maxTextField"],
            claim["maxDecimalDigits"]) == (claim_model.KID_HINT_BYTES, claim_model.MAX_TIME,
                                           claim_model.MAX_TEXT_FIELD,
                                           claim_model.MAX_DECIMAL_DIGITS)
    assert data["textForm"]["maxClaimBytes"] == claim_text.MAX_CLAIM_BYTES
    assert data["textForm"]["maxTextChars"] == claim_text.MAX_TEXT_CHARS
    assert data["clockSkewMs"] == CLOCK_SKEW.total_seconds() * 1000
    # Python's final "$" also matches before a final newline: the page's pattern says so
    assert re.fullmatch(data["textForm"]["resolverPattern"], "HTTPS://CFL.EXAMPLE/V/")
    assert re.fullmatch(claim["gtinUrnPattern"], "urn:gtin:06901234567892\n")
    for code in PAGE_REASONS:
        reason = data["reasons"][code]
        assert reason["status"] == REASONS[code].status.value
        assert all(set(texts) == {"en", "zh"} for texts in reason["sentences"].values())
    json.dumps(data, ensure_ascii=True)  # the data block is JSON, not script


# --------------------------------------------------------------------------- in the browser


def _read(relative: str) -> bytes:
    return (VECTORS / relative).read_bytes()


def _trust(entry: dict[str, Any]) -> tuple[bytes, PublicKey, list[bytes]]:
    trust = entry["trust"]
    return (_read(trust["trust_list"]), load_public_key(VECTORS / trust["anchor"]),
            [_read(path) for path in trust["revocations"]])


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A page per claim vector (built as test_page.py builds them)."""
    out = {}
    for entry in CLAIM_VECTORS:
        trust_list, anchor, revocations = _trust(entry)
        page = tmp_path_factory.mktemp("page") / "index.html"
        page.write_bytes(build_page(trust_list, anchor=anchor, revocations=revocations,
                                    at=BUILT_AT))
        out[entry["id"]] = page
    return out


def _url(page: Path, fragment: str) -> str:
    return page.resolve().as_uri() + "#" + fragment


def _python_report(entry: dict[str, Any], text: str) -> VerificationReport:
    trust_list, anchor, revocations = _trust(entry)
    at = parse_time(entry["at"])
    context = load_trust_context(trust_list, anchor=anchor, at=at, revocations=revocations)
    return verify_claim(text, context, at=at)


class _Messages(HTMLParser):
    """(code, English, Chinese) of every check row in a dumped page."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, str]] = []
        self._lang: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "li" and "data-code" in values:
            self.rows.append({"code": values["data-code"], "en": "", "zh": ""})
        elif tag == "span" and "message" in values.get("class", "").split() and self.rows:
            self._lang = "en" if values.get("lang") == "en" else "zh"

    def handle_endtag(self, tag: str) -> None:
        if tag == "span":
            self._lang = None

    def handle_data(self, data: str) -> None:
        if self._lang is not None:
            self.rows[-1][self._lang] += data


def _messages(dom: str) -> list[dict[str, str]]:
    reader = _Messages()
    reader.feed(dom)
    return reader.rows


def _as_pattern(template: str) -> str:
    parts = PLACEHOLDER.split(template)
    return "".join(re.escape(part) if i % 3 == 0 else (".+?" if i % 3 == 1 else "")
                   for i, part in enumerate(parts) if part is not None) + r"\Z"


def _matches_a_form(code: str, language: str, text: str) -> bool:
    entry = REASONS.get(code)
    if entry is None or (entry.problem is not None and not entry.sentences):
        templates = [FRAMES["claim"].templates[language]]
    else:
        templates = [texts[language] for texts in entry.sentences.values()]
    return any(re.match(_as_pattern(template), text, re.S) for template in templates)


def _check_messages(page_rows: list[dict[str, str]], python_rows: list[Any]) -> None:
    assert [r["code"] for r in page_rows] == [r.code for r in python_rows]
    for shown, python in zip(page_rows, python_rows, strict=True):
        code = shown["code"]
        assert CJK.search(shown["zh"]), shown
        for language in ("en", "zh"):
            assert _matches_a_form(code, language, shown[language]), (language, shown)
        entry = REASONS[code]
        page_wording = PAGE_FORM in entry.sentences
        decoder_error = entry.problem is not None and not entry.sentences
        if not page_wording and not decoder_error:
            # the same sentence, word for word, as cfl verify --text
            assert shown["en"] == python.message, code
            assert shown["zh"] == python.message_in("zh"), code
        elif decoder_error:
            assert shown["en"].startswith("the claim is not well-formed: ")
            assert shown["zh"].startswith("标签声明格式有误（" + entry.problem["zh"] + "）：")


@pytest.mark.parametrize("entry", CLAIM_VECTORS, ids=[e["id"] for e in CLAIM_VECTORS])
def test_the_page_shows_the_registry_sentences(entry: dict[str, Any], pages: dict[str, Path],
                                               browser: Any) -> None:
    text = _read(entry["files"]["claim"]).decode("ascii").strip()
    page = browser(_url(pages[entry["id"]], f"at={entry['at']}&{text}"))
    assert page.js_error is None
    _check_messages(_messages(page.dom), list(_python_report(entry, text).rows))


@pytest.mark.parametrize("claim", ["", "0123", "HTTPS://CFL.EXAMPLE/V/12abc",
                                   "HTTPS://CFL.EXAMPLE/V/" + "7" * 1300,
                                   "HTTPS://CFL.EXAMPLE/V/" + str(int.from_bytes(
                                       b"\xd2\x84" + bytes(20), "big"))],
                         ids=["empty", "leading-zero", "letters", "too-long", "not-cose"])
def test_decoding_errors_are_framed_with_their_problem(claim: str, pages: dict[str, Path],
                                                       browser: Any) -> None:
    entry = CLAIM_VECTORS[0]
    page = browser(_url(pages[entry["id"]], f"at={entry['at']}&claim={claim}"))
    assert page.js_error is None
    text = claim if "/" in claim else claim_text.DEFAULT_RESOLVER + claim
    _check_messages(_messages(page.dom), list(_python_report(entry, text).rows))


def test_a_valid_claim_reads_in_chinese_and_english(pages: dict[str, Path],
                                                    browser: Any) -> None:
    entry = next(e for e in CLAIM_VECTORS if e["expect"]["bottom_line"] == "PASSED")
    text = _read(entry["files"]["claim"]).decode("ascii").strip()
    page = browser(_url(pages[entry["id"]], f"at={entry['at']}&{text}"))
    assert page.js_error is None and page.verdict == "PASSED"
    shown = _messages(page.dom)
    signature = next(r for r in shown if r["code"] == "signature_valid")
    assert signature["zh"].startswith("签名经") and signature["en"].startswith(
        "the signature verifies with the key of ")
    first_seen = next(r for r in shown if r["code"] == "trust_list_first_seen")
    assert first_seen["en"].startswith("this page keeps no earlier trust list")
    assert first_seen["zh"].startswith("本页面不保存更早的信任列表")


def test_a_bad_time_reads_in_both_languages(pages: dict[str, Path], browser: Any) -> None:
    page = browser(_url(pages[CLAIM_VECTORS[0]["id"]], "at=yesterday&123"))
    assert page.js_error is None
    (row,) = _messages(page.dom)
    assert row == {"code": "bad_time", "en": REASONS["bad_time"].template("en"),
                   "zh": REASONS["bad_time"].template("zh")}
