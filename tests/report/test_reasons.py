"""The reason-code registry (cfl/report/reasons.py): complete, in English and Chinese, used
by every row site, and every entry produced by some test (tests/reason_audit.py)."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

import pytest
import reason_audit
from label_world import bundle, claim_text, label_pdf
from PIL import Image
from signing_world import AT, SIGNED_AT, world

from cfl.claim.decode import decode_claim_text
from cfl.report.model import CheckRow, Status, VerificationReport
from cfl.report.reasons import (
    AGE_WORDS,
    FRAMES,
    LANGUAGES,
    PAGE_FORM,
    PLACEHOLDER,
    REASONS,
    TERMS,
    Age,
    Terms,
    UnknownReasonError,
    age_text,
    placeholders,
    problem_row,
    row,
)
from cfl.signing.jws import (
    MAX_SIGNATURES,
    TYP_REVOCATIONS,
    TYP_TRUST_LIST,
    bundle_to_bytes,
    sign_content,
)
from cfl.timeutil import describe_age
from cfl.trust.revocation import revoke
from cfl.trust.trust_list import STATUSES
from cfl.verification import verify
from cfl.verification.claim_check import binding_rows
from cfl.verification.label_check import verify_label
from cfl.verification.rows import validity_row
from cfl.verification.signer import signer_rows

ROOT = Path(__file__).resolve().parents[2]
#: The modules that build report rows (and only through the registry).
ROW_SITES = ("cfl/trust/context.py", "cfl/verification/signer.py", "cfl/verification/rows.py",
             "cfl/verification/bundle_check.py", "cfl/verification/claim_check.py",
             "cfl/verification/label_check.py")
CJK = re.compile("[\u4e00-\u9fff]")


@pytest.fixture
def unrecorded() -> Any:
    """Rows built here to test the registry itself are not recorded: only rows a real row
    site builds count as produced (tests/reason_audit.py)."""
    with reason_audit.LOG.paused():
        yield

#: Codes from errors that say only that nothing could be read (not a forgery).
UNREADABLE_CODES = frozenset({"no_qr"})


def _templates() -> list[tuple[str, str, str, str]]:
    """(code or frame, form, language, template) of every sentence in the registry."""
    out = [(code, form, language, text)
           for code, entry in REASONS.items()
           for form, texts in entry.sentences.items() for language, text in texts.items()]
    out += [(name, "frame", language, text)
            for name, frame in FRAMES.items() for language, text in frame.templates.items()]
    return out


# --------------------------------------------------------------------------- the registry


def test_every_code_has_a_status_checks_and_text_in_every_language() -> None:
    assert len(REASONS) > 100
    for code, entry in REASONS.items():
        assert re.fullmatch(r"[a-z][a-z0-9_]*", code) and entry.code == code
        assert isinstance(entry.status, Status)
        assert entry.checks and all(re.fullmatch(r"[a-z][a-z-]*", c) for c in entry.checks)
        assert entry.sentences or entry.problem, code
        texts = [*entry.sentences.values(), *([entry.problem] if entry.problem else [])]
        for text in texts:
            assert set(text) == set(LANGUAGES), code
            assert text["en"].strip() and not CJK.search(text["en"]), code
            assert CJK.search(text["zh"]), f"{code}: the Chinese text has no Chinese"
        if entry.problem is not None:
            # an error FAILS, except one that only says nothing could be read
            unread = code in UNREADABLE_CODES
            assert entry.status is (Status.INDETERMINATE if unread else Status.FAILED), code
        assert "" in entry.sentences or not entry.sentences, code


def test_templates_use_only_named_placeholders() -> None:
    for code, form, language, text in _templates():
        rest = PLACEHOLDER.sub("", text)
        assert "{" not in rest and "}" not in rest, (code, form, language, text)


def test_english_and_chinese_take_the_same_arguments() -> None:
    """A row site passes one set of arguments; every language's template of the form must
    be filled from it (and use all of it: nothing a reader needs is dropped)."""
    for code, entry in REASONS.items():
        for form, texts in entry.sentences.items():
            assert placeholders(texts["en"]) == placeholders(texts["zh"]), (code, form)
    for name, frame in FRAMES.items():
        assert placeholders(frame.templates["en"]) == {"detail"}, name
        assert placeholders(frame.templates["zh"]) == {"detail", "problem"}, name


def test_every_template_formats_with_its_own_placeholders(unrecorded: None) -> None:
    for code, entry in REASONS.items():
        for form, texts in entry.sentences.items():
            args = {name: f"<{name}>" for name in placeholders(texts["en"])}
            made = row(code, form=form, **args) if not entry.page_only else None
            if made is not None:
                for language in LANGUAGES:
                    text = made.message_in(language)
                    assert "{" not in text and all(f"<{n}>" in text or f"'<{n}>'" in text
                                                   for n in args), (code, form, language)


def test_frames_and_forms_have_distinct_names() -> None:
    forms = {form for entry in REASONS.values() for form in entry.sentences}
    assert not forms & set(FRAMES)
    assert PAGE_FORM in forms


def test_error_codes_name_checks_their_frames_cover() -> None:
    framed_checks = {check for frame in FRAMES.values() for check in frame.checks}
    for code, entry in REASONS.items():
        if entry.problem is not None and not entry.sentences:
            assert set(entry.checks) <= framed_checks, code


def test_ages_read_as_describe_age_in_english_and_are_chinese_in_chinese() -> None:
    now = dt.datetime(2026, 4, 10, tzinfo=dt.UTC)
    for seconds in (0, 1, 2, 59, 60, 61, 119, 3599, 3600, 7200, 86399, 86400, 86401,
                    2 * 86400, 400 * 86400):
        then = now - dt.timedelta(seconds=seconds)
        assert age_text(Age(then, now).seconds, "en") == describe_age(then, now)
        assert CJK.search(age_text(seconds, "zh"))
    assert age_text(3 * 86400, "zh") == "3天" and age_text(5, "zh") == "5秒"
    assert set(AGE_WORDS) == set(LANGUAGES)


def test_terms_are_rendered_in_the_row_language(unrecorded: None) -> None:
    made = row("signer_wrong_role", signer="C1", accreditation="CNAS:1", operator="Op",
               roles=Terms(("certifier", "manufacturer")), role=Terms(("certifier",)))
    assert "as certifier and manufacturer only" in made.message
    assert "认证机构和制造商" in made.message_in("zh")
    assert set(TERMS) == {"certifier", "manufacturer"}


# --------------------------------------------------------------------------- rows and the API


def test_a_row_takes_check_and_status_from_the_registry_and_renders_late(unrecorded: None) -> None:
    made = row("trust_list_fresh", issued=SIGNED_AT, age=Age(SIGNED_AT, AT), expires=AT,
               subject="t.json")
    assert (made.check, made.status, made.code) == ("trust-list-validity", Status.PASSED,
                                                   "trust_list_fresh")
    assert made.args["issued"] == SIGNED_AT  # the values, not their text
    assert made.message == ("the trust list was issued 2026-03-10T00:00:00Z (31 days old) "
                            "and expires 2026-04-10T00:00:00Z")
    assert made.message_in("zh") == ("信任列表签发于 2026-03-10T00:00:00Z（距今31天），"
                                     "有效期至 2026-04-10T00:00:00Z")
    assert made.to_json() == {"check": "trust-list-validity", "status": "PASSED",
                              "code": "trust_list_fresh", "message": made.message,
                              "subject": "t.json"}


def test_repr_quotes_as_python_does(unrecorded: None) -> None:
    made = row("scope_category", signer="C1", category="it's", scope="steel")
    assert made.message == "C1 is not accredited for \"it's\" (scope: steel)"
    assert "“it's”" in made.message_in("zh")


def test_a_row_with_an_unknown_code_form_or_check_is_refused_at_once(unrecorded: None) -> None:
    with pytest.raises(UnknownReasonError, match="no_such_reason"):
        row("no_such_reason")
    with pytest.raises(UnknownReasonError, match="form"):
        row("signature_invalid", form="nonsense")
    with pytest.raises(UnknownReasonError, match="check"):
        row("signature_invalid", check="validity")
    with pytest.raises(UnknownReasonError, match="frame"):
        problem_row("bad_claim", "x", check="claim", frame="nonsense")


def test_an_error_with_an_unregistered_code_still_makes_a_row(unrecorded: None) -> None:
    """A report never breaks on an error code the registry lacks (the audit fails the test
    run instead, which this test keeps out of its record)."""
    made = problem_row("brand_new_code", "it broke", check="claim", frame="claim",
                       subject="x")
    assert made.status is Status.FAILED and made.code == "brand_new_code"
    assert made.message == "the claim is not well-formed: it broke"
    assert made.message_in("zh") == "标签声明格式有误（brand_new_code）：it broke"


def test_rows_made_by_hand_keep_their_sentence() -> None:
    made = CheckRow("a", Status.PASSED, "ok", "fine")
    assert made.message == made.message_in("zh") == "fine"
    assert CheckRow("a", Status.PASSED, "ok").message == "ok"


def test_every_row_site_builds_rows_through_the_registry_with_registered_codes() -> None:
    """Static: no CheckRow is built by hand in the row modules, and every code literal a
    row site passes is registered (including sites no test reaches)."""
    dynamic = {"signer_{entry.status}": {f"signer_{s}" for s in STATUSES if s != "active"},
               "signer_not_yet_valid{suffix}": {"signer_not_yet_valid",
                                                "signer_not_yet_valid_at_signing"},
               "signer_expired{suffix}": {"signer_expired", "signer_expired_at_signing"},
               "signer_valid{suffix}": {"signer_valid", "signer_valid_at_signing"}}
    found: set[str] = set()
    for path in ROW_SITES:
        source = (ROOT / path).read_text(encoding="utf-8")
        assert "CheckRow(" not in source, f"{path} builds a row by hand"
        for code in re.findall(r'\b(?:row|row_with|reason_row|problem_row)\(\s*f?"([^"]+)"',
                               source):
            found |= dynamic.get(code, {code})
    assert found, "no row site found"
    assert found <= set(REASONS), sorted(found - set(REASONS))


# --------------------------------------------------------------------------- Chinese reports


def test_a_whole_report_reads_in_chinese() -> None:
    report = verify(world().bundle_bytes(), world().context(), source="b.json")
    assert report.passed
    for made in report.rows:
        text = made.message_in("zh")
        assert CJK.search(text), (made.code, text)
    signature = next(r for r in report.rows if r.code == "signature_valid")
    assert signature.message_in("zh").startswith("签名经C1的密钥（")


# --------------------------------------------------------------------------- rare codes
# Each produced through the real verification path, so that every registered entry is
# produced by some test (the audit requires it of a whole-suite run).


def _bundle_bytes_with(change: Any) -> bytes:
    document = world().bundle()
    change(document)
    return bundle_to_bytes(document)


def _rows(report: VerificationReport) -> list[tuple[str, str]]:
    return [(made.code, made.form) for made in report.rows if made.status is Status.FAILED]


@pytest.mark.parametrize(("data", "code"), [
    (b"\xef\xbb\xbf{}", "bom"),
    (b"PK\x03\x04" + bytes(40), "wrong_file_type"),
    (b'{"declaration": {"x": NaN}, "signatures": []}', "non_finite_number"),
    (b'{"declaration": {"x": 0.10000000000000000001}, "signatures": []}', "inexact_number"),
    (b'{"declaration": {"x": 9007199254740993}, "signatures": []}', "not_canonicalisable"),
    (None, "too_many_signatures"),
    (None, "attached_payload"),
], ids=lambda value: value if isinstance(value, str) else "")
def test_unreadable_bundles(data: bytes | None, code: str) -> None:
    if code == "too_many_signatures":
        data = _bundle_bytes_with(lambda d: d.update(
            signatures=d["signatures"] * (MAX_SIGNATURES + 1)))
    elif code == "attached_payload":
        data = _bundle_bytes_with(lambda d: d["signatures"][0].update(payload="e30"))
    assert data is not None
    report = verify(data, world().context(), source="b.json")
    assert _rows(report) == [(code, "bundle")], report.rows


def _signed_trust_list(change: Any) -> bytes:
    content = copy.deepcopy(world().trust_list_document["trustList"])
    change(content)
    entry = sign_content(content, world().operator, typ=TYP_TRUST_LIST, at=SIGNED_AT)
    return bundle_to_bytes({"trustList": content, "signatures": [entry]})


@pytest.mark.parametrize(("change", "code"), [
    (lambda c: c["entries"][0]["publicKey"].update(x="A" * 42), "bad_jwk"),
    (lambda c: c["entries"][0].update(validUntil=c["entries"][0]["validFrom"]), "bad_window"),
    (lambda c: c["entries"].append(copy.deepcopy(c["entries"][0])), "duplicate_entry"),
], ids=["bad_jwk", "bad_window", "duplicate_entry"])
def test_trust_lists_with_bad_content(change: Any, code: str) -> None:
    context = world().context(trust_list=_signed_trust_list(change))
    assert context.trust_list is None
    assert [(r.code, r.form) for r in context.rows] == [(code, "trust-list")]
    assert context.rows[0].message.startswith("the trust list is malformed: ")
    assert context.rows[0].message_in("zh").startswith("信任列表格式有误（")


def test_revocation_lists_with_bad_content() -> None:
    certifier = world().certifier
    document = revoke(None, certifier, declaration_id="3f1c2a9e-5b7d-4e8f-9a0b-1c2d3e4f5a6b",
                      reason="withdrawn", at=SIGNED_AT)
    content = document["revocationList"]
    content["entries"] = content["entries"] * 2
    twice = bundle_to_bytes({"revocationList": content, "signatures": [
        sign_content(content, certifier, typ=TYP_REVOCATIONS, at=SIGNED_AT)]})
    no_issuer = b'{"revocationList": {}, "signatures": []}'
    context = world().context(revocations=(twice, no_issuer))
    assert [(r.code, r.form) for r in context.rows if r.status is Status.FAILED] == [
        ("duplicate_entry", "revocation-list"), ("schema_invalid", "revocation-list")]


def test_label_pages_and_resolutions_that_do_not_exist() -> None:
    pdf = label_pdf("standard")
    assert ("no_such_page", "plain") in _rows(verify_label(pdf, world().context(), at=AT,
                                                           page=3))
    assert ("bad_dpi", "plain") in _rows(verify_label(pdf, world().context(), at=AT, dpi=10))


def test_a_label_document_without_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """pdfium refuses a PDF without pages (bad_pdf); should a reader ever open one, nothing
    checked is still never PASSED."""
    from cfl.label import readback

    monkeypatch.setattr(readback.LabelDocument, "page_count", property(lambda self: 0))
    report = verify_label(label_pdf("standard"), world().context(), at=AT)
    assert _rows(report) == [("no_such_page", "")]
    assert report.rows[-1].message == "has no page"


def test_a_label_whose_qr_code_holds_no_claim() -> None:
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    from cfl.label.qr import encode_claim_qr

    symbol = encode_claim_qr("HTTPS://CFL.EXAMPLE/V/1234", error="Q")
    side = symbol.size + 8
    image = Image.new("L", (side, side), 255)
    image.putdata([0 if (4 <= r < side - 4 and 4 <= c < side - 4 and symbol.rows[r - 4][c - 4])
                   else 255 for r in range(side) for c in range(side)])
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawImage(ImageReader(image.resize((side * 8, side * 8), Image.Resampling.NEAREST)),
                   100, 400, 240, 240)
    page.save()
    report = verify_label(out.getvalue(), world().context(), at=AT, source="q.pdf")
    claim = next(r for r in report.rows if r.check == "claim")
    assert (claim.code, claim.form) == ("bad_claim", "qr-claim")
    assert claim.message.startswith("the QR code's claim is not well-formed: ")


def test_wordings_for_missing_facts() -> None:
    until = validity_row(None, AT, SIGNED_AT)
    assert (until.code, until.form, until.message) == (
        "declaration_valid", "until", "the declaration is valid until 2026-04-10T00:00:00Z")
    rows = signer_rows(world().context(), kid=world().certifier.kid, verify=lambda key: True,
                       product_category=None, rule_set=None, signed_at=SIGNED_AT, at=AT,
                       declaration_id="x")
    scope = next(r for r in rows if r.check == "signer-scope")
    assert (scope.code, scope.form) == ("scope_unknown", "")
    signed = decode_claim_text(claim_text())
    incomparable = dataclasses.replace(bundle(), declaration={}, digest=signed.claim.digest)
    agreement = binding_rows(signed, incomparable)[-1]
    assert (agreement.code, agreement.form) == ("claim_disagrees", "incomparable")
    assert agreement.message.startswith("the bundle's declaration cannot be compared: ")


# --------------------------------------------------------------------------- the audit itself


def test_the_audit_names_unknown_codes_wrong_checks_and_missing_arguments() -> None:
    uses = [("brand_new_code", "claim", "claim", ("detail",)),
            ("signature_invalid", "validity", "", ()),
            ("trust_list_fresh", "trust-list-validity", "", ("issued",)),
            ("signature_valid", "signature", "plain", ("detail",))]
    problems = reason_audit.misuses(uses)
    assert any("'brand_new_code'" in p and "not registered" in p for p in problems)
    assert any("'signature_invalid'" in p and "checks ['signature']" in p for p in problems)
    assert any("'trust_list_fresh'" in p and "needs ['age', 'expires']" in p for p in problems)
    assert any("'signature_valid'" in p and "no problem text" in p for p in problems)
    assert reason_audit.misuses([("trust_list_fresh", "trust-list-validity", "",
                                  ("age", "expires", "issued"))]) == []


def test_the_audit_names_entries_no_test_produced() -> None:
    every = {(code, entry.checks[0], form, ()) for code, entry in REASONS.items()
             for form in entry.sentences}
    every |= {(code, entry.checks[0], "plain", ("detail",)) for code, entry in REASONS.items()
              if entry.problem is not None}
    every |= {("bad_claim", "claim", name, ("detail",)) for name in FRAMES}
    assert reason_audit.never_produced(every) == []
    without = {use for use in every if use[0] != "revoked"}
    assert reason_audit.never_produced(without) == [
        "registered code 'revoked' was never produced by any test: add a test whose report "
        "carries it, or remove it from cfl/report/reasons.py"]
    without = {use for use in every if use[2] != "qr-claim"}
    assert reason_audit.never_produced(without) == [
        "frame 'qr-claim' was never used by any test"]
