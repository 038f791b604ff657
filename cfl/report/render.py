"""The text and JSON renderings of a verification report (what ``cfl verify`` prints, and
what a service returns)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

from cfl.io.jsonio import dumps_pretty
from cfl.report.model import VerificationReport, VerifiedFacts
from cfl.timeutil import format_time

FORMATS = ("text", "json")

#: Characters that can make a terminal or a reader show something other than the text:
#: C0 and C1 controls (escape sequences, line breaks that fake rows), zero-width and
#: bidirectional formatting characters, the byte order mark.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def printable(text: str) -> str:
    """``text`` with every character in :data:`_UNSAFE` written as a visible ``\\uXXXX``:
    whatever a signer or a file put into a report reaches a terminal as plain text."""
    return _UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


#: A GS1 GTIN as a URN (GTIN-8, -12, -13 or -14; format-2 claims carry the 14-digit form).
_GTIN_URN = re.compile(r"urn:gtin:([0-9]{8}|[0-9]{12,14})")


def product_text(product_id: str | None) -> str | None:
    """How a person compares a product id with a package: a GTIN as the digits printed under
    its barcode (the 14-digit form without its leading filler zeros, named GTIN-8, -12 or
    -13; ``urn:gtin:06901234567892`` reads ``GTIN-13 6901234567892``); any other id as it
    is."""
    match = _GTIN_URN.fullmatch(product_id or "")
    if match is None:
        return product_id
    digits = match.group(1).rjust(14, "0")
    if digits[0] != "0":
        return f"GTIN-14 {digits}"
    if digits.startswith("000000"):
        return f"GTIN-8 {digits[6:]}"
    if digits.startswith("00"):
        return f"GTIN-12 {digits[2:]}"
    return f"GTIN-13 {digits[1:]}"


def facts_lines(facts: VerifiedFacts, *, verified: bool) -> list[str]:
    """The facts a report was about, one per line, under a heading that says whether they
    were verified (the report PASSED) or must not be relied on."""
    head = ("VERIFIED FACTS (compare them with what is printed):" if verified else
            "UNVERIFIED - the checks did not pass; these figures are NOT confirmed:")

    def names(by_language: Mapping[str, str], fallback: str | None) -> str:
        shown = [by_language[lang] for lang in ("zh", "en") if by_language.get(lang)]
        text = " / ".join(dict.fromkeys(shown)) or (fallback or "-")
        return f"{text} ({fallback})" if shown and fallback else text

    def when(value: dt.datetime | None) -> str:
        return "-" if value is None else format_time(value)

    figure = "-" if facts.value is None else (
        f"{facts.value} kg CO₂e per {facts.unit_amount or '1'} {facts.unit or '-'}")
    grade = facts.grade or "-"
    if facts.grade and facts.grade_illustrative:
        grade += " (illustrative thresholds)"
    issuer = facts.issuer_name or "not named by an accepted trust list"
    if facts.issuer_accreditation:
        issuer += f", {facts.issuer_accreditation}"
    fields = [
        ("product", names(facts.product_names, product_text(facts.product_id))),
        ("category", names(facts.category_names, facts.category)),
        ("rule set", names(facts.rule_set_names, facts.rule_set)),
        ("footprint", figure),
        ("boundary", facts.boundary or "-"),
        ("grade", grade),
        ("valid", f"{when(facts.valid_from)} to {when(facts.valid_until)}"),
        ("issuer", issuer),
        ("signed", when(facts.signed_at)),
        ("declaration", facts.declaration_id or "-") if facts.declaration_id is not None
        or facts.status_index is None else ("status index", str(facts.status_index)),
        ("read from", "the signed declaration" if facts.origin == "bundle"
         else "the QR claim's statements"),
    ]
    if facts.resolver is not None:  # what a phone opens: compare it with the scheme's site
        fields.append(("QR address", facts.resolver))
    return [head] + [f"  {name:<12} {value}" for name, value in fields]


def report_text(report: VerificationReport) -> str:
    """The verified facts first (PASSED only), one line per row (status, code, subject,
    sentence) and the summary line; the facts of a report that did not pass come after it,
    marked unverified."""
    lines = []
    facts = report.facts
    if facts is not None and report.passed:
        lines += [printable(line) for line in facts_lines(facts, verified=True)] + [""]
    for row in report.rows:
        subject = f" {row.subject}:" if row.subject else ""
        lines.append(printable(f"{row.status.value:<13} {row.code:<30}{subject} {row.message}"))
    lines.append(printable(report.summary()))
    if facts is not None and not report.passed:
        lines += [""] + [printable(line) for line in facts_lines(facts, verified=False)]
    return "\n".join(lines) + "\n"


def report_json(report: VerificationReport) -> str:
    """The report as pretty JSON (:meth:`VerificationReport.to_json`)."""
    return dumps_pretty(report.to_json())


def render_report(report: VerificationReport, output_format: str) -> str:
    """The report in ``output_format`` (``text`` or ``json``)."""
    return report_json(report) if output_format == "json" else report_text(report)
