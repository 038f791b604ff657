from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from shared_reference import REFERENCE_DIR, needs_reference

from cfl.declaration.model import Declaration
from cfl.declaration.view import CFL_EXTENSION_SCHEMA
from cfl.errors import InputError, InvalidDeclarationError
from cfl.interop.pact import export_pact, import_pact, import_pact_each, v2_to_v3
from cfl.io.jsonio import load_json_file
from cfl.signing.jcs import canonical_bytes

PACT = REFERENCE_DIR / "pact"
OFFICIAL = sorted(p for p in PACT.rglob("*.json")
                  if "schema" not in p.name and "jsonschema" not in str(p.parent))


@pytest.fixture(scope="module")
def pact_v3_validator() -> Draft202012Validator:
    schema = load_json_file(PACT / "v3.0.3" / "ProductFootprint.derived.schema.json")
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


@needs_reference
def test_all_official_examples_are_found() -> None:
    assert len(OFFICIAL) == 6  # five v3 documents and one v2 response


@needs_reference
@pytest.mark.parametrize("path", OFFICIAL, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_official_example_imports_and_exports(path: Path,
                                              pact_v3_validator: Draft202012Validator) -> None:
    imported = import_pact(load_json_file(path), source=str(path))
    assert imported
    for item in imported:
        assert item.declaration.spec_version.startswith("3.")
        exported = export_pact(item.declaration)
        errors = [e.message for e in pact_v3_validator.iter_errors(exported)]
        assert errors == []
        again = Declaration.from_json(exported)  # the export imports again, unchanged
        assert canonical_bytes(again.document) == canonical_bytes(exported)


@needs_reference
def test_v3_import_keeps_unknown_fields_byte_identical() -> None:
    doc = load_json_file(PACT / "v3.0.3" / "examples" / "get-footprint-response.json")
    (item,) = import_pact(doc)
    assert item.declaration.document["pcf"]["biogenicCO2Withdrawal"] == "-1.5"
    assert canonical_bytes(item.declaration.document) == canonical_bytes(doc["data"])


@needs_reference
def test_v2_conversion_follows_field_map() -> None:
    doc = load_json_file(PACT / "v2.3.3" / "get-footprint-response.json")
    converted, notes = v2_to_v3(doc["data"])
    pcf = converted["pcf"]
    assert converted["specVersion"] == "3.0.0" and "version" not in converted
    assert converted["productClassifications"] == ["urn:pact:productclassification:un-cpc:6398"]
    assert pcf["declaredUnitOfMeasurement"] == "liter" and pcf["declaredUnitAmount"] == "1"
    assert pcf["pcfExcludingBiogenicUptake"] == "1.63"
    assert pcf["landUseChangeGhgEmissions"] == "0.8"
    assert pcf["biogenicCO2Uptake"] == "-1.5"
    assert pcf["biogenicNonCO2Emissions"] == "0.4"
    assert pcf["ipccCharacterizationFactors"] == ["AR6"]
    assert pcf["crossSectoralStandards"] == ["GHGP-Product", "ISO14067"]
    assert pcf["exemptedEmissionsPercent"] == "0" and pcf["primaryDataShare"] == "12.9"
    assert pcf["dqi"] == {"technologicalDQR": "1.6", "temporalDQR": "2.6",
                          "geographicalDQR": "1.8"}
    assert "assurance" not in pcf and "landManagementGhgEmissions" not in pcf
    noted = {n.path for n in notes}
    assert {"$.version", "$.pcf.landManagementGhgEmissions", "$.pcf.assurance",
            "$.pcf.productMassPerDeclaredUnit"} <= noted


@needs_reference
def test_v2_assurance_becomes_verification() -> None:
    doc = load_json_file(PACT / "v2.3.3" / "get-footprint-response.json")["data"]
    doc["pcf"]["assurance"] = {"assurance": True, "coverage": "PCF system", "level": "limited",
                               "providerName": "Auditor", "completedAt": "2022-12-08T14:47:32Z"}
    converted, _ = v2_to_v3(doc)
    assert converted["pcf"]["verification"] == {
        "providerName": "Auditor", "completedAt": "2022-12-08T14:47:32Z",
        "coverage": "PCF calculation model"}


def test_api_response_list(battery_declaration: dict[str, Any]) -> None:
    bad = copy.deepcopy(battery_declaration)
    bad["pcf"]["declaredUnitAmount"] = "abc"
    results = import_pact_each({"data": [battery_declaration, bad]}, source="r.json")
    assert results[0][0] == 0 and not isinstance(results[0][1], Exception)
    error = results[1][1]
    assert isinstance(error, InvalidDeclarationError)
    assert any(f.path == "$.data[1].pcf.declaredUnitAmount"  # type: ignore[attr-defined]
               for f in error.findings)
    with pytest.raises(InvalidDeclarationError):
        import_pact({"data": [battery_declaration, bad]})


@pytest.mark.parametrize(
    ("document", "fragment"),
    [({"data": []}, "empty"), ({"specVersion": "1.0.0"}, "PACT 2.x and 3.x"), ([1], "object")],
)
def test_import_errors(document: Any, fragment: str) -> None:
    with pytest.raises(InputError, match=fragment):
        import_pact(document, source="x.json")


def test_export_drops_or_keeps_cfl_extension(battery_declaration: dict[str, Any]) -> None:
    decl = Declaration.from_json(battery_declaration)
    assert "extensions" not in export_pact(decl)
    kept = export_pact(decl, keep_cfl_extension=True)
    assert kept["extensions"][0]["dataSchema"] == CFL_EXTENSION_SCHEMA
    other = {"specVersion": "2.0.0", "dataSchema": "https://example.com/s.json", "data": {}}
    battery_declaration["extensions"].append(other)
    assert export_pact(Declaration.from_json(battery_declaration))["extensions"] == [other]
