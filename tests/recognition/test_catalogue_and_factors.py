"""The category catalogue and the factor packs: cited data, and the plausibility findings."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from cfl.claim.model import CATEGORY_CODES
from cfl.errors import InputError
from cfl.findings import Severity
from cfl.io.yamlio import load_yaml_file
from cfl.recognition.catalogue import category_catalogue, parse_catalogue
from cfl.recognition.factors import factor_packs, parse_factor_pack, plausibility_findings
from cfl.recognition.rules import Confidence, shipped_rules

MESSAGES = Path(__file__).parents[2] / "templates" / "messages"


def test_the_catalogue_lists_all_17_batch_1_products_with_names_and_sources() -> None:
    catalogue = category_catalogue()
    numbers = [(c.catalogue_item or "").split()[0] for c in catalogue if c.catalogue_item]
    assert sorted(int(n) for n in numbers if n.isdigit()) == list(range(1, 18))
    for category in catalogue:
        assert category.names["en"] and category.names["zh"] and category.declared_units
        assert all(r.cite.source.title for r in category.product_rules)
    for kept in ("passenger-ev", "flat-glass", "compute-service"):
        assert catalogue.get(kept) is not None and not catalogue.get(kept).in_catalogue  # type: ignore[union-attr]
    aluminium = catalogue.get("electrolytic-aluminium")
    assert aluminium and aluminium.product_rules[0].number == "GB/T 44905-2024"
    assert aluminium.product_rules[0].rule_set in shipped_rules().rule_sets


def test_the_claim_code_table_is_unchanged_new_categories_travel_as_text() -> None:
    assert CATEGORY_CODES == {"lithium-ion-battery": 1, "pv-module": 2, "passenger-ev": 3,
                              "electrolytic-aluminium": 4, "cement": 5, "flat-glass": 6,
                              "steel": 7}


def test_every_category_has_a_label_name_in_every_message_catalogue() -> None:
    catalogue = category_catalogue()
    for language in ("en", "zh"):
        messages = load_yaml_file(MESSAGES / f"{language}.yaml")["messages"]
        for category in catalogue:
            assert messages[f"category.{category.id}"] == category.names[language]


def test_the_label_catalogue_requirement_lists_exactly_the_catalogue() -> None:
    rule = next(r for r in shipped_rules().requirements_of("cn-cfp-label-certification-2025")
                if r.id == "label-catalogue")
    assert set(rule.check.values) == set(category_catalogue().catalogue_ids())  # type: ignore[attr-defined]


def test_a_catalogue_citing_an_unknown_source_is_refused() -> None:
    text = Path(__file__).parents[2].joinpath("rulesets/data/categories.yaml").read_text()
    with pytest.raises(InputError, match="not in the source list"):
        parse_catalogue(text.replace("{id: C1, locator: \"item 5\"", "{id: C99, locator: \"x\"")
                        .encode())


def test_the_china_electricity_pack_keeps_life_cycle_and_co2_factors_apart() -> None:
    pack = factor_packs()["cn-electricity"]
    by = {(f.entry, f.year): f for f in pack.factors}
    assert str(by[("national-average", 2024)].value) == "0.5777"
    assert str(by[("national-average", 2023)].value) == "0.6205"
    assert by[("national-average-co2", 2021)].kind == "co2-only"
    assert not by[("transmission-distribution-with-losses", 2023)].usable  # unconfirmed
    for factor in pack.factors:
        assert factor.source.title and factor.locator
        assert factor.confidence is Confidence.UNCONFIRMED or factor.value is not None


def test_a_pack_factor_without_value_must_be_unconfirmed() -> None:
    data = b"""id: x
version: "1"
names: {en: X}
sources: [{id: A, title: A}]
factors:
  - {entry: e, kind: life-cycle, year: 2024, source: {id: A, locator: l}, confidence: verified}
"""
    with pytest.raises(InputError, match="must be unconfirmed"):
        parse_factor_pack(data, "x.yaml")


def _electricity(declaration: dict[str, Any], **values: Any) -> dict[str, Any]:
    out = copy.deepcopy(declaration)
    out["extensions"][0]["data"]["electricity"].update(values)
    return out


def test_a_co2_only_grid_factor_in_a_footprint_is_a_finding(
        battery_declaration: dict[str, Any]) -> None:
    findings = plausibility_findings(_electricity(battery_declaration, factor="0.5568"))
    assert [f.code for f in findings] == ["co2_only_grid_factor"]
    assert "0.5777" in findings[0].message and findings[0].path.endswith("electricity.factor")


@pytest.mark.parametrize(("factor", "year", "codes"), [
    ("0.5777", 2024, []),
    ("0.578", 2024, []),             # the published value rounded to the digits declared
    ("0.6205", 2024, ["factor_differs_from_pack"]),
    ("0.6205", 2023, []),
    ("0.6205", 2019, ["factor_year_not_in_pack"]),
])
def test_a_factor_naming_a_pack_entry_and_year_must_match_it(
        battery_declaration: dict[str, Any], factor: str, year: int, codes: list[str]) -> None:
    declaration = _electricity(battery_declaration, factor=factor, factorYear=year,
                               factorPack={"id": "cn-electricity", "entry": "national-average"})
    findings = plausibility_findings(declaration, source="d.json")
    assert [f.code for f in findings] == codes
    assert all(f.source == "d.json" for f in findings)
    if codes == ["factor_differs_from_pack"]:
        assert findings[0].severity is Severity.ERROR


def test_an_unconfirmed_pack_entry_is_never_compared(battery_declaration: dict[str, Any]) -> None:
    declaration = _electricity(battery_declaration, factor="0.9", factorYear=2023, factorPack={
        "id": "cn-electricity", "entry": "transmission-distribution-with-losses"})
    assert [f.code for f in plausibility_findings(declaration)] == ["factor_unconfirmed"]


def test_compute_service_footprint_below_its_own_electricity(
        battery_declaration: dict[str, Any]) -> None:
    declaration = _electricity(battery_declaration, factor="0.5777")
    data = declaration["extensions"][0]["data"]
    data["productCategory"] = "compute-service"
    data.pop("hsCode")
    data["compute"] = {"itEnergy": "1000", "pue": "0.9"}
    codes = {f.code for f in plausibility_findings(declaration)}
    assert {"pue_below_one", "footprint_below_electricity"} <= codes


def test_hs_code_outside_the_category(battery_declaration: dict[str, Any]) -> None:
    declaration = copy.deepcopy(battery_declaration)
    declaration["extensions"][0]["data"]["hsCode"] = "760110"
    codes = [f.code for f in plausibility_findings(_electricity(declaration, factor="0.5777"))]
    assert codes == ["hs_code_outside_category"]
