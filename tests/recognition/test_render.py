"""The text and JSON renderings of recognition results, rule sets, lint reports, grades and
conversions, called as library functions (what the commands print and a service returns)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest

from cfl.recognition.conversion import convert_declaration
from cfl.recognition.engine import (
    Outcome,
    RecognitionResult,
    check_declaration,
    gwp_conversion_for,
)
from cfl.recognition.grading import grade_declaration
from cfl.recognition.lint import lint_rule_files
from cfl.recognition.render import (
    conversion_json,
    conversion_text,
    grade_json,
    grade_text,
    lint_json,
    lint_text,
    matrix_text,
    recognition_json,
    recognition_text,
    render_conversion,
    render_grade,
    render_lint,
    render_recognition,
    render_rule_set,
    render_rule_set_list,
    rule_set_json,
    rule_set_list_json,
    rule_set_list_text,
    rule_set_text,
    target_report_text,
)
from cfl.recognition.rules import RuleRegistry, shipped_rules
from cfl.recognition.user_rules import merge_rule_files

AT = dt.datetime(2026, 3, 15, tzinfo=dt.UTC)
ACME_FILE = "my-rules/acme-eco-label.yaml"
ACME_MAPPING_FILE = "my-rules/mappings/gbt-24067-2024--acme-eco-label.yaml"

ACME = b"""\
id: acme-eco-label
names: {en: ACME eco-label carbon criteria (test)}
jurisdiction: INT
kind: label-programme
sources:
  - {id: A1, title: ACME criteria v1}
requirements:
  - id: partial-or-full
    sentence: {en: The footprint covers at least cradle to gate.}
    check: {in: {path: "$.extensions[cfl].data.boundary",
                 values: [cradle-to-gate, cradle-to-grave]}}
    source: {id: A1, locator: clause 2.1}
    confidence: documented
  - id: gwp-ar5
    sentence: {en: GWP100 values are those of IPCC AR5.}
    check: {equals: {path: "$.extensions[cfl].data.gwpReport", value: AR5}}
    source: {id: A1, locator: clause 3.2}
    confidence: documented
grading:
  lithium-ion-battery:
    unit: kg CO2e per kWh
    declaredUnit: kilowatt hour
    source: {id: A1, locator: table 4}
    classes:
      - {class: X, bounds: {max: "50"}, source: {id: A1, locator: table 4}, confidence: documented}
      - {class: Y, bounds: {min: "50"}, source: {id: A1, locator: table 4}, confidence: documented}
"""

ACME_MAPPING = b"""\
from: gbt-24067-2024
to: acme-eco-label
sources:
  - {id: G1, title: cfl GWP100 table}
conversions:
  - {id: gwp-to-ar5, kind: gwp, to: AR5, source: {id: G1, locator: AR5 column},
     confidence: verified}
"""


@pytest.fixture(scope="module")
def own_registry() -> RuleRegistry:
    """The shipped rules plus a rule set and a mapping of the user's own."""
    return merge_rule_files([(ACME_FILE, ACME), (ACME_MAPPING_FILE, ACME_MAPPING)]).registry


@pytest.fixture
def all_targets(battery_declaration: dict[str, Any]) -> RecognitionResult:
    return check_declaration(battery_declaration, at=AT,
                             notes=["battery.json: read as declaration"])


# ----------------------------------------------------------------------------- recognition


def test_matrix_has_a_line_per_target_and_the_deciding_rows(
        all_targets: RecognitionResult) -> None:
    text = matrix_text(all_targets)
    lines = text.split("\n")
    assert lines[0].split() == ["target", "verdict", "met", "conv", "not", "undet", "n/a", "path"]
    table = lines[1:1 + len(all_targets.reports)]
    for line, report in zip(table, all_targets.reports, strict=True):
        assert line.split()[:2] == [report.target, report.verdict.value]
        assert line.endswith(" → ".join(report.path) if report.path else "(none)")
    assert lines[1 + len(all_targets.reports)] == ""
    assert "Rows that decide the verdicts" in lines[2 + len(all_targets.reports)]
    deciding = [(r, row) for r in all_targets.reports for row in r.rows
                if row.outcome in (Outcome.NOT_MET, Outcome.UNDETERMINABLE)]
    assert deciding
    for report, row in deciding:
        assert f"{report.target} ({report.verdict.value}):" in lines
        assert f"  {row.outcome.value:21} {row.requirement_id}" in lines
        assert f"      cite: {row.citation}" in lines
    assert "note:" not in text and "files of your own" not in text
    assert text.endswith("\n") and not text.endswith("\n\n")


