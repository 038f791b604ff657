"""Rule set and mapping files: loading, bad input, lint."""

from __future__ import annotations

import pytest
from shared_reference import REFERENCE_DIR, needs_reference

from cfl.errors import InputError
from cfl.recognition.engine import find_path
from cfl.recognition.lint import lint_rule_files
from cfl.recognition.rules import (
    Confidence,
    UnknownRuleSetError,
    build_registry,
    load_rule_file,
    shipped_rules,
)

RULE_SET = b"""\
id: demo-rules
names: {en: Demo rules}
jurisdiction: INT
kind: standard
sources:
  - {id: S1, title: A source}
requirements:
  - id: unit
    sentence: {en: A unit is given.}
    check: {present: $.pcf.declaredUnitOfMeasurement}
    source: {id: S1, locator: clause 1}
    confidence: verified
"""


def test_shipped_rule_sets_and_mappings_load() -> None:
    registry = shipped_rules()
    before = {
        "gbt-24067-2024", "iso-14067-2018", "ghg-protocol-product-2011", "pas-2050-2011",
        "pact-methodology-v3", "eu-battery-regulation-2023-1542", "eu-pef-2021-2279",
        "th-tgo-cfp", "id-sni-iso-14067-2018", "ru-gost-r-iso-14067-2021", "jp-sumpo-cfp",
        "kr-keiti-carbon-label"}
    partners = {
        "sg-sefr-pact-v3", "eg-eos-carbon-footprint-verification", "my-sirim-cfp",
        "tr-ts-en-iso-14067", "hu-msz-en-iso-14067", "vn-iso-14067", "kz-iso-14067",
        "sa-iso-14067", "ae-iso-14067"}
    china = {"cn-cfp-label-certification-2025", "cn-miit-traction-battery-2025",
             "cn-gbt-44905-2024"}
    assert set(registry.rule_sets) == before | partners | china
    assert len(registry.rule_sets) >= 20 and len(partners) > len(china)
    for target in set(registry.rule_sets) - {"gbt-24067-2024"}:
        assert find_path(registry, "gbt-24067-2024", target), target
    assert shipped_rules() is registry  # parsed once


def test_shipped_files_lint_clean() -> None:
    report = lint_rule_files()
    assert report.ok, [str(f) for f in report.findings]
    assert len(report.files) == len(shipped_rules().rule_sets) + len(
        shipped_rules().mappings)


def test_gb_thresholds_are_illustrative_and_say_why() -> None:
    grading = shipped_rules().rule_set("gbt-24067-2024").grading
    assert grading and all(g.illustrative and g.note for g in grading.values())
    assert all(c.confidence is Confidence.UNCONFIRMED for g in grading.values()
               for c in g.classes)


@needs_reference
def test_gwp_table_matches_the_cited_reference() -> None:
    import csv

    from cfl.declaration.gwp import gwp_table

    rows = {r["gas"]: r for r in csv.DictReader((REFERENCE_DIR / "rulesets" / "gwp100.csv").open())}
    table = gwp_table()
    for gas, name in (("CO2", "CO2"), ("N2O", "N2O"), ("SF6", "SF6"), ("NF3", "NF3"),
                      ("HFC-134a", "HFC-134a"), ("CF4", "CF4")):
        assert str(table.factor(name, "AR4")) == rows[gas]["ar4"]
        assert str(table.factor(name, "AR5")) == rows[gas]["ar5_no_ccf"]
        assert str(table.factor(name, "AR6")) == rows[gas]["ar6"]
    assert str(table.factor("CH4_fossil", "AR6")) == rows["CH4_fossil"]["ar6"]
    assert str(table.factor("CH4_nonfossil", "AR6")) == rows["CH4_non_fossil"]["ar6"]


def test_unknown_rule_set_suggests_close_ids() -> None:
    with pytest.raises(UnknownRuleSetError) as err:
        shipped_rules().rule_set("gbt-24067")
    assert "did you mean gbt-24067-2024" in str(err.value)


def test_malformed_yaml_names_the_line() -> None:
    with pytest.raises(InputError) as err:
        load_rule_file(RULE_SET.replace(b"kind: standard", b"kind: [standard"), "bad.yaml")
    assert err.value.code == "malformed_yaml"
    assert "bad.yaml: line" in str(err.value)


def test_alias_bomb_is_bounded() -> None:
    bomb = b"a: &a [x, x, x, x, x, x, x, x, x, x]\n" + b"".join(
        f"{c}: &{c} [{', '.join(['*' + p] * 10)}]\n".encode()
        for p, c in zip("abcdefgh", "bcdefghi", strict=False))
    with pytest.raises(InputError) as err:
        load_rule_file(bomb, "bomb.yaml")
    assert err.value.code == "yaml_alias_bomb"


