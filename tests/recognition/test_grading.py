"""Grading under a rule set's thresholds, into a new declaration."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from recognition.declaration_edits import edited

from cfl.errors import InputError
from cfl.recognition.grading import grade_declaration
from cfl.recognition.rules import UnknownRuleSetError

AT = dt.datetime(2026, 3, 20, 8, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(("total", "amount", "grade"), [
    ("49.99", "1", "A"), ("50", "1", "B"), ("55.71", "1", "B"), ("170", "2", "C"),
    ("90", "1", "D"),
])
def test_class_from_the_thresholds(battery_declaration: dict[str, Any], total: str, amount: str,
                                   grade: str) -> None:
    declaration = edited(battery_declaration, {"pcf.pcfExcludingBiogenicUptake": total,
                                               "pcf.declaredUnitAmount": amount})
    result = grade_declaration(declaration, "gbt-24067-2024", at=AT, new_id="n-1")
    assert result.grade_class == grade
    assert result.illustrative
    assert "ILLUSTRATIVE" in result.summary()


def test_grade_goes_into_a_new_declaration(battery_declaration: dict[str, Any]) -> None:
    result = grade_declaration(battery_declaration, "gbt-24067-2024", at=AT)
    out = result.declaration
    assert out["id"] != battery_declaration["id"]
    assert out["precedingPfIds"] == [battery_declaration["id"]]
    grade = out["extensions"][0]["data"]["grade"]
    assert grade == {"class": "B", "ruleSetId": "gbt-24067-2024",
                     "productCategory": "lithium-ion-battery", "source": result.citation,
                     "illustrative": True, "gradedAt": "2026-03-20T08:00:00Z"}
    assert "[S6]" in grade["source"]
    assert "grade" not in battery_declaration["extensions"][0]["data"]
    schema = pytest.importorskip("cfl.declaration.schema")
    assert schema.check_declaration(out) == []


@pytest.mark.parametrize(("rule_set", "changes", "needle"), [
    ("iso-14067-2018", {}, "no grading thresholds"),
    ("gbt-24067-2024", {"ext.productCategory": "tyres"}, "no grading thresholds for 'tyres'"),
    ("gbt-24067-2024", {"pcf.declaredUnitOfMeasurement": "megajoule"}, "per 'kilowatt hour'"),
])
def test_grading_refusals(battery_declaration: dict[str, Any], rule_set: str,
                          changes: dict[str, Any], needle: str) -> None:
    with pytest.raises(InputError, match=needle):
        grade_declaration(edited(battery_declaration, changes), rule_set, at=AT)


def test_unknown_rule_set(battery_declaration: dict[str, Any]) -> None:
    with pytest.raises(UnknownRuleSetError, match="did you mean"):
        grade_declaration(battery_declaration, "gbt-24067", at=AT)
