"""GWP recomputation against values computed by hand from the cited table (gwp100.yaml)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from recognition.declaration_edits import edited

from cfl.errors import InputError
from cfl.recognition.conversion import (
    convert_declaration,
    decimal_text,
    recompute_gwp,
    scale_declared_unit,
)

AT = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)


def _pcf(result: dict[str, Any]) -> dict[str, Any]:
    return result["pcf"]  # type: ignore[no-any-return]


@pytest.mark.parametrize(("report", "fossil"), [
    # fixture gases: CO2 50 kg, fossil CH4 0.1 kg, N2O 0.01 kg (AR6: 50 + 2.98 + 2.73 = 55.71)
    ("AR5", "55.65"),  # 50 + 0.1 × 30 + 0.01 × 265
    ("AR4", "55.48"),  # 50 + 0.1 × 25 + 0.01 × 298
])
def test_fixture_recomputed_by_hand(battery_declaration: dict[str, Any], report: str,
                                    fossil: str) -> None:
    result = recompute_gwp(battery_declaration, report)
    pcf = _pcf(result.declaration)
    assert pcf["fossilGhgEmissions"] == fossil
    assert pcf["pcfExcludingBiogenicUptake"] == fossil
    assert pcf["pcfIncludingBiogenicUptake"] == fossil
    assert pcf["ipccCharacterizationFactors"] == [report]
    data = result.declaration["extensions"][0]["data"]
    assert data["gwpReport"] == report
    stages = [Decimal(v) for v in data["stages"].values()]
    assert abs(sum(stages) - Decimal(fossil)) <= Decimal("0.00001")
    assert battery_declaration["pcf"]["fossilGhgEmissions"] == "55.71"  # input untouched


def test_fossil_and_non_fossil_methane_apart(battery_declaration: dict[str, Any]) -> None:
    declaration = edited(battery_declaration, {
        "ext.gases.ch4NonFossil": "0.2",            # AR6 27.0 → 5.4
        "ext.gases.hfcs": [{"species": "HFC-134a", "mass": "0.001"}],  # AR6 1530 → 1.53
        "pcf.fossilGhgEmissions": "57.24",           # 55.71 + 1.53
        "pcf.biogenicNonCO2Emissions": "5.4",
        "pcf.pcfExcludingBiogenicUptake": "62.64",
        "pcf.pcfIncludingBiogenicUptake": "62.64",
    })
    result = recompute_gwp(declaration, "AR5")
    pcf = _pcf(result.declaration)
    # AR5: fossil 50 + 3 + 2.65 + 0.001 × 1300 = 56.95; non-fossil CH4 0.2 × 28 = 5.6
    assert pcf["fossilGhgEmissions"] == "56.95"
    assert pcf["biogenicNonCO2Emissions"] == "5.6"
    assert pcf["pcfExcludingBiogenicUptake"] == "62.55"
    assert result.non_fossil_change == Decimal("0.2")
    back = recompute_gwp(result.declaration, "AR6")
    assert _pcf(back.declaration)["fossilGhgEmissions"] == "57.24"
    assert _pcf(back.declaration)["biogenicNonCO2Emissions"] == "5.4"


def test_without_gases_names_the_missing_gases(battery_declaration: dict[str, Any]) -> None:
    with pytest.raises(InputError) as err:
        recompute_gwp(edited(battery_declaration, delete=["ext.gases"]), "AR5", source="d.json")
    text = str(err.value)
    assert text.startswith("d.json: $.extensions[cfl].data.gases")
    for gas in ("co2Fossil", "ch4Fossil", "ch4NonFossil", "n2o", "sf6", "nf3", "hfcs", "pfcs"):
        assert gas in text


def test_incomplete_breakdown_is_refused_naming_absent_gases(
        battery_declaration: dict[str, Any]) -> None:
    declaration = edited(battery_declaration, delete=["ext.gases.ch4Fossil", "ext.gases.n2o"])
    with pytest.raises(InputError) as err:
        recompute_gwp(declaration, "AR5")
    assert err.value.code == "incomplete_gas_breakdown"
    assert "ch4Fossil" in str(err.value) and "n2o" in str(err.value)


def test_same_report_and_unknown_species(battery_declaration: dict[str, Any]) -> None:
    with pytest.raises(InputError, match="already uses AR6"):
        recompute_gwp(battery_declaration, "AR6")
    odd = edited(battery_declaration, {"ext.gases.hfcs": [{"species": "HFC-999", "mass": "0"}]})
    with pytest.raises(InputError, match="HFC-999"):
        recompute_gwp(odd, "AR5")


def test_convert_makes_a_new_declaration(battery_declaration: dict[str, Any]) -> None:
    graded = edited(battery_declaration, {"ext.grade": {"class": "B", "ruleSetId": "x",
                                                        "source": "s"}})
    new_id = "00000000-0000-4000-8000-000000000001"
    result = convert_declaration(graded, "AR5", at=AT, new_id=new_id)
    out = result.declaration
    assert out["id"] == new_id
    assert out["precedingPfIds"] == [battery_declaration["id"]]
    assert out["created"] == "2026-04-01T00:00:00Z"
    assert "grade" not in out["extensions"][0]["data"]
    assert any("grade was removed" in n for n in result.notes)


def test_converted_declaration_passes_the_declaration_checks(
        battery_declaration: dict[str, Any]) -> None:
    schema = pytest.importorskip("cfl.declaration.schema")
    out = convert_declaration(battery_declaration, "AR4", at=AT).declaration
    assert schema.check_declaration(out) == []


def test_unit_scaling(battery_declaration: dict[str, Any]) -> None:
    per_mj = edited(battery_declaration, {"pcf.declaredUnitOfMeasurement": "megajoule"})
    out = scale_declared_unit(per_mj, "megajoule", "kilowatt hour", Decimal("3.6"))
    assert out["pcf"]["declaredUnitOfMeasurement"] == "kilowatt hour"
    assert out["pcf"]["pcfExcludingBiogenicUptake"] == "200.556"  # 55.71 × 3.6
    assert out["extensions"][0]["data"]["gases"]["co2Fossil"] == "180"
    with pytest.raises(InputError):
        scale_declared_unit(battery_declaration, "megajoule", "kilowatt hour", Decimal("3.6"))


@pytest.mark.parametrize(("value", "text"), [
    (Decimal("55.650"), "55.65"), (Decimal("1E+2"), "100"), (Decimal("-0.0"), "0"),
    (Decimal("0.1234567890123456"), "0.123456789012"),
])
def test_decimal_text(value: Decimal, text: str) -> None:
    assert decimal_text(value) == text