def test_check_text_is_the_notes_then_the_matrix_or_every_target(
        battery_declaration: dict[str, Any], all_targets: RecognitionResult) -> None:
    assert recognition_text(all_targets, matrix=True) == (
        "note: battery.json: read as declaration\n" + matrix_text(all_targets).rstrip() + "\n")
    result = check_declaration(battery_declaration, ["iso-14067-2018", "th-tgo-cfp"], at=AT)
    text = recognition_text(result)
    assert not text.startswith("note:")
    blocks = text.removesuffix("\n").split("\n\n")
    assert [target_report_text(r).removesuffix("\n") for r in result.reports] == blocks
    iso = result.reports[0]
    assert blocks[0].startswith("iso-14067-2018: RECOGNISED\n")
    assert "  path: gbt-24067-2024 → iso-14067-2018\n" in blocks[0]
    assert "  files: rulesets/iso-14067-2018.yaml" in blocks[0]
    for row in iso.rows:
        assert f"      {row.sentence}\n      → {row.detail}\n      cite: {row.citation}" \
            in blocks[0]


def test_check_text_names_the_files_of_your_own(battery_declaration: dict[str, Any],
                                                own_registry: RuleRegistry) -> None:
    result = check_declaration(battery_declaration, at=AT, registry=own_registry)
    matrix = matrix_text(result)
    assert ("Targets that use files of your own:\nacme-eco-label:\n"
            f"  files: {ACME_FILE} (yours), {ACME_MAPPING_FILE} (yours)\n") in matrix
    acme = next(r for r in result.reports if r.target == "acme-eco-label")
    text = target_report_text(acme)
    assert text.startswith("acme-eco-label: RECOGNISED-WITH-CONDITIONS\n"
                           "  ACME eco-label carbon criteria (test)\n")
    assert "  met-after-conversion  acme-eco-label/gwp-ar5 [gwp-to-ar5]\n" in text
    assert "      cite: acme-eco-label [A1] ACME criteria v1, clause 3.2\n" in text


def test_check_json_is_the_result(all_targets: RecognitionResult) -> None:
    text = recognition_json(all_targets)
    assert text.endswith("}\n") and text.startswith('{\n  "at": "2026-03-15T00:00:00Z"')
    data = json.loads(text)
    for report in data["reports"]:
        actions = report.pop("actions")  # the to-do list, added to the result's own JSON
        assert all(a["effort"] >= 1 and a["citation"] for a in actions)
    assert data == json.loads(json.dumps(all_targets.to_json()))
    assert [r["target"] for r in data["reports"]] == sorted(shipped_rules().rule_sets)
    assert render_recognition(all_targets, "json", matrix=True) == text
    assert render_recognition(all_targets, "text", matrix=True) == \
        recognition_text(all_targets, matrix=True)
    assert render_recognition(all_targets, "text") == recognition_text(all_targets)


# ----------------------------------------------------------------------------- rule sets


def test_rule_set_list(own_registry: RuleRegistry) -> None:
    lines = rule_set_list_text(own_registry).removesuffix("\n").split("\n")
    assert lines[0].split() == ["id", "where", "kind", "reqs", "unconf", "name"]
    assert [line.split()[0] for line in lines[1:]] == sorted(own_registry.rule_sets)
    acme = lines[1]
    assert acme.split()[:5] == ["acme-eco-label", "INT", "label-programme", "2", "0"]
    assert acme.endswith(f"ACME eco-label carbon criteria (test)  [yours: {ACME_FILE}]")
    assert sum("[yours:" in line for line in lines) == 1
    data = json.loads(rule_set_list_json(own_registry))
    assert [r["id"] for r in data] == sorted(own_registry.rule_sets)
    assert data[0] == {"id": "acme-eco-label", "name": "ACME eco-label carbon criteria (test)",
                       "jurisdiction": "INT", "kind": "label-programme", "requirements": 2,
                       "unconfirmed": 0, "grades": ["lithium-ion-battery"], "file": ACME_FILE,
                       "yours": True}
    gbt = next(r for r in data if r["id"] == "gbt-24067-2024")
    assert gbt["yours"] is False and gbt["file"] == "rulesets/gbt-24067-2024.yaml"
    assert render_rule_set_list(own_registry, "json") == rule_set_list_json(own_registry)
    assert render_rule_set_list(own_registry, "text") == rule_set_list_text(own_registry)


