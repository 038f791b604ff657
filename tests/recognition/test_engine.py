"""Mapping composition along a path, cycle detection, verdicts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from cfl.errors import InputError
from cfl.recognition.engine import (
    Verdict,
    check_declaration,
    compose,
    expand,
    find_path,
)
from cfl.recognition.lint import lint_rule_files
from cfl.recognition.rules import RuleCycleError, build_registry

AT = dt.datetime(2026, 3, 15, tzinfo=dt.UTC)


def _rule_set(rule_id: str, requirement: str = "{present: $.pcf}") -> tuple[str, bytes]:
    return f"{rule_id}.yaml", f"""\
id: {rule_id}
names: {{en: {rule_id}}}
jurisdiction: INT
kind: standard
sources: [{{id: S1, title: t}}]
requirements:
  - id: r
    sentence: {{en: s}}
    check: {requirement}
    source: {{id: S1, locator: l}}
    confidence: verified
""".encode()


def _mapping(source: str, target: str, extra: str = "") -> tuple[str, bytes]:
    return f"{source}--{target}.yaml", (
        f"from: {source}\nto: {target}\nsources: [{{id: S1, title: t}}]\n{extra}").encode()


GWP = "conversions:\n  - {id: to-ar5, kind: gwp, to: AR5, source: {id: S1, locator: l}, " \
      "confidence: verified}\n"


def _registry(*files: tuple[str, bytes]) -> Any:
    return build_registry([_rule_set("aa"), _rule_set("bb"), _rule_set("cc"),
                           _rule_set("dd", "{equals: {path: '$.extensions[cfl].data.gwpReport', "
                                           "value: AR5}}"), *files])


def test_path_composes_and_collects_conversions() -> None:
    registry = _registry(_mapping("aa", "bb", GWP), _mapping("bb", "cc"), _mapping("cc", "dd"))
    mappings = find_path(registry, "aa", "dd")
    assert mappings is not None
    composed = compose(mappings)
    assert composed.path == ("aa", "bb", "cc", "dd")
    assert [c.id for c in composed.conversions] == ["to-ar5"]
    assert find_path(registry, "dd", "aa") is None
    assert find_path(registry, "aa", "aa") == ()


def test_conversion_from_an_earlier_hop_applies(battery_declaration: dict[str, Any]) -> None:
    registry = _registry(_mapping("aa", "bb", GWP), _mapping("bb", "dd"))
    battery_declaration["extensions"][0]["data"]["ruleSet"]["id"] = "aa"
    report = check_declaration(battery_declaration, ["dd"], at=AT, registry=registry).reports[0]
    assert report.path == ("aa", "bb", "dd")
    assert report.verdict is Verdict.RECOGNISED_WITH_CONDITIONS
    assert report.rows[0].conversion == "to-ar5"


def test_a_cycle_in_the_graph_is_not_followed_forever() -> None:
    registry = _registry(_mapping("aa", "bb"), _mapping("bb", "aa"), _mapping("bb", "cc"))
    mappings = find_path(registry, "aa", "cc")
    assert mappings is not None and compose(mappings).path == ("aa", "bb", "cc")


def test_composing_a_cycle_is_an_error() -> None:
    registry = _registry(_mapping("aa", "bb"), _mapping("bb", "aa"))
    with pytest.raises(RuleCycleError, match="aa → bb → aa"):
        compose([registry.mappings[("aa", "bb")], registry.mappings[("bb", "aa")]])


def test_via_mappings_that_expand_into_each_other_are_detected() -> None:
    registry = _registry(_mapping("aa", "cc", "via: [bb]\n"), _mapping("aa", "bb", "via: [cc]\n"),
                         _mapping("bb", "cc"), _mapping("cc", "bb"))
    with pytest.raises(RuleCycleError, match="loop"):
        expand(registry, registry.mappings[("aa", "cc")], ())
    files = [_rule_set("aa"), _rule_set("bb"), _rule_set("cc"),
             _mapping("aa", "cc", "via: [bb]\n"), _mapping("aa", "bb", "via: [cc]\n"),
             _mapping("bb", "cc"), _mapping("cc", "bb")]
    report = lint_rule_files(files)
    assert "rule_cycle" in {f.code for f in report.findings}


def test_via_without_its_hops_is_an_error() -> None:
    registry = _registry(_mapping("aa", "cc", "via: [bb]\n"))
    with pytest.raises(InputError, match="no mapping aa--bb"):
        find_path(registry, "aa", "cc")


def test_includes_loop_is_detected() -> None:
    name, data = _rule_set("aa")
    looped = data.replace(b"kind: standard", b"kind: standard\nincludes: [bb]")
    name_b, data_b = _rule_set("bb")
    looped_b = data_b.replace(b"kind: standard", b"kind: standard\nincludes: [aa]")
    registry = build_registry([(name, looped), (name_b, looped_b)])
    with pytest.raises(RuleCycleError):
        registry.requirements_of("aa")


def test_no_mapping_path_is_undeterminable(battery_declaration: dict[str, Any]) -> None:
    registry = _registry()
    battery_declaration["extensions"][0]["data"]["ruleSet"]["id"] = "aa"
    report = check_declaration(battery_declaration, ["bb"], at=AT, registry=registry).reports[0]
    assert report.path == ()
    assert report.verdict is Verdict.UNDETERMINABLE
    assert "no mapping file leads from aa to bb" in report.rows[-1].detail


def test_check_refuses_a_non_object() -> None:
    with pytest.raises(InputError):
        check_declaration([], at=AT)  # type: ignore[arg-type]
