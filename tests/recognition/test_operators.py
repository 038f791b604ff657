"""The operator registry: three-valued checks, parse errors, and monotonicity."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cfl.errors import InputError
from cfl.recognition.engine import Outcome, evaluate_requirement
from cfl.recognition.operators import OPERATORS, EvaluationContext, Truth, parse_check
from cfl.recognition.paths import MISSING, DeclarationPath
from cfl.recognition.rules import shipped_rules

AT = dt.datetime(2026, 3, 15, tzinfo=dt.UTC)
EXT = "$.extensions[cfl].data"


def _truth(check: dict[str, Any], declaration: dict[str, Any]) -> Truth:
    return parse_check(check, "$.check").evaluate(EvaluationContext(declaration, AT)).truth


def test_paths_resolve_the_cfl_extension(battery_declaration: dict[str, Any]) -> None:
    assert DeclarationPath.parse(f"{EXT}.gwpReport").resolve(battery_declaration) == "AR6"
    assert DeclarationPath.parse("$.pcf.ipccCharacterizationFactors[0]").resolve(
        battery_declaration) == "AR6"
    assert DeclarationPath.parse("$.extensions[3].data").resolve(battery_declaration) is MISSING
    for bad in ("pcf.x", "$.pcf..x", "$.pcf[x]", "$.pcf[-1]", "$['pcf']", "$.pcf.x()"):
        with pytest.raises(ValueError):
            DeclarationPath.parse(bad)


@pytest.mark.parametrize(("check", "truth"), [
    ({"present": f"{EXT}.stages"}, Truth.TRUE),
    ({"present": f"{EXT}.hsCodeX"}, Truth.FALSE),
    ({"equals": {"path": f"{EXT}.boundary", "value": "cradle-to-gate"}}, Truth.TRUE),
    ({"equals": {"path": f"{EXT}.boundary", "value": "cradle-to-grave"}}, Truth.FALSE),
    ({"equals": {"path": f"{EXT}.nothing", "value": "x"}}, Truth.UNKNOWN),
    ({"in": {"path": "$.pcf.declaredUnitOfMeasurement", "values": ["kilowatt hour"]}}, Truth.TRUE),
    ({"contains": {"path": "$.pcf.ipccCharacterizationFactors", "value": "AR5"}}, Truth.FALSE),
    ({"range": {"path": "$.pcf.primaryDataShare", "min": "60", "below": "62"}}, Truth.FALSE),
    ({"range": {"path": "$.pcf.primaryDataShare", "min": "60", "max": "62"}}, Truth.TRUE),
    ({"range": {"path": "$.pcf.productDescription", "min": "0"}}, Truth.UNKNOWN),
    ({"ratio": {"numerator": f"{EXT}.stages.production", "denominator":
                "$.pcf.pcfExcludingBiogenicUptake", "max": "0.25"}}, Truth.TRUE),
    ({"ratio": {"numerator": "$.pcf.fossilCarbonContent", "denominator":
                "$.pcf.fossilCarbonContent", "max": "1"}}, Truth.UNKNOWN),  # 0 / 0
    ({"max-age-years": {"path": f"{EXT}.verification.date", "years": 1}}, Truth.TRUE),
    ({"max-age-years": {"path": f"{EXT}.verification.date", "years": 0}}, Truth.FALSE),
    ({"max-years-between": {"from": "$.pcf.referencePeriodEnd", "to": "$.validityPeriodEnd",
                            "years": 2}}, Truth.FALSE),
    ({"date-range": {"path": "$.pcf.referencePeriodStart", "from": "2025-01-01",
                     "until": "2025-01-02"}}, Truth.TRUE),
    ({"manual": "ask the verifier"}, Truth.UNKNOWN),
    ({"all-of": [{"present": "$.pcf"}, {"equals": {"path": "$.x", "value": 1}}]}, Truth.UNKNOWN),
    ({"all-of": [{"present": "$.x"}, {"equals": {"path": "$.y", "value": 1}}]}, Truth.FALSE),
    ({"any-of": [{"present": "$.x"}, {"present": "$.pcf"}]}, Truth.TRUE),
    ({"any-of": [{"equals": {"path": "$.x", "value": 1}}, {"present": "$.y"}]}, Truth.UNKNOWN),
    ({"not": {"equals": {"path": "$.status", "value": "Deprecated"}}}, Truth.TRUE),
    ({"not": {"equals": {"path": "$.x", "value": 1}}}, Truth.UNKNOWN),
])
def test_operator_truth(check: dict[str, Any], truth: Truth,
                        battery_declaration: dict[str, Any]) -> None:
    assert _truth(check, battery_declaration) is truth


def test_every_operator_is_covered() -> None:
    assert set(OPERATORS) == {"present", "equals", "in", "contains", "range", "ratio",
                              "max-age-years", "max-years-between", "date-range", "manual",
                              "all-of", "any-of", "not"}


@pytest.mark.parametrize(("check", "needle"), [
    ({"frobnicate": "$.pcf"}, "unknown operator 'frobnicate'"),
    ({"present": "$.pcf", "equals": {}}, "exactly one key"),
    ({"equals": {"path": "$.pcf", "value": "x", "extra": 1}}, "unknown key 'extra'"),
    ({"range": {"path": "$.pcf"}}, "at least one of min"),
    ({"range": {"path": "$.pcf", "min": "5abc"}}, "decimal string"),
    ({"not": {"all-of": [{"present": "$.pcf"}]}}, "'present' may not appear under 'not'"),
    ({"present": "pcf.x"}, "paths start with '$'"),
])
def test_parse_errors_name_the_place(check: dict[str, Any], needle: str) -> None:
    with pytest.raises(InputError) as err:
        parse_check(check, "$.requirements[0].check")
    assert needle in err.value.message
    assert err.value.location and err.value.location.startswith("$.requirements[0].check")


def test_code_looking_values_stay_strings(battery_declaration: dict[str, Any]) -> None:
    code = "__import__('os').system('touch /tmp/cfl-pwned')"
    check = {"equals": {"path": f"{EXT}.productCategory", "value": code}}
    assert _truth(check, battery_declaration) is Truth.FALSE
    declaration = copy.deepcopy(battery_declaration)
    declaration["extensions"][0]["data"]["productCategory"] = code
    assert _truth(check, declaration) is Truth.TRUE
    assert _truth({"manual": "{{7*7}} ${jndi:ldap://x} `rm -rf /`"}, declaration) is Truth.UNKNOWN


# -- property: adding a missing field never turns a met requirement into not met ------------

#: Optional fields a declaration may lack (short paths: "pcf.x" or "ext.x").
OPTIONAL = [
    ("pcf", "landUseChangeGhgEmissions"), ("pcf", "biogenicCO2Uptake"),
    ("pcf", "biogenicNonCO2Emissions"), ("pcf", "exemptedEmissionsPercent"),
    ("pcf", "primaryDataShare"), ("pcf", "ipccCharacterizationFactors"),
    ("top", "validityPeriodEnd"),
    ("ext", "stages"), ("ext", "gases"), ("ext", "electricity"), ("ext", "verification"),
    ("ext", "ruleSet"), ("ext", "gwpReport"), ("ext", "productCategory"), ("ext", "boundary"),
    ("pcf", "dqi"),
]
DQI = {"technologicalDQR": "1", "geographicalDQR": "1", "temporalDQR": "1"}


def _without(declaration: dict[str, Any], removed: set[int]) -> dict[str, Any]:
    out = copy.deepcopy(declaration)
    out["pcf"]["dqi"] = copy.deepcopy(DQI)
    for index in removed:
        where, key = OPTIONAL[index]
        node = {"pcf": out["pcf"], "top": out, "ext": out["extensions"][0]["data"]}[where]
        node.pop(key, None)
    return out


def _outcomes(declaration: dict[str, Any]) -> dict[str, Outcome]:
    registry = shipped_rules()
    out = {}
    for rule_set in registry.rule_sets:
        for requirement in registry.requirements_of(rule_set):
            row = evaluate_requirement(requirement, declaration, at=AT)
            out[row.requirement_id] = row.outcome
    return out


# The fixture is only read (every variant is a deep copy), so sharing it is safe.
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(removed=st.sets(st.integers(0, len(OPTIONAL) - 1), min_size=1), data=st.data())
def test_adding_a_missing_field_never_turns_met_into_not_met(
        removed: set[int], data: st.DataObject, battery_declaration: dict[str, Any]) -> None:
    restored = data.draw(st.sampled_from(sorted(removed)))
    before = _outcomes(_without(battery_declaration, removed))
    after = _outcomes(_without(battery_declaration, removed - {restored}))
    for requirement, outcome in before.items():
        if outcome is Outcome.MET:
            assert after[requirement] is not Outcome.NOT_MET, (requirement, OPTIONAL[restored])


@pytest.mark.parametrize("check", [
    {"max-age-years": {"path": "$.pcf.referencePeriodEnd", "years": 3}},
    {"max-years-between": {"from": "$.pcf.referencePeriodEnd", "to": "$.validityPeriodEnd",
                           "years": 3}},
])
def test_dates_near_the_end_of_the_calendar_are_answers_not_crashes(
        check: dict[str, Any], battery_declaration: dict[str, Any]) -> None:
    battery_declaration["pcf"]["referencePeriodEnd"] = "9998-01-01T00:00:00Z"
    battery_declaration["validityPeriodEnd"] = "9999-06-01T00:00:00Z"
    context = EvaluationContext(battery_declaration, AT)
    assert parse_check(check, "$.check").evaluate(context).truth is Truth.TRUE
