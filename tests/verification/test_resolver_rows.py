"""A genuine claim behind an address the scheme does not name (ADR 0138): the ``resolver``
row of a QR text, a photo and a label, and the address shown in every report."""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonschema
import pytest
from label_world import bundle, bundle_bytes, claim_text
from signing_world import AT, SIGNED_AT, world

from cfl.claim.text import DEFAULT_RESOLVER, claim_bytes_from_text
from cfl.io.resources import load_schema
from cfl.label.render import LabelRenderer, prepare_label
from cfl.label.templates import load_template
from cfl.report.model import Status, VerificationReport
from cfl.report.render import report_json, report_text
from cfl.signing.jws import bundle_to_bytes
from cfl.trust.context import TrustContext
from cfl.trust.trust_list import CONTENT_KEY, sign_trust_list
from cfl.verification import verify
from cfl.verification.claim_check import verify_claim

ATTACKER = "HTTPS://CFL.EXAMPLE.ATTACKER.COM/V/"


def _behind(resolver: str) -> str:
    return claim_text().replace(DEFAULT_RESOLVER, resolver, 1)


def _row(report: VerificationReport) -> tuple[str, Status, str]:
    found = [row for row in report.rows if row.check == "resolver"]
    assert len(found) == 1, report.rows
    return found[0].code, found[0].status, found[0].form


def _context_naming(*resolvers: str) -> TrustContext:
    """The world's trust list, re-signed naming ``resolvers`` (none: it names none)."""
    w = world()
    content = copy.deepcopy(w.trust_list_document[CONTENT_KEY])
    content.pop("resolver", None)
    content.pop("resolvers", None)
    signed = sign_trust_list({CONTENT_KEY: content, "signatures": []}, w.operator,
                             at=SIGNED_AT, resolvers=list(resolvers))
    return w.context(trust_list=bundle_to_bytes(signed))


def test_the_schemes_own_resolver_passes_and_is_shown() -> None:
    report = verify(claim_text(), world().context(), at=AT, source="qr.txt")
    assert report.passed, report.summary()
    assert _row(report) == ("resolver_named", Status.PASSED, "")
    assert report.facts is not None and report.facts.resolver == DEFAULT_RESOLVER
    assert f"QR address   {DEFAULT_RESOLVER}" in report_text(report)


@pytest.mark.parametrize("resolver", [
    ATTACKER, "HTTPS://CFL.EXAMPLE:8443/V/", "HTTPS://CFL.EXAMPLE/W/",
    "HTTPS://CFL.EXAMPLE/V/../W/",
])
def test_a_genuine_claim_behind_another_address_fails(resolver: str) -> None:
    report = verify(_behind(resolver), world().context(), at=AT, source="qr.txt")
    assert report.bottom_line is Status.FAILED
    assert _row(report) == ("resolver_unknown", Status.FAILED, "")
    # everything else about the claim is fine: the address alone fails it
    assert [row.code for row in report.rows if row.status is Status.FAILED] == \
        ["resolver_unknown"]
    assert report.facts is not None and report.facts.resolver == resolver
    assert resolver in report.summary() and "https://cfl.example/V/" in report.summary()


def test_plain_http_fails_even_when_the_host_is_the_schemes() -> None:
    report = verify(_behind("HTTP://CFL.EXAMPLE/V/"), world().context(), at=AT)
    assert _row(report) == ("resolver_unknown", Status.FAILED, "insecure")
    unnamed = verify(_behind("HTTP://CFL.EXAMPLE/V/"), _context_naming(), at=AT)
    assert _row(unnamed) == ("resolver_unknown", Status.FAILED, "insecure")


def test_a_trust_list_naming_no_resolver_leaves_the_address_indeterminate() -> None:
    report = verify(claim_text(), _context_naming(), at=AT)
    assert report.bottom_line is Status.INDETERMINATE
    assert _row(report) == ("resolver_unknown", Status.INDETERMINATE, "unnamed")


def test_without_an_accepted_trust_list_the_address_cannot_be_checked() -> None:
    report = verify(claim_text(), world().context(trust_list=b"{}"), at=AT)
    assert _row(report) == ("resolver_unknown", Status.INDETERMINATE, "no_trust_list")


def test_several_named_resolvers_each_pass() -> None:
    context = _context_naming("HTTPS://LABELS.EXAMPLE.CN/V/", "https://cfl.example/V/")
    assert _row(verify(claim_text(), context, at=AT))[0] == "resolver_named"
    assert _row(verify(_behind("HTTPS://LABELS.EXAMPLE.CN/V/"), context,
                       at=AT))[0] == "resolver_named"
    assert _row(verify(_behind(ATTACKER), context, at=AT))[1] is Status.FAILED


def test_cose_bytes_carry_no_address_and_get_no_resolver_row() -> None:
    report = verify_claim(claim_bytes_from_text(claim_text()), world().context(), at=AT)
    assert report.passed and not [row for row in report.rows if row.check == "resolver"]
    assert report.facts is not None and report.facts.resolver is None


def _label_behind(resolver: str) -> bytes:
    content = prepare_label(bundle(), bundle_bytes(), _behind(resolver))
    return LabelRenderer(load_template("standard")).render([content])


def test_a_label_whose_code_leads_elsewhere_fails_and_says_where() -> None:
    report = verify(_label_behind(ATTACKER), world().context(), at=AT, source="label.pdf")
    assert report.bottom_line is Status.FAILED
    assert _row(report)[:2] == ("resolver_unknown", Status.FAILED)
    assert report.facts is not None and report.facts.origin == "bundle"
    assert report.facts.resolver == ATTACKER
    out: dict[str, Any] = json.loads(report_json(report))
    assert out["facts"]["resolver"] == ATTACKER
    jsonschema.validate(out, load_schema("verification-report.schema.json"))
    assert f"QR address   {ATTACKER}" in report_text(report)


def test_a_bundle_has_no_qr_address() -> None:
    report = verify(bundle_bytes(), world().context(), at=AT)
    assert report.facts is not None and report.facts.resolver is None
    out = json.loads(report_json(report))
    assert out["facts"]["resolver"] is None and "QR address" not in report_text(report)
