"""The text and JSON renderings of recognition results, rule sets, lint reports, grades and
conversions (what ``cfl check``, ``cfl rulesets``, ``cfl grade`` and ``cfl convert`` print,
and what a service returns).

Every function returns the whole rendering as one string ending in a newline; the
``render_*`` functions pick the rendering for an ``output_format`` of ``text`` or ``json``.
"""

from __future__ import annotations

import json
from typing import Any

from cfl.findings import Severity
from cfl.io.jsonio import dumps_pretty
from cfl.recognition.actions import actions_for, result_json_with_actions
from cfl.recognition.conversion import ConvertedDeclaration
from cfl.recognition.engine import (
    GwpTarget,
    Outcome,
    RecognitionReport,
    RecognitionResult,
    RequirementResult,
)
from cfl.recognition.grading import GradeResult
from cfl.recognition.lint import LintReport
from cfl.recognition.rules import Confidence, RuleRegistry, RuleSet

#: The outcomes that decide a verdict, listed under the matrix.
_DECIDING = (Outcome.NOT_MET, Outcome.UNDETERMINABLE, Outcome.MET_AFTER_CONVERSION)

# ----------------------------------------------------------------------------- recognition


def _row_lines(row: RequirementResult) -> list[str]:
    conversion = f" [{row.conversion}]" if row.conversion else ""
    if row.attested_by:
        conversion += f" (attested by {row.attested_by})"
    return [f"  {row.outcome.value:21} {row.requirement_id}{conversion}",
            f"      {row.sentence}",
            f"      → {row.detail}",
            f"      cite: {row.citation}"]


def _files_line(report: RecognitionReport) -> str:
    return "  files: " + ", ".join(f.describe() for f in report.files)


def _target_lines(report: RecognitionReport) -> list[str]:
    path = " → ".join(report.path) if report.path else "(no mapping path)"
    lines = [f"{report.target}: {report.verdict.value.upper()}", f"  {report.target_name}",
             f"  path: {path}", _files_line(report)]
    for row in report.rows:
        lines += _row_lines(row)
    lines += [f"  note: {note}" for note in report.notes]
    lines += _todo_lines(report, indent="  ")
    return lines


def _todo_lines(report: RecognitionReport, *, indent: str) -> list[str]:
    actions = actions_for(report)
    if not actions:
        return []
    lines = [f"{indent}to do ({report.verdict.value}), least effort first:"]
    for i, action in enumerate(actions, 1):
        lines.append(f"{indent}  {i}. [{action.kind.value}] {action.requirement}: {action.text}")
    return lines


def _matrix_lines(result: RecognitionResult) -> list[str]:
    width = max([34, *(len(r.target) for r in result.reports)])
    lines = [f"{'target':{width}} {'verdict':27} {'met':>3} {'conv':>4} {'not':>3} "
             f"{'undet':>5} {'n/a':>3}  path"]
    for r in result.reports:
        lines.append(
            f"{r.target:{width}} {r.verdict.value:27} {r.count(Outcome.MET):>3} "
            f"{r.count(Outcome.MET_AFTER_CONVERSION):>4} {r.count(Outcome.NOT_MET):>3} "
            f"{r.count(Outcome.UNDETERMINABLE):>5} {r.count(Outcome.NOT_APPLICABLE):>3}  "
            f"{' → '.join(r.path) if r.path else '(none)'}")
    own = [r for r in result.reports if any(f.yours for f in r.files)]
    if own:
        lines += ["", "Targets that use files of your own:"]
        lines += [f"{r.target}:\n{_files_line(r)}" for r in own]
    lines.append("")
    lines.append("Rows that decide the verdicts (not met, undeterminable, met after conversion):")
    for r in result.reports:
        deciding = [row for row in r.rows if row.outcome in _DECIDING]
        if deciding:
            lines.append(f"{r.target} ({r.verdict.value}):")
            for row in deciding:
                lines += _row_lines(row)
    todo = [r for r in result.reports if actions_for(r)]
    if todo:
        lines += ["", "What would change the verdicts (per target, least effort first):"]
        for r in todo:
            lines.append(f"{r.target} ({r.verdict.value}):")
            lines += _todo_lines(r, indent="  ")[1:]
    return lines


def target_report_text(report: RecognitionReport) -> str:
    """One target: its verdict, mapping path and rule files, every requirement row with its
    outcome, sentence, detail and citation, and the target's notes."""
    return "\n".join(_target_lines(report)) + "\n"


def matrix_text(result: RecognitionResult) -> str:
    """The ``--all`` view: one line per target with the count of each outcome, the targets
    that use files of your own, then the rows that decide the verdicts (this is also the
    demo's ``reports/recognition.txt``). Notes are not included."""
    return "\n".join(_matrix_lines(result)) + "\n"


