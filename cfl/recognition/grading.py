"""Grading: the class of a declaration under a rule set's thresholds for its category.

The value graded is ``pcf.pcfExcludingBiogenicUptake`` divided by ``pcf.declaredUnitAmount``
(kg CO2e per one declared unit), which must be in the unit the thresholds are given for.
Classes are half-open intervals: ``min`` inclusive, ``max`` exclusive.

Grading writes the class into the cfl extension's ``grade`` object (class, rule set,
category, the threshold's citation, whether it is illustrative, when) of a NEW declaration:
declarations are immutable, so the result has a new id and names its predecessor in
``precedingPfIds``. It happens before signing, so the grade reaches the claim and the label.
China has published no grading thresholds: the shipped GB/T 24067 thresholds are
``illustrative: true`` and every output says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from cfl.declaration.view import cfl_extension
from cfl.errors import InputError
from cfl.recognition.conversion import _decimal, decimal_text
from cfl.recognition.inputs import next_version
from cfl.recognition.rules import RuleRegistry, shipped_rules
from cfl.timeutil import format_time

_EXT = "$.extensions[cfl].data"
MAX_GRADE_SOURCE = 500


@dataclass(frozen=True)
class GradeResult:
    declaration: dict[str, Any]
    grade_class: str
    rule_set_id: str
    category: str
    value: Decimal
    unit: str
    illustrative: bool
    citation: str
    note: str | None = None
    rule_set_file: str = ""
    own_file: bool = False  # the rule set came from --rules / $CFL_RULES

    def summary(self) -> str:
        text = (f"grade {self.grade_class} under {self.rule_set_id} for {self.category}: "
                f"{decimal_text(self.value)} {self.unit} (threshold: {self.citation})")
        if self.own_file:
            text += f"\nthresholds from your rule set file {self.rule_set_file}"
        if self.illustrative:
            text += ("\nILLUSTRATIVE grade: these thresholds are not published by any source"
                     + (f" — {self.note}" if self.note else ""))
        return text

    def to_json(self) -> dict[str, Any]:
        return {"class": self.grade_class, "ruleSetId": self.rule_set_id,
                "productCategory": self.category, "value": decimal_text(self.value),
                "unit": self.unit, "illustrative": self.illustrative,
                "source": self.citation, "note": self.note,
                "declarationId": self.declaration.get("id"),
                "ruleSetFile": self.rule_set_file, "ownRuleSetFile": self.own_file}


def grade_declaration(declaration: Mapping[str, Any], rule_set_id: str, *, at: dt.datetime,
                      registry: RuleRegistry | None = None, new_id: str | None = None,
                      source: str = "<declaration>") -> GradeResult:
    """Grade ``declaration`` under ``rule_set_id``; return the new, graded declaration."""
    registry = registry or shipped_rules()
    rule_set = registry.rule_set(rule_set_id)
    data = cfl_extension(declaration)
    if data is None:
        raise InputError("has no cfl extension (dataSchema urn:cfl:schema:cfl-extension:1), "
                         "so its product category is unknown", source=source,
                         location="$.extensions", code="no_cfl_extension")
    category = data.get("productCategory")
    if not isinstance(category, str):
        raise InputError("names no product category", source=source,
                         location=f"{_EXT}.productCategory", code="no_category")
    grading = rule_set.grading.get(category)
    if grading is None:
        graded = ", ".join(sorted(rule_set.grading)) or "none"
        raise InputError(f"rule set {rule_set_id} has no grading thresholds for {category!r} "
                         f"(categories it grades: {graded})", source=source,
                         location=f"{_EXT}.productCategory", code="no_thresholds")
    pcf = declaration.get("pcf")
    if not isinstance(pcf, Mapping):
        raise InputError("has no pcf object", source=source, location="$.pcf", code="no_pcf")
    unit = pcf.get("declaredUnitOfMeasurement")
    if unit != grading.declared_unit:
        raise InputError(f"is declared per {unit!r}, but the {rule_set_id} thresholds for "
                         f"{category} are per {grading.declared_unit!r}", source=source,
                         location="$.pcf.declaredUnitOfMeasurement", code="unit_mismatch")
    amount = _decimal(pcf.get("declaredUnitAmount"), "$.pcf.declaredUnitAmount", source)
    if amount <= 0:
        raise InputError("must be greater than zero", source=source,
                         location="$.pcf.declaredUnitAmount", code="bad_decimal")
    value = _decimal(pcf.get("pcfExcludingBiogenicUptake"), "$.pcf.pcfExcludingBiogenicUptake",
                     source) / amount
    chosen = next((c for c in grading.classes if c.holds(value)), None)
    if chosen is None:
        raise InputError(f"{decimal_text(value)} falls in no class of {rule_set_id} for "
                         f"{category}", source=source,
                         location="$.pcf.pcfExcludingBiogenicUptake", code="no_class")
    citation = grading.citation[:MAX_GRADE_SOURCE]
    out = next_version(declaration, at=at, new_id=new_id)
    new_data = cfl_extension(out)
    assert isinstance(new_data, dict)
    new_data["grade"] = {
        "class": chosen.name,
        "ruleSetId": rule_set_id,
        "productCategory": category,
        "source": citation,
        "illustrative": grading.illustrative,
        "gradedAt": format_time(at),
    }
    return GradeResult(out, chosen.name, rule_set_id, category, value, grading.unit,
                       grading.illustrative, citation, grading.note, rule_set.origin,
                       registry.is_users(rule_set.origin))
