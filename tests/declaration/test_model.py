from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cfl.declaration.model import Declaration, load_declaration_file
from cfl.declaration.rules import (
    figures_agree,
    gas_co2e,
    parse_decimal_string,
    semantic_findings,
)
from cfl.declaration.view import cfl_extension
from cfl.errors import InputError, InvalidDeclarationError
from cfl.findings import Severity
from cfl.io.jsonio import dumps_pretty, loads_strict
from cfl.signing.jcs import canonical_bytes


def codes(findings: Any) -> dict[str, Severity]:
    return {f.code: f.severity for f in findings}


def test_properties(battery_declaration: dict[str, Any]) -> None:
    decl = Declaration.from_json(battery_declaration, source="b.json")
    assert decl.id == battery_declaration["id"]
    assert decl.pcf == Decimal("55.71") and isinstance(decl.pcf, Decimal)
    assert decl.declared_unit == "kilowatt hour" and decl.declared_amount == Decimal("1")
    assert decl.product_category == "lithium-ion-battery"
    assert decl.rule_set_id == "gbt-24067-2024"
    assert decl.boundary == "cradle-to-gate" and decl.gwp_report == "AR6"
    assert decl.grade_class is None
    assert decl.product_ids == ("urn:gtin:06901234567892",)
    assert decl.product_names["zh"].startswith("磷酸铁锂")
    assert decl.company_name.startswith("Example Battery")
    assert decl.stages == {"rawMaterial": Decimal("42.71"), "production": Decimal("13.00")}
    assert decl.gases["ch4Fossil"] == Decimal("0.1")
    assert decl.validity_end == dt.datetime(2028, 12, 31, tzinfo=dt.UTC)
    assert decl.effective_validity_end == decl.validity_end
    assert decl.extension == cfl_extension(battery_declaration)
    assert decl.illustrative is True and decl.is_cfl_declaration
    assert decl.geography == "CN" and decl.hs_code == "850760"
    assert decl.source == "b.json"


def test_effective_validity_defaults_to_three_years(battery_declaration: dict[str, Any]) -> None:
    del battery_declaration["validityPeriodStart"]
    del battery_declaration["validityPeriodEnd"]
    decl = Declaration.from_json(battery_declaration)
    assert decl.validity_end is None
    assert decl.effective_validity_end == dt.datetime(2029, 1, 1, tzinfo=dt.UTC)
    assert decl.effective_validity_start == decl.reference_period_end


def test_document_is_copied_and_round_trips(battery_declaration: dict[str, Any]) -> None:
    decl = Declaration.from_json(battery_declaration)
    battery_declaration["companyName"] = "changed"
    assert decl.company_name != "changed" and decl.document["companyName"] != "changed"
    out = decl.to_json()
    out["pcf"]["pcfExcludingBiogenicUptake"] = "0"
    assert decl.document["pcf"]["pcfExcludingBiogenicUptake"] == "55.71"


def test_invalid_raises_with_all_findings(battery_declaration: dict[str, Any]) -> None:
    battery_declaration["status"] = "Activ"
    battery_declaration["pcf"]["pcfIncludingBiogenicUptake"] = "99"
    with pytest.raises(InvalidDeclarationError) as info:
        Declaration.from_json(battery_declaration, source="x.json")
    assert str(info.value).startswith("x.json: is not a valid declaration: $.status:")
    assert "1 more error" in str(info.value)
    assert {"unknown_enum_value", "pcf_totals_identity"} <= set(codes(info.value.findings))


# ------------------------------------------------------------------ semantic checks

def test_totals_identity(battery_declaration: dict[str, Any]) -> None:
    battery_declaration["pcf"]["biogenicCO2Uptake"] = "-1"
    found = codes(semantic_findings(battery_declaration))
    assert found["pcf_totals_identity"] is Severity.ERROR


def test_component_sum_is_only_a_warning(battery_declaration: dict[str, Any]) -> None:
    battery_declaration["pcf"]["landUseChangeGhgEmissions"] = "5"
    found = codes(semantic_findings(battery_declaration))
    assert found["pcf_component_sum"] is Severity.WARNING


def test_tolerance_covers_printed_rounding() -> None:
    # official example 1: -1.23 printed for 0.384 + (-1.61) = -1.226
    assert figures_agree(Decimal("-1.23"), [(Decimal("0.384"), Decimal(1)),
                                            (Decimal("-1.61"), Decimal(1))])[0]
    assert not figures_agree(Decimal("-1.30"), [(Decimal("0.384"), Decimal(1)),
                                                (Decimal("-1.61"), Decimal(1))])[0]
    ok, total = figures_agree(Decimal("100"), [(Decimal("99.6"), Decimal(1))])
    assert ok and total == Decimal("99.6")
    assert not figures_agree(Decimal("100.0"), [(Decimal("98.0"), Decimal(1))])[0]