def recognition_text(result: RecognitionResult, *, matrix: bool = False) -> str:
    """What ``cfl check`` prints: the result's notes, then the matrix (``matrix=True``, for
    ``--all``) or every target in full (:func:`target_report_text`), one blank line apart."""
    if matrix:
        lines = _matrix_lines(result)
    else:
        lines = [line for report in result.reports for line in [*_target_lines(report), ""]]
    notes = "".join(f"note: {note}\n" for note in result.notes)
    return notes + "\n".join(lines).rstrip() + "\n"


def recognition_json(result: RecognitionResult) -> str:
    """The result as pretty JSON (:meth:`RecognitionResult.to_json`, each report with its
    ``actions``: the to-do list, least effort first)."""
    return dumps_pretty(result_json_with_actions(result))


def render_recognition(result: RecognitionResult, output_format: str, *,
                       matrix: bool = False) -> str:
    """The result in ``output_format`` (``text`` or ``json``; ``matrix`` is for text)."""
    if output_format == "json":
        return recognition_json(result)
    return recognition_text(result, matrix=matrix)


# ----------------------------------------------------------------------------- rule sets


def _unconfirmed(registry: RuleRegistry, rule_set_id: str) -> int:
    return sum(1 for q in registry.requirements_of(rule_set_id)
               if q.confidence is Confidence.UNCONFIRMED)


def _listed(registry: RuleRegistry) -> list[RuleSet]:
    return [registry.rule_sets[k] for k in sorted(registry.rule_sets)]


def rule_set_list_text(registry: RuleRegistry) -> str:
    """A table of the registry's rule sets by id: jurisdiction, kind, number of requirements
    and of unconfirmed ones, name, and the file of a rule set of your own."""
    lines = [f"{'id':34} {'where':5} {'kind':16} {'reqs':>4} {'unconf':>6}  name"]
    for r in _listed(registry):
        reqs = registry.requirements_of(r.id)
        own = f"  [yours: {r.origin}]" if registry.is_users(r.origin) else ""
        lines.append(f"{r.id:34} {r.jurisdiction:5} {r.kind.value:16} {len(reqs):>4} "
                     f"{_unconfirmed(registry, r.id):>6}  {r.name}{own}")
    return "\n".join(lines) + "\n"


def rule_set_list_json(registry: RuleRegistry) -> str:
    """The registry's rule sets by id as a pretty JSON list."""
    return dumps_pretty([
        {"id": r.id, "name": r.name, "jurisdiction": r.jurisdiction, "kind": r.kind.value,
         "requirements": len(registry.requirements_of(r.id)),
         "unconfirmed": _unconfirmed(registry, r.id),
         "grades": sorted(r.grading), "file": r.origin,
         "yours": registry.is_users(r.origin)} for r in _listed(registry)])


def render_rule_set_list(registry: RuleRegistry, output_format: str) -> str:
    """The list of rule sets in ``output_format`` (``text`` or ``json``)."""
    if output_format == "json":
        return rule_set_list_json(registry)
    return rule_set_list_text(registry)


def _rule_set_data(rule_set: RuleSet, registry: RuleRegistry) -> dict[str, Any]:
    return {
        "id": rule_set.id, "names": dict(rule_set.names), "jurisdiction": rule_set.jurisdiction,
        "kind": rule_set.kind.value, "basedOn": list(rule_set.based_on),
        "includes": list(rule_set.includes), "notes": rule_set.notes, "file": rule_set.origin,
        "yours": registry.is_users(rule_set.origin),
        "sources": [{"id": s.id, "title": s.title, "url": s.url}
                    for s in rule_set.sources.values()],
        "requirements": [
            {"id": f"{r.owner}/{r.id}", "sentence": r.sentence, "check": r.check.describe(),
             "when": r.when.describe() if r.when else None, "confidence": r.confidence.value,
             "citation": r.citation}
            for r in registry.requirements_of(rule_set.id)
        ],
        "grading": {
            category: {
                "unit": g.unit, "declaredUnit": g.declared_unit, "illustrative": g.illustrative,
                "note": g.note, "source": g.citation,
                "classes": [{"class": c.name, "min": str(c.min) if c.min is not None else None,
                             "max": str(c.max) if c.max is not None else None,
                             "confidence": c.confidence.value} for c in g.classes],
            } for category, g in rule_set.grading.items()
        },
        "mappingsTo": [m.target_id for m in registry.mappings_from(rule_set.id)],
    }


