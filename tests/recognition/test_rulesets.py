"""Per rule set: declarations that pass, fail and come out undeterminable (tests/recognition/
vectors/rulesets.yaml states each case's reason and expected outcomes)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from recognition.declaration_edits import edited

from cfl.io.yamlio import load_yaml_file
from cfl.recognition.attestation import Attestations, AttestedAnswer
from cfl.recognition.engine import Outcome, check_declaration
from cfl.recognition.rules import Confidence, shipped_rules

AT = dt.datetime(2026, 3, 15, tzinfo=dt.UTC)
VECTORS = load_yaml_file(Path(__file__).parent / "vectors" / "rulesets.yaml")["cases"]


def _id(case: dict[str, Any]) -> str:
    return f"{case['rule_set']}-{case['kind']}-{VECTORS.index(case)}"


@pytest.mark.parametrize("case", VECTORS, ids=_id)
def test_vector(case: dict[str, Any], battery_declaration: dict[str, Any]) -> None:
    declaration = edited(battery_declaration, case.get("set"), case.get("delete"))
    attested = Attestations({
        requirement: AttestedAnswer(requirement, status == "met", "test evidence",
                                    "Test Certifier", "kid", "<test>")
        for requirement, status in case.get("attested", {}).items()})
    report = check_declaration(declaration, [case["rule_set"]], at=AT,
                               attestations=attested).reports[0]
    outcomes = {row.requirement_id: row.outcome.value for row in report.rows}
    for requirement, expected in case.get("expect", {}).items():
        assert outcomes[requirement] == expected, (case["reason"], outcomes)
    if "verdict" in case:
        assert report.verdict.value == case["verdict"], (case["reason"], outcomes)
    assert case.get("expect") or case.get("verdict")


def test_every_rule_set_has_a_pass_a_fail_and_an_undeterminable_vector() -> None:
    kinds: dict[str, set[str]] = {}
    for case in VECTORS:
        kinds.setdefault(case["rule_set"], set()).add(case["kind"])
    assert set(kinds) == set(shipped_rules().rule_sets)
    assert all(k == {"pass", "fail", "undeterminable"} for k in kinds.values()), kinds


def test_every_row_carries_a_citation_naming_its_source(
        battery_declaration: dict[str, Any]) -> None:
    result = check_declaration(battery_declaration, at=AT)
    assert len(result.reports) == len(shipped_rules().rule_sets) >= 20
    for report in result.reports:
        for row in report.rows:
            assert row.citation and "[" in row.citation, row


def test_unconfirmed_requirements_are_never_evaluated(battery_declaration: dict[str, Any]
                                                      ) -> None:
    # Whatever the data, a rule resting on an unconfirmed fact is undeterminable or n/a.
    for variant in (battery_declaration, edited(battery_declaration, delete=["extensions"]),
                    edited(battery_declaration, {"ext.verification.date": "1990-01-01",
                                                 "ext.electricity.greenCertificates": "50"})):
        for report in check_declaration(variant, at=AT).reports:
            for row in report.rows:
                if row.confidence is Confidence.UNCONFIRMED:
                    assert row.outcome in (Outcome.UNDETERMINABLE, Outcome.NOT_APPLICABLE), row


def test_composed_path_is_shown_for_identical_adoptions(battery_declaration: dict[str, Any]
                                                        ) -> None:
    reports = check_declaration(battery_declaration, ["id-sni-iso-14067-2018",
                                                      "ru-gost-r-iso-14067-2021"], at=AT).reports
    assert [r.path for r in reports] == [
        ("gbt-24067-2024", "iso-14067-2018", "id-sni-iso-14067-2018"),
        ("gbt-24067-2024", "iso-14067-2018", "ru-gost-r-iso-14067-2021"),
    ]


def test_declaration_without_rule_set_is_checked_directly(battery_declaration: dict[str, Any]
                                                           ) -> None:
    declaration = edited(battery_declaration, delete=["ext.ruleSet"])
    report = check_declaration(declaration, ["pas-2050-2011"], at=AT).reports[0]
    assert report.path == ("pas-2050-2011",)
    assert any("names no known rule set" in n for n in report.notes)
    # No mapping, so no conversion: the AR4 requirement is plainly not met.
    assert {r.requirement_id: r.outcome for r in report.rows}[
        "pas-2050-2011/gwp-ar4"] is Outcome.NOT_MET
