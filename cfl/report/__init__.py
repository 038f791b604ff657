"""The vocabulary of every check: statuses, report rows, the verification report and its
renderings (ADR 0080)."""

from cfl.report.model import CheckRow, Status, VerificationReport, error_text
from cfl.report.render import render_report, report_json, report_text

__all__ = [
    "CheckRow",
    "Status",
    "VerificationReport",
    "error_text",
    "render_report",
    "report_json",
    "report_text",
]