def rule_set_text(rule_set: RuleSet, registry: RuleRegistry) -> str:
    """One rule set: names, jurisdiction, kind and file, every requirement (including those
    of included rule sets) with its check and source, grading classes, mappings to others."""
    lines = [f"{rule_set.id} — {rule_set.name}"]
    if "zh" in rule_set.names:
        lines.append(f"  {rule_set.names['zh']}")
    whose = " (yours)" if registry.is_users(rule_set.origin) else ""
    lines.append(f"  jurisdiction {rule_set.jurisdiction}, kind {rule_set.kind.value}, "
                 f"file {rule_set.origin}{whose}")
    if rule_set.based_on:
        lines.append(f"  based on: {', '.join(rule_set.based_on)}")
    if rule_set.includes:
        lines.append(f"  includes the requirements of: {', '.join(rule_set.includes)}")
    if rule_set.notes:
        lines.append(f"  notes: {rule_set.notes}")
    lines.append("\nRequirements:")
    for req in registry.requirements_of(rule_set.id):
        lines.append(f"  [{req.confidence.value}] {req.owner}/{req.id}: {req.sentence}")
        if req.when:
            lines.append(f"      when: {req.when.describe()}")
        lines.append(f"      check: {req.check.describe()}")
        lines.append(f"      source: {req.citation}")
    if rule_set.grading:
        lines.append("\nGrading (kg CO2e per declared unit; min inclusive, max exclusive):")
        for category, grading in rule_set.grading.items():
            mark = "  ILLUSTRATIVE — not published by any source" if grading.illustrative else ""
            lines.append(f"  {category} ({grading.unit}){mark}")
            for c in grading.classes:
                low = c.min if c.min is not None else "-inf"
                high = c.max if c.max is not None else "+inf"
                lines.append(f"      {c.name}: [{low}, {high})")
            lines.append(f"      source: {grading.citation}")
    targets = [m.target_id for m in registry.mappings_from(rule_set.id)]
    if targets:
        lines.append(f"\nMappings to: {', '.join(targets)}")
    return "\n".join(lines) + "\n"


def rule_set_json(rule_set: RuleSet, registry: RuleRegistry) -> str:
    """One rule set as pretty JSON: the fields of :func:`rule_set_text`, sources included."""
    return dumps_pretty(_rule_set_data(rule_set, registry))


def render_rule_set(rule_set: RuleSet, registry: RuleRegistry, output_format: str) -> str:
    """One rule set in ``output_format`` (``text`` or ``json``)."""
    if output_format == "json":
        return rule_set_json(rule_set, registry)
    return rule_set_text(rule_set, registry)


def lint_text(report: LintReport) -> str:
    """One line per finding (file, path, severity, message, code), then the counts."""
    errors = sum(1 for f in report.findings if f.severity is Severity.ERROR)
    warnings = len(report.findings) - errors
    lines = [str(finding) for finding in report.findings]
    lines.append(f"{len(report.files)} file(s) linted: {errors} error(s), "
                 f"{warnings} warning(s)")
    return "\n".join(lines) + "\n"


def lint_json(report: LintReport) -> str:
    """The lint report as pretty JSON (:meth:`LintReport.to_json`)."""
    return dumps_pretty(report.to_json())


def render_lint(report: LintReport, output_format: str) -> str:
    """The lint report in ``output_format`` (``text`` or ``json``)."""
    return lint_json(report) if output_format == "json" else lint_text(report)


# ----------------------------------------------------------------------------- grade, convert


def grade_text(result: GradeResult) -> str:
    """The grade, its value and threshold citation, and what is illustrative or your own
    (:meth:`GradeResult.summary`)."""
    return result.summary() + "\n"


def grade_json(result: GradeResult) -> str:
    """The grade as one line of JSON (:meth:`GradeResult.to_json`)."""
    return json.dumps(result.to_json(), ensure_ascii=False) + "\n"


def render_grade(result: GradeResult, output_format: str) -> str:
    """The grade in ``output_format`` (``text`` or ``json``)."""
    return grade_json(result) if output_format == "json" else grade_text(result)


def _conversion_notes(result: ConvertedDeclaration, target: GwpTarget | None) -> list[str]:
    chosen = [] if target is None else [
        f"{target.report} is what conversion {target.conversion.id} of mapping "
        f"{target.mapping.id} ({target.mapping.origin}) asks for on the path "
        f"{' → '.join(target.path)}"]
    return [*chosen, *result.notes]


def conversion_text(result: ConvertedDeclaration, target: GwpTarget | None = None) -> str:
    """The reports converted between, the new totals and id, then the notes; ``target`` is
    the GWP conversion a mapping path asked for (``cfl convert --for``), said first."""
    pcf = result.declaration["pcf"]
    lines = [f"converted {result.recomputation.from_report} → "
             f"{result.recomputation.to_report}: "
             f"pcfExcludingBiogenicUptake {pcf['pcfExcludingBiogenicUptake']}, "
             f"fossilGhgEmissions {pcf['fossilGhgEmissions']} "
             f"(new id {result.declaration['id']})"]
    lines += [f"note: {note}" for note in _conversion_notes(result, target)]
    return "\n".join(lines) + "\n"


def conversion_json(result: ConvertedDeclaration, target: GwpTarget | None = None) -> str:
    """The conversion as one line of JSON (:meth:`ConvertedDeclaration.to_json`, with the
    note on ``target`` first among the notes)."""
    data = result.to_json()
    data["notes"] = _conversion_notes(result, target)
    return json.dumps(data, ensure_ascii=False) + "\n"


def render_conversion(result: ConvertedDeclaration, output_format: str,
                      target: GwpTarget | None = None) -> str:
    """The conversion in ``output_format`` (``text`` or ``json``)."""
    if output_format == "json":
        return conversion_json(result, target)
    return conversion_text(result, target)