def test_stage_sum(battery_declaration: dict[str, Any]) -> None:
    battery_declaration["extensions"][0]["data"]["stages"]["production"] = "3.00"
    (finding,) = [f for f in semantic_findings(battery_declaration)
                  if f.code == "stage_sum_mismatch"]
    assert finding.path == "$.extensions[0].data.stages"
    assert "45.71" in finding.message and "55.71" in finding.message


def test_stage_outside_boundary_warns(battery_declaration: dict[str, Any]) -> None:
    stages = battery_declaration["extensions"][0]["data"]["stages"]
    stages["production"] = "12.00"
    stages["use"] = "1.00"
    found = codes(semantic_findings(battery_declaration))
    assert found == {"stage_outside_boundary": Severity.WARNING}


def test_gas_sum(battery_declaration: dict[str, Any]) -> None:
    battery_declaration["extensions"][0]["data"]["gases"]["n2o"] = "0.1"
    found = codes(semantic_findings(battery_declaration))
    assert found["gas_sum_mismatch"] is Severity.ERROR


def test_gas_sum_uses_declared_report(battery_declaration: dict[str, Any]) -> None:
    ext = battery_declaration["extensions"][0]["data"]
    ext["gwpReport"] = "AR4"
    battery_declaration["pcf"]["ipccCharacterizationFactors"] = ["AR4"]
    # AR4: 50 + 0.1 × 25 + 0.01 × 298 = 55.48, within the rounding of "50" and "0.1"
    assert gas_co2e(ext["gases"], "AR4") == Decimal("55.480")
    ext["gases"]["ch4Fossil"] = "1"
    found = codes(semantic_findings(battery_declaration))
    assert found["gas_sum_mismatch"] is Severity.ERROR


def test_unknown_species_warns(battery_declaration: dict[str, Any]) -> None:
    ext = battery_declaration["extensions"][0]["data"]
    ext["gases"]["hfcs"] = [{"species": "HFC-999", "mass": "0.001"}]
    found = codes(semantic_findings(battery_declaration))
    assert found == {"gwp_unknown_species": Severity.WARNING}
    ext["gases"]["hfcs"] = [{"species": "HFC-134a", "mass": "0"}]
    assert semantic_findings(battery_declaration) == []


def test_gwp_report_must_be_listed(battery_declaration: dict[str, Any]) -> None:
    battery_declaration["pcf"]["ipccCharacterizationFactors"] = ["AR5"]
    assert "gwp_report_mismatch" in codes(semantic_findings(battery_declaration))


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("validityPeriodEnd", "2029-01-01T00:00:01Z", "validity_too_long"),
        ("validityPeriodEnd", "2026-03-01T00:00:00Z", "validity_period_order"),
    ],
)
def test_validity_window(battery_declaration: dict[str, Any], field: str, value: str,
                         code: str) -> None:
    battery_declaration[field] = value
    assert codes(semantic_findings(battery_declaration)) == {code: Severity.ERROR}


def test_reference_period_order(battery_declaration: dict[str, Any]) -> None:
    battery_declaration["pcf"]["referencePeriodStart"] = "2026-01-01T08:00:00+08:00"
    assert "reference_period_order" in codes(semantic_findings(battery_declaration))


def test_one_geography(battery_declaration: dict[str, Any]) -> None:
    battery_declaration["pcf"]["geographyRegionOrSubregion"] = "Eastern Asia"
    (finding,) = semantic_findings(battery_declaration)
    assert finding.code == "geography_conflict" and "geographyCountry" in finding.message


def test_identifiers_strict_for_cfl_declarations(battery_declaration: dict[str, Any]) -> None:
    battery_declaration["productIds"] = ["urn:gtin:06901234567893"]
    battery_declaration["companyIds"] = ["urn:uscc:91350100M000100Y44", "urn:company:x"]
    battery_declaration["pcf"]["geographyCountry"] = "XX"
    found = codes(semantic_findings(battery_declaration))
    assert found == {"bad_gtin": Severity.ERROR, "bad_uscc": Severity.ERROR,
                     "unknown_country": Severity.ERROR}
    del battery_declaration["extensions"]  # a plain PACT footprint: warnings only
    found = codes(semantic_findings(battery_declaration))
    assert set(found.values()) == {Severity.WARNING}


