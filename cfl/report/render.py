"""The text and JSON renderings of a verification report (what ``cfl verify`` prints, and
what a service returns)."""

from __future__ import annotations

from cfl.io.jsonio import dumps_pretty
from cfl.report.model import VerificationReport

FORMATS = ("text", "json")


def report_text(report: VerificationReport) -> str:
    """One line per row (status, code, subject, sentence) and the summary line."""
    lines = []
    for row in report.rows:
        subject = f" {row.subject}:" if row.subject else ""
        lines.append(f"{row.status.value:<13} {row.code:<30}{subject} {row.message}")
    lines.append(report.summary())
    return "\n".join(lines) + "\n"


def report_json(report: VerificationReport) -> str:
    """The report as pretty JSON (:meth:`VerificationReport.to_json`)."""
    return dumps_pretty(report.to_json())


def render_report(report: VerificationReport, output_format: str) -> str:
    """The report in ``output_format`` (``text`` or ``json``)."""
    return report_json(report) if output_format == "json" else report_text(report)
