"""The vocabulary of every check: statuses, report rows, the verification report and its
renderings (ADR 0080)."""

from cfl.report.model import (
    FACTS_FORMAT,
    REPORT_FORMAT,
    CheckRow,
    Status,
    VerificationReport,
    VerifiedFacts,
    error_text,
)
from cfl.report.render import render_report, report_json, report_text

__all__ = [
    "FACTS_FORMAT",
    "REPORT_FORMAT",
    "CheckRow",
    "Status",
    "VerificationReport",
    "VerifiedFacts",
    "error_text",
    "render_report",
    "report_json",
    "report_text",
]