def test_duplicate_cfl_extension(battery_declaration: dict[str, Any]) -> None:
    battery_declaration["extensions"].append(dict(battery_declaration["extensions"][0]))
    (finding,) = semantic_findings(battery_declaration)
    assert finding.code == "duplicate_cfl_extension" and finding.path == "$.extensions[1]"


def test_dqi_and_percent_ranges(battery_declaration: dict[str, Any]) -> None:
    battery_declaration["pcf"]["dqi"] = {"technologicalDQR": "0.5", "geographicalDQR": "2",
                                         "temporalDQR": "6"}
    battery_declaration["pcf"]["primaryDataShare"] = "101"
    found = [f.path for f in semantic_findings(battery_declaration)]
    assert sorted(found) == ["$.pcf.dqi.technologicalDQR", "$.pcf.dqi.temporalDQR",
                             "$.pcf.primaryDataShare"]


# ------------------------------------------------------------------ files

def test_load_declaration_file(tmp_path: Path, battery_declaration: dict[str, Any]) -> None:
    path = tmp_path / "d.json"
    path.write_text(dumps_pretty(battery_declaration), encoding="utf-8")
    assert load_declaration_file(path).id == battery_declaration["id"]


@pytest.mark.parametrize(
    ("content", "code", "fragment"),
    [
        (b"", "empty", "empty"),
        (b"\xef\xbb\xbf{}", "bom", "byte order mark"),
        (b'{"id": "\xff"}', "not_utf8", "not valid UTF-8"),
        (b'{"id": 1,\n "id": 2}', "duplicate_key", "duplicate key"),
        (b'{"a": NaN}', "non_finite_number", "NaN"),
        (b'{"a": -Infinity}', "non_finite_number", "Infinity"),
        (b'{\n  "id": "x",\n  "pcf": {,}\n}', "malformed_json", "line 3, column 11"),
        (b'{"declaration": {}, "signatures": []}', "is_bundle", "signed bundle"),
        (b"[]", "invalid_declaration", "JSON object"),
    ],
)
def test_load_declaration_file_bad(tmp_path: Path, content: bytes, code: str,
                                   fragment: str) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(InputError) as info:
        load_declaration_file(path)
    assert info.value.code == code
    assert str(info.value).startswith(str(path))
    assert fragment in str(info.value)


def test_load_declaration_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a directory"):
        load_declaration_file(tmp_path)


def test_huge_number_is_a_clear_error(tmp_path: Path, battery_declaration: dict[str, Any]) -> None:
    text = dumps_pretty(battery_declaration).replace('"declaredUnitAmount": "1"',
                                                     '"declaredUnitAmount": 1e400')
    path = tmp_path / "d.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidDeclarationError) as info:
        load_declaration_file(path)
    assert "$.pcf.declaredUnitAmount" in str(info.value) and "1E+400" in str(info.value)


# ------------------------------------------------------------------ properties

decimal_strings = st.builds(
    lambda neg, whole, frac: ("-" if neg and (whole or frac.strip("0")) else "") + str(whole)
    + (f".{frac}" if frac else ""),
    st.booleans(), st.integers(min_value=0, max_value=10**15),
    st.text(alphabet="0123456789", max_size=12),
)


@settings(max_examples=50)
@given(decimal_strings)
def test_decimal_strings_round_trip_exactly(text: str) -> None:
    value = parse_decimal_string(text)
    assert value is not None
    assert format(value, "f") == text  # same digits, trailing zeros kept


@settings(max_examples=30, deadline=None)
@given(
    extra=st.dictionaries(
        st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=10)
        .filter(lambda k: k not in {"pcf", "comment", "status", "created", "extensions"})
        .map(lambda k: "x" + k),
        st.recursive(st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(max_size=20),
                     lambda inner: st.lists(inner, max_size=3)
                     | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                     max_leaves=10),
        max_size=4),
    amount=st.decimals(min_value=Decimal("0.001"), max_value=Decimal("99999"), places=3),
)
def test_parse_serialise_parse_identity(extra: dict[str, Any], amount: Decimal) -> None:
    here = Path(__file__).resolve().parents[1]
    doc = loads_strict((here / "fixtures" / "declarations" / "battery-pack.json").read_bytes())
    doc.update(extra)
    doc["pcf"]["x-unknown"] = extra
    doc["pcf"]["declaredUnitAmount"] = format(amount, "f")
    first = Declaration.from_json(doc)
    text = dumps_pretty(first.to_json())
    second = Declaration.from_json(loads_strict(text.encode("utf-8")))
    assert second == first
    assert canonical_bytes(second.document) == canonical_bytes(doc)
    for key, value in extra.items():
        assert second.document[key] == value  # unknown fields survive
    assert second.declared_amount == amount