@pytest.mark.parametrize(("old", "new", "needle"), [
    (b"kind: standard", b"kind: standard\ncolour: green", "colour"),
    (b"    confidence: verified", b"    confidence: verified\n    weight: 2", "weight"),
    (b"confidence: verified", b"confidence: certain", "certain"),
    (b"{present: $.pcf.declaredUnitOfMeasurement}", b"{exec: 'import os'}", "exec"),
    (b"{id: S1, locator: clause 1}", b"{id: S9, locator: clause 1}", "S9"),
])
def test_bad_rule_files_are_refused_with_path_and_line(old: bytes, new: bytes,
                                                       needle: str) -> None:
    with pytest.raises(InputError) as err:
        load_rule_file(RULE_SET.replace(old, new), "r.yaml")
    text = str(err.value)
    assert text.startswith("r.yaml: $") and needle in text
    assert "line" in text


def test_python_tags_are_not_constructed() -> None:
    evil = RULE_SET.replace(b"Demo rules", b"!!python/object/apply:os.system ['echo hi']")
    with pytest.raises(InputError):
        load_rule_file(evil, "evil.yaml")


def test_code_looking_strings_stay_strings() -> None:
    text = RULE_SET.replace(b"A unit is given.", b"\"{{ __import__('os').getcwd() }}\"")
    rule_set = load_rule_file(text, "r.yaml")
    assert rule_set.requirements[0].sentence == "{{ __import__('os').getcwd() }}"  # type: ignore[union-attr]


def test_duplicate_rule_set_ids_are_refused() -> None:
    with pytest.raises(InputError, match="also defined"):
        build_registry([("a.yaml", RULE_SET), ("b.yaml", RULE_SET)])


MAPPING = b"""\
from: gbt-24067-2024
to: iso-14067-2018
sources:
  - {id: M1, title: A source}
conditions:
  - id: c
    sentence: {en: x}
    check: {present: $.pcf.fossilGhgEmissions}
    source: {id: M1, locator: here}
    confidence: verified
"""


@pytest.mark.parametrize(("old", "new", "code"), [
    (b"$.pcf.fossilGhgEmissions", b"$.pcf.fossilGhgEmission", "unknown_field"),
    (b"$.pcf.fossilGhgEmissions", b'"$.extensions[cfl].data.gwpReprt"', "unknown_field"),
    (b"{present: $.pcf.fossilGhgEmissions}", b"{frobnicate: $.pcf.fossilGhgEmissions}",
     "unknown_operator"),
    (b"    source: {id: M1, locator: here}\n", b"", "missing_key"),
    (b"{id: M1, locator: here}", b"{id: M7, locator: here}", "unknown_source"),
    (b"to: iso-14067-2018", b"to: iso-14067-2019", "unknown_rule_set"),
])
def test_lint_reports_mapping_errors(old: bytes, new: bytes, code: str) -> None:
    report = lint_rule_files([("rulesets/mappings/gbt-24067-2024--iso-14067-2018.yaml",
                               MAPPING.replace(old, new))])
    assert not report.ok
    assert code in {f.code for f in report.findings}, [str(f) for f in report.findings]


def test_lint_suggests_the_field_meant() -> None:
    report = lint_rule_files([("m.yaml", MAPPING.replace(b"fossilGhgEmissions",
                                                         b"fossilGhgEmission"))])
    assert any("did you mean fossilGhgEmissions" in f.message for f in report.findings)


def test_lint_reports_grading_gaps() -> None:
    gap = RULE_SET + b"""\
grading:
  cement:
    unit: kg CO2e per kg
    declaredUnit: kilogram
    source: {id: S1, locator: table 2}
    classes:
      - {class: A, bounds: {max: "1"}, source: {id: S1, locator: t}, confidence: verified}
      - {class: B, bounds: {min: "2"}, source: {id: S1, locator: t}, confidence: verified}
"""
    report = lint_rule_files([("demo-rules.yaml", gap)])
    assert "grading_gap" in {f.code for f in report.findings}
    unconfirmed = gap.replace(b"confidence: verified}\n      - {class: B",
                              b"confidence: unconfirmed}\n      - {class: B")
    report = lint_rule_files([("demo-rules.yaml", unconfirmed)])
    assert "unconfirmed_threshold" in {f.code for f in report.findings}