def test_a_shipped_rule_set_in_full() -> None:
    registry = shipped_rules()
    rule_set = registry.rule_set("gbt-24067-2024")
    text = rule_set_text(rule_set, registry)
    assert text.startswith(f"gbt-24067-2024 — {rule_set.name}\n  {rule_set.names['zh']}\n"
                           "  jurisdiction CN, kind standard, file rulesets/gbt-24067-2024.yaml\n"
                           "  based on: iso-14067-2018\n")
    assert "(yours)" not in text
    assert "\n\nRequirements:\n" in text
    for req in registry.requirements_of(rule_set.id):
        assert f"  [{req.confidence.value}] {req.owner}/{req.id}: {req.sentence}\n" in text
        assert f"      check: {req.check.describe()}\n      source: {req.citation}\n" in text
    assert "\n\nGrading (kg CO2e per declared unit; min inclusive, max exclusive):\n" in text
    assert "  lithium-ion-battery (" in text
    assert "ILLUSTRATIVE — not published by any source" in text
    targets = [m.target_id for m in registry.mappings_from(rule_set.id)]
    assert text.endswith(f"\n\nMappings to: {', '.join(targets)}\n")
    data = json.loads(rule_set_json(rule_set, registry))
    assert data["id"] == "gbt-24067-2024" and data["yours"] is False
    assert data["names"] == dict(rule_set.names) and data["basedOn"] == ["iso-14067-2018"]
    assert [r["id"] for r in data["requirements"]] == [
        f"{r.owner}/{r.id}" for r in registry.requirements_of(rule_set.id)]
    assert data["grading"]["lithium-ion-battery"]["illustrative"] is True
    assert data["mappingsTo"] == targets
    assert {s["id"] for s in data["sources"]} == set(rule_set.sources)
    assert render_rule_set(rule_set, registry, "json") == rule_set_json(rule_set, registry)
    assert render_rule_set(rule_set, registry, "text") == text


def test_a_rule_set_of_your_own(own_registry: RuleRegistry) -> None:
    rule_set = own_registry.rule_set("acme-eco-label")
    text = rule_set_text(rule_set, own_registry)
    assert f"  jurisdiction INT, kind label-programme, file {ACME_FILE} (yours)\n" in text
    assert "      X: [-inf, 50)\n      Y: [50, +inf)\n" in text
    assert "ILLUSTRATIVE" not in text and "Mappings to" not in text
    data = json.loads(rule_set_json(rule_set, own_registry))
    assert data["yours"] is True and data["mappingsTo"] == []
    assert data["grading"]["lithium-ion-battery"]["classes"] == [
        {"class": "X", "min": None, "max": "50", "confidence": "documented"},
        {"class": "Y", "min": "50", "max": None, "confidence": "documented"}]


def test_lint_of_the_shipped_files_and_of_a_bad_one() -> None:
    shipped = lint_rule_files()
    assert lint_text(shipped).endswith(
        f"{len(shipped.files)} file(s) linted: 0 error(s), 0 warning(s)\n")
    bad = lint_rule_files([("bad.yaml", b"id: x\nnames: {en: X}\njurisdiction: INT\n")])
    assert not bad.ok
    lines = lint_text(bad).removesuffix("\n").split("\n")
    assert lines[:-1] == [str(f) for f in bad.findings]
    assert lines[0].startswith("bad.yaml: $: error: ")
    assert lines[-1] == f"1 file(s) linted: {len(bad.findings)} error(s), 0 warning(s)"
    data = json.loads(lint_json(bad))
    assert data["ok"] is False and data["files"] == ["bad.yaml"]
    assert [f["code"] for f in data["findings"]] == [f.code for f in bad.findings]
    assert render_lint(bad, "json") == lint_json(bad)
    assert render_lint(bad, "text") == lint_text(bad)


