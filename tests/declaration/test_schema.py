from __future__ import annotations

import copy
import functools
import random
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shared_reference import REFERENCE_DIR, needs_reference

from cfl.declaration.schema import (
    _rust_declaration_check,
    check_declaration,
    check_declaration_or_bundle,
    declaration_validator,
    fast_declaration_check,
    schema_findings,
)
from cfl.findings import Severity
from cfl.io.jsonio import loads_strict


def official_v3_footprints(reference: Path) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for path in sorted((reference / "pact" / "v3.0.3" / "examples").glob("*.json")):
        doc = loads_strict(path.read_bytes(), source=path.name)
        out.append((path.name, doc.get("data", doc)))
    return out


def errors(findings: list[Any]) -> list[Any]:
    return [f for f in findings if f.severity is Severity.ERROR]


def test_fixture_is_valid(battery_declaration: dict[str, Any]) -> None:
    assert check_declaration(battery_declaration) == []


def test_official_pact_examples_have_no_errors(reference_dir: Path) -> None:
    footprints = official_v3_footprints(reference_dir)
    assert len(footprints) == 5
    for name, doc in footprints:
        assert errors(check_declaration(doc, source=name)) == [], name


def _set(doc: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    node: Any = doc
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    if value is KeyError:
        del node[last]
    else:
        node[last] = value


EXT = "extensions.0.data"


@pytest.mark.parametrize(
    ("path", "value", "code", "where", "fragment"),
    [
        (
            "pcf.pcfExcludingBiogenicUptake",
            "5abc",
            "bad_decimal",
            "$.pcf.pcfExcludingBiogenicUptake",
            "decimal string",
        ),
        (
            "pcf.pcfIncludingBiogenicUptake",
            "-1.0junk",
            "bad_decimal",
            "$.pcf.pcfIncludingBiogenicUptake",
            "'-1.0junk'",
        ),
        ("pcf.fossilGhgEmissions", "55.71\n", "bad_decimal", "$.pcf.fossilGhgEmissions", "decimal"),
        ("pcf.fossilGhgEmissions", "1e3", "bad_decimal", "$.pcf.fossilGhgEmissions", "no exponent"),
        ("pcf.fossilGhgEmissions", "+55.71", "bad_decimal", "$.pcf.fossilGhgEmissions", "no sign"),
        (
            "pcf.declaredUnitAmount",
            Decimal("1"),
            "number_not_decimal_string",
            "$.pcf.declaredUnitAmount",
            'quotes as a decimal string ("1")',
        ),
        (
            "pcf.declaredUnitAmount",
            Decimal("1E+400"),
            "number_not_decimal_string",
            "$.pcf.declaredUnitAmount",
            "1E+400",
        ),
        (
            "pcf.declaredUnitAmount",
            "0",
            "bad_decimal",
            "$.pcf.declaredUnitAmount",
            "greater than zero",
        ),
        (
            "pcf.fossilGhgEmissions",
            "-3",
            "bad_decimal",
            "$.pcf.fossilGhgEmissions",
            "zero or positive",
        ),
        (
            "pcf.biogenicCO2Uptake",
            "1.5",
            "bad_decimal",
            "$.pcf.biogenicCO2Uptake",
            "zero or negative",
        ),
        (
            f"{EXT}.gases.co2Fossil",
            "-50",
            "schema_pattern",
            "$.extensions[0].data.gases.co2Fossil",
            "-50",
        ),
        (
            f"{EXT}.electricity.factorYear",
            "2021",
            "string_not_number",
            "$.extensions[0].data.electricity.factorYear",
            "expected an integer, got the string '2021'",
        ),
        (
            "pcf.packagingEmissionsIncluded",
            "true",
            "wrong_type",
            "$.pcf.packagingEmissionsIncluded",
            "true or false",
        ),
        ("created", "2026-03-01T00:00:00", "bad_date_time", "$.created", "with an offset"),
        ("created", "2026-03-01 00:00:00Z", "bad_date_time", "$.created", "RFC 3339"),
        ("created", "2026-02-30T00:00:00Z", "bad_date_time", "$.created", "not a real date-time"),
        ("created", "2026-03-01T00:00:00+8:00", "bad_date_time", "$.created", "offset"),
        ("created", "2026-03-01T00:00:00Z\n", "bad_date_time", "$.created", "offset"),
        (
            f"{EXT}.verification.date",
            "2026-02-31",
            "bad_date",
            "$.extensions[0].data.verification.date",
            "calendar date",
        ),
        (
            "pcf.declaredUnitOfMeasurement",
            "kilowatt-hour",
            "unknown_enum_value",
            "$.pcf.declaredUnitOfMeasurement",
            "did you mean 'kilowatt hour'?",
        ),
        ("status", "active", "unknown_enum_value", "$.status", "did you mean 'Active'?"),
        (
            f"{EXT}.boundary",
            "cradle-to-gat",
            "unknown_enum_value",
            "$.extensions[0].data.boundary",
            "did you mean 'cradle-to-gate'?",
        ),
        (
            f"{EXT}.gwpReport",
            "AR7",
            "unknown_enum_value",
            "$.extensions[0].data.gwpReport",
            "did you mean",
        ),
        (
            f"{EXT}.boundry",
            "cradle-to-gate",
            "unknown_field",
            "$.extensions[0].data.boundry",
            "did you mean 'boundary'?",
        ),
        ("companyName", KeyError, "missing_field", "$.companyName", "'companyName' is missing"),
        (
            "pcf.referencePeriodEnd",
            KeyError,
            "missing_field",
            "$.pcf.referencePeriodEnd",
            "missing",
        ),
        ("id", "not-a-uuid", "schema_pattern", "$.id", "UUID"),
        ("specVersion", "2.3.0", "schema_pattern", "$.specVersion", "PACT v3"),
        ("productIds", [], "schema_minItems", "$.productIds", "at least 1"),
        ("productIds", ["gtin:123"], "schema_pattern", "$.productIds[0]", "URN"),
        ("companyName", "x" * 501, "schema_maxLength", "$.companyName", "at most 500"),
        (
            f"{EXT}.productNames",
            {"fr": "Batterie"},
            "missing_field",
            "$.extensions[0].data.productNames",
            "'zh', 'en'",
        ),
        (
            "extensions.0.specVersion",
            "1.0.0",
            "schema_const",
            "$.extensions[0].specVersion",
            "'2.0.0'",
        ),
    ],
)
def test_bad_values_give_clear_findings(
    battery_declaration: dict[str, Any],
    path: str,
    value: Any,
    code: str,
    where: str,
    fragment: str,
) -> None:
    _set(battery_declaration, path, value)
    findings = check_declaration(battery_declaration, source="battery.json")
    match = [f for f in findings if f.path == where and f.code == code]
    assert match, [str(f) for f in findings]
    assert fragment in match[0].message
    assert match[0].severity is Severity.ERROR
    assert str(match[0]).startswith(f"battery.json: {where}: error: ")
    assert fast_declaration_check()(battery_declaration) is False


def test_all_findings_reported_best_first(battery_declaration: dict[str, Any]) -> None:
    battery_declaration["pcf"]["declaredUnitAmount"] = 1
    battery_declaration["status"] = "Activ"
    battery_declaration["pcf"]["productMassPerDeclaredUnit"] = "x"
    battery_declaration["productIds"] = ["urn:gtin:06901234567893"]
    findings = check_declaration(battery_declaration)
    assert len(findings) >= 4
    assert [f.path for f in findings][:1] == ["$.status"]  # shallow errors first
    assert findings[-1].path == "$.productIds[0]"


def test_not_an_object() -> None:
    (finding,) = check_declaration(["x"], source="a.json")
    assert finding.path == "$" and "JSON object" in finding.message


def test_bundle_is_checked_by_its_declaration(battery_declaration: dict[str, Any]) -> None:
    bundle = {"declaration": battery_declaration, "signatures": []}
    assert check_declaration_or_bundle(bundle) == []
    battery_declaration["status"] = "Gone"
    (finding,) = check_declaration_or_bundle(bundle, source="b.json")
    assert finding.path == "$.declaration.status" and finding.source == "b.json"


def test_validator_is_built_once() -> None:
    assert declaration_validator() is declaration_validator()
    assert fast_declaration_check() is fast_declaration_check()


# ---------------------------------------------------------------- compiled fast path agrees

_POOL: list[Any] = [
    "",
    "5abc",
    "-1.0junk",
    "0",
    "1",
    "-1",
    "12.5",
    "0.0",
    "1e3",
    "AR6",
    "AR7",
    "Active",
    "kilogram",
    "2026-01-01T00:00:00Z",
    "2026-01-01T00:00:00",
    "2026-13-01T00:00:00Z",
    "urn:gtin:06901234567892",
    "zh",
    "x" * 600,
    Decimal("1.5"),
    Decimal("1E+400"),
    3,
    0,
    -1,
    True,
    False,
    None,
    [],
    ["AR6"],
    ["AR6", "AR6"],
    {},
    {"zh": "名"},
    {"name": "a"},
    [{"operator": "PEF", "ruleNames": ["a"]}, {"operator": "PEF", "ruleNames": ["a"]}],
    "urn:cfl:schema:cfl-extension:1",
    "2.0.0",
    "CN",
    "cn",
    "2026-02-20",
    "2026-02-30",
    "3f1c2a9e-5b7d-4e8f-9a0b-1c2d3e4f5a6b",
    "AR6\n",
]


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*prefix, index))


