"""The text and JSON renderings of a verification report (what ``cfl verify`` prints, and
what a service returns)."""

from __future__ import annotations

import re

from cfl.io.jsonio import dumps_pretty
from cfl.report.model import VerificationReport

FORMATS = ("text", "json")

#: Characters that can make a terminal or a reader show something other than the text:
#: C0 and C1 controls (escape sequences, line breaks that fake rows), zero-width and
#: bidirectional formatting characters, the byte order mark.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def printable(text: str) -> str:
    """``text`` with every character in :data:`_UNSAFE` written as a visible ``\\uXXXX``:
    whatever a signer or a file put into a report reaches a terminal as plain text."""
    return _UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def report_text(report: VerificationReport) -> str:
    """One line per row (status, code, subject, sentence) and the summary line."""
    lines = []
    for row in report.rows:
        subject = f" {row.subject}:" if row.subject else ""
        lines.append(printable(f"{row.status.value:<13} {row.code:<30}{subject} {row.message}"))
    lines.append(printable(report.summary()))
    return "\n".join(lines) + "\n"


def report_json(report: VerificationReport) -> str:
    """The report as pretty JSON (:meth:`VerificationReport.to_json`)."""
    return dumps_pretty(report.to_json())


def render_report(report: VerificationReport, output_format: str) -> str:
    """The report in ``output_format`` (``text`` or ``json``)."""
    return report_json(report) if output_format == "json" else report_text(report)