# ----------------------------------------------------------------------------- grade, convert


def test_grade(battery_declaration: dict[str, Any]) -> None:
    result = grade_declaration(battery_declaration, "gbt-24067-2024", at=AT, new_id="n-1")
    text = grade_text(result)
    assert text.startswith("grade B under gbt-24067-2024 for lithium-ion-battery: 55.71 "
                           "kg CO2e per kWh (threshold: gbt-24067-2024 [S6] ")
    assert "\nILLUSTRATIVE grade: these thresholds are not published by any source" in text
    assert text.endswith("\n") and "your rule set file" not in text
    line = grade_json(result)
    assert line.endswith("}\n") and line.count("\n") == 1
    data = json.loads(line)
    assert (data["class"], data["value"], data["declarationId"]) == ("B", "55.71", "n-1")
    assert data["illustrative"] is True and data["ownRuleSetFile"] is False
    assert render_grade(result, "json") == line and render_grade(result, "text") == text


def test_grade_under_a_rule_set_of_your_own(battery_declaration: dict[str, Any],
                                            own_registry: RuleRegistry) -> None:
    result = grade_declaration(battery_declaration, "acme-eco-label", at=AT,
                               registry=own_registry)
    assert f"\nthresholds from your rule set file {ACME_FILE}\n" in grade_text(result)
    assert "ILLUSTRATIVE" not in grade_text(result)
    data = json.loads(grade_json(result))
    assert data["class"] == "Y" and data["ruleSetFile"] == ACME_FILE


def test_conversion(battery_declaration: dict[str, Any]) -> None:
    result = convert_declaration(battery_declaration, "AR5", at=AT, new_id="n-2")
    lines = conversion_text(result).removesuffix("\n").split("\n")
    assert lines[0] == ("converted AR6 → AR5: pcfExcludingBiogenicUptake 55.65, "
                        "fossilGhgEmissions 55.65 (new id n-2)")
    assert lines[1:] == [f"note: {note}" for note in result.notes]
    assert lines[-1] == "note: the result is a new, unsigned declaration: sign it again"
    line = conversion_json(result)
    assert line.count("\n") == 1
    data = json.loads(line)
    assert data == {"declarationId": "n-2", "precedingPfIds": [battery_declaration["id"]],
                    "from": "AR6", "to": "AR5", "fossilGhgEmissions": "55.65",
                    "pcfExcludingBiogenicUptake": "55.65", "notes": list(result.notes)}


def test_conversion_a_mapping_path_asked_for(battery_declaration: dict[str, Any],
                                             own_registry: RuleRegistry) -> None:
    target = gwp_conversion_for(battery_declaration, "acme-eco-label", registry=own_registry)
    result = convert_declaration(battery_declaration, target.report, at=AT, new_id="n-3")
    said = (f"AR5 is what conversion gwp-to-ar5 of mapping gbt-24067-2024--acme-eco-label "
            f"({ACME_MAPPING_FILE}) asks for on the path gbt-24067-2024 → acme-eco-label")
    lines = conversion_text(result, target).split("\n")
    assert lines[0].startswith("converted AR6 → AR5: ") and lines[1] == f"note: {said}"
    assert json.loads(conversion_json(result, target))["notes"] == [said, *result.notes]
    assert render_conversion(result, "json", target) == conversion_json(result, target)
    assert render_conversion(result, "text", target) == conversion_text(result, target)
    assert said not in render_conversion(result, "text")


@pytest.mark.parametrize("rendering", [matrix_text, recognition_text, recognition_json])
def test_every_recognition_rendering_ends_in_one_newline(
        rendering: Callable[[RecognitionResult], str], all_targets: RecognitionResult) -> None:
    text = rendering(all_targets)
    assert text.endswith("\n") and not text.endswith("\n\n")