def _mutate(doc: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    for _ in range(rng.randint(1, 3)):
        paths = [p for p in _paths(doc) if p]
        target = rng.choice(paths)
        parent: Any = doc
        for part in target[:-1]:
            parent = parent[part]
        action = rng.random()
        if action < 0.15 and isinstance(parent, dict):
            del parent[target[-1]]
        elif action < 0.25 and isinstance(parent, dict):
            parent[rng.choice(["extra", "boundry", "x-note"])] = rng.choice(_POOL)
        else:
            parent[target[-1]] = copy.deepcopy(rng.choice(_POOL))
    return doc


def _corpus(reference: Path, battery: dict[str, Any]) -> list[dict[str, Any]]:
    return [battery] + [doc for _, doc in official_v3_footprints(reference)]


@functools.cache
def _property_corpus() -> list[dict[str, Any]]:
    """The corpus of the property tests, which take no fixtures: mark them needs_reference."""
    fixtures = Path(__file__).resolve().parents[1] / "fixtures"
    battery = loads_strict((fixtures / "declarations" / "battery-pack.json").read_bytes())
    return _corpus(REFERENCE_DIR, battery)


def test_fast_path_agrees_on_fixtures(
    reference_dir: Path, battery_declaration: dict[str, Any]
) -> None:
    validator = declaration_validator()
    fast = fast_declaration_check()
    for doc in _corpus(reference_dir, battery_declaration):
        assert fast(doc) == validator.is_valid(doc)


def test_fast_path_agrees_on_many_mutations(
    reference_dir: Path, battery_declaration: dict[str, Any]
) -> None:
    validator = declaration_validator()
    fast = fast_declaration_check()
    rng = random.Random(20260301)
    corpus = _corpus(reference_dir, battery_declaration)
    disagreements = []
    for _ in range(600):
        doc = _mutate(rng.choice(corpus), rng)
        if fast(doc) != validator.is_valid(doc):
            disagreements.append(doc)
    assert disagreements == []


def test_compiled_early_yes_is_never_a_reference_no(
    reference_dir: Path, battery_declaration: dict[str, Any]
) -> None:
    """jsonschema-rs only answers "valid" early: wherever it says yes, the reference does."""
    early = _rust_declaration_check()
    assert early is not None
    assert early(battery_declaration)
    validator = declaration_validator()
    rng = random.Random(20261206)
    corpus = _corpus(reference_dir, battery_declaration)
    wrong = []
    for _ in range(600):
        doc = _mutate(rng.choice(corpus), rng)
        try:
            said_yes = early(doc)
        except (ValueError, TypeError, OverflowError):
            continue
        if said_yes and not validator.is_valid(doc):
            wrong.append(doc)
    assert wrong == []


@pytest.mark.parametrize("when", ["9999-12-31T23:59:59-23:59", "2026-02-30T00:00:00Z",
                                  "2026-01-01T00:00:00", "2026-01-01T00:00:00Z\n"])
def test_compiled_early_yes_uses_cfls_date_time(
    battery_declaration: dict[str, Any], when: str
) -> None:
    """A time past the calendar (valid RFC 3339) or not a date-time is refused early too."""
    doc = copy.deepcopy(battery_declaration)
    doc["validityPeriodEnd"] = when
    assert not declaration_validator().is_valid(doc)
    early = _rust_declaration_check()
    assert early is not None and not early(doc)
    assert not fast_declaration_check()(doc)


@needs_reference
@settings(max_examples=50, deadline=None)
@given(st.randoms(use_true_random=False))
def test_fast_path_agrees_property(rng: random.Random) -> None:
    doc = _mutate(rng.choice(_property_corpus()), rng)
    assert fast_declaration_check()(doc) == declaration_validator().is_valid(doc)
    assert (schema_findings(doc) == []) == declaration_validator().is_valid(doc)


# ------------------------------------------------------- the fast format check agrees

_FORMAT_STRINGS = (
    st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?"
                  r"([Zz]|[+-][0-9]{2}:[0-9]{2})\n?\Z")
    | st.from_regex(r"\A[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}"
                    r"-?[0-9a-fA-F]{12}\n?\Z")
    | st.sampled_from(["0000-01-01T00:00:00Z", "2024-02-29T00:00:00Z", "2025-02-29T00:00:00Z",
                       "2026-04-31T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01t00:00:00z",
                       "2026-01-01T23:59:60Z", "{3f1c2a9e-5b7d-4e8f-9a0b-1c2d3e4f5a6b}",
                       "urn:uuid:3f1c2a9e-5b7d-4e8f-9a0b-1c2d3e4f5a6b", "2026-02-20"])
    | st.text(max_size=40)
)


