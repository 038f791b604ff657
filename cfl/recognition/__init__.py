"""Recognition: rule sets and mappings as data, the check engine that says whether a
declaration is recognised under a partner's rules (and what is missing), grading and
conversion."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cfl.lazy import lazy_exports

if TYPE_CHECKING:
    from cfl.recognition.actions import actions_for
    from cfl.recognition.attestation import Attestations, check_attestations, make_attestation
    from cfl.recognition.catalogue import category_catalogue
    from cfl.recognition.conversion import ConvertedDeclaration, convert_declaration
    from cfl.recognition.engine import (
        Outcome,
        RecognitionReport,
        RecognitionResult,
        Verdict,
        check_declaration,
        check_target,
    )
    from cfl.recognition.factors import factor_packs, plausibility_findings
    from cfl.recognition.grading import GradeResult, grade_declaration
    from cfl.recognition.html_report import render_html_report
    from cfl.recognition.lint import LintReport, lint_rule_files
    from cfl.recognition.render import (
        matrix_text,
        render_conversion,
        render_grade,
        render_lint,
        render_recognition,
        render_rule_set,
        render_rule_set_list,
    )
    from cfl.recognition.rules import RuleRegistry, RuleSet, shipped_rules
    from cfl.recognition.user_rules import LoadedRules, load_rules

__all__ = [
    "check_attestations",
    "make_attestation",
    "Attestations",
    "actions_for",
    "render_html_report",
    "category_catalogue",
    "factor_packs",
    "plausibility_findings",
    "render_recognition",
    "render_rule_set_list",
    "render_rule_set",
    "render_lint",
    "render_grade",
    "render_conversion",
    "matrix_text",
    "ConvertedDeclaration",
    "GradeResult",
    "LintReport",
    "LoadedRules",
    "Outcome",
    "RecognitionReport",
    "RecognitionResult",
    "RuleRegistry",
    "RuleSet",
    "Verdict",
    "check_declaration",
    "check_target",
    "convert_declaration",
    "grade_declaration",
    "lint_rule_files",
    "load_rules",
    "shipped_rules",
]

_HOMES = {
    "check_attestations": "cfl.recognition.attestation",
    "make_attestation": "cfl.recognition.attestation",
    "Attestations": "cfl.recognition.attestation",
    "actions_for": "cfl.recognition.actions",
    "render_html_report": "cfl.recognition.html_report",
    "category_catalogue": "cfl.recognition.catalogue",
    "factor_packs": "cfl.recognition.factors",
    "plausibility_findings": "cfl.recognition.factors",
    "render_recognition": "cfl.recognition.render",
    "render_rule_set_list": "cfl.recognition.render",
    "render_rule_set": "cfl.recognition.render",
    "render_lint": "cfl.recognition.render",
    "render_grade": "cfl.recognition.render",
    "render_conversion": "cfl.recognition.render",
    "matrix_text": "cfl.recognition.render",
    "ConvertedDeclaration": "cfl.recognition.conversion",
    "GradeResult": "cfl.recognition.grading",
    "LintReport": "cfl.recognition.lint",
    "LoadedRules": "cfl.recognition.user_rules",
    "Outcome": "cfl.recognition.engine",
    "RecognitionReport": "cfl.recognition.engine",
    "RecognitionResult": "cfl.recognition.engine",
    "RuleRegistry": "cfl.recognition.rules",
    "RuleSet": "cfl.recognition.rules",
    "Verdict": "cfl.recognition.engine",
    "check_declaration": "cfl.recognition.engine",
    "check_target": "cfl.recognition.engine",
    "convert_declaration": "cfl.recognition.conversion",
    "grade_declaration": "cfl.recognition.grading",
    "lint_rule_files": "cfl.recognition.lint",
    "load_rules": "cfl.recognition.user_rules",
    "shipped_rules": "cfl.recognition.rules",
}
__getattr__ = lazy_exports("cfl.recognition", _HOMES)