@settings(max_examples=50, deadline=None)
@given(_FORMAT_STRINGS, st.sampled_from(["date-time", "uuid", "date", "email"]))
def test_declaration_format_check_agrees_with_jsonschema(value: str, name: str) -> None:
    """The fast check agrees with the checker it shortcuts: jsonschema's, with cfl's calendar
    rule for date-time (cfl.io.schema_formats), which also refuses what jsonschema lets
    through there (a trailing newline, an instant beyond the calendar)."""
    from jsonschema import Draft202012Validator

    from cfl.declaration.schema import declaration_format_conforms, format_conforms
    from cfl.io.schema_formats import format_checker

    assert declaration_format_conforms()(value, name) == format_checker().conforms(value, name)
    checker = Draft202012Validator.FORMAT_CHECKER
    assert format_conforms(checker)(value, name) == checker.conforms(value, name)


@pytest.mark.parametrize("value", [3, None, Decimal("1.5"), ["2026-01-01T00:00:00Z"]])
def test_declaration_format_check_ignores_non_strings_like_jsonschema(value: Any) -> None:
    from jsonschema import Draft202012Validator

    from cfl.declaration.schema import declaration_format_conforms

    for name in ("date-time", "uuid", "date"):
        assert declaration_format_conforms()(value, name) == \
            Draft202012Validator.FORMAT_CHECKER.conforms(value, name)
