"""The shipped rule files are parsed once per process and cannot be changed by a caller."""

from __future__ import annotations

import operator
from decimal import Decimal
from typing import Any

import pytest

import cfl.recognition.rules as rules
from cfl.recognition.lint import lint_rule_files
from cfl.recognition.rules import (
    RuleMapping,
    RuleSet,
    shipped_rule_files,
    shipped_rule_items,
    shipped_rules,
)
from cfl.recognition.user_rules import merge_rule_files


def _own_copy() -> tuple[str, bytes]:
    data = dict(shipped_rule_files())["rulesets/pas-2050-2011.yaml"]
    return "mine/pas-2050-2011.yaml", data


def test_linting_and_merging_own_files_do_not_parse_the_shipped_library_again(
        monkeypatch: pytest.MonkeyPatch) -> None:
    own = _own_copy()
    lint_rule_files([own])  # the shipped library is parsed here, once
    parsed: list[str] = []
    original = rules.load_rule_file

    def counting(data: bytes, source: str) -> RuleSet | RuleMapping:
        parsed.append(source)
        return original(data, source)

    monkeypatch.setattr(rules, "load_rule_file", counting)
    assert lint_rule_files([own]).ok
    loaded = merge_rule_files([own])
    assert loaded.replacements[0].file == own[0]
    assert not [name for name in parsed if name.startswith("rulesets/")]


def test_the_shipped_registry_is_read_only() -> None:
    registry = shipped_rules()
    rule_set = registry.rule_set("gbt-24067-2024")
    mapping = next(iter(registry.mappings.values()))
    attempts: list[Any] = [
        lambda: operator.setitem(registry.rule_sets, "x", rule_set),
        lambda: operator.delitem(registry.mappings, next(iter(registry.mappings))),
        lambda: operator.setitem(rule_set.names, "en", "changed"),
        lambda: operator.setitem(rule_set.sources, "x", None),
        lambda: operator.setitem(rule_set.grading, "x", None),
        lambda: operator.setitem(mapping.sources, "x", None),
        lambda: operator.setitem(mapping.equivalences, "x", {}),
    ]
    kind, terms = next(iter(mapping.equivalences.items()), ("stages", None))
    if terms is not None:
        attempts.append(lambda: operator.setitem(terms, "x", "y"))
    for attempt in attempts:
        with pytest.raises(TypeError):
            attempt()
    with pytest.raises(AttributeError):
        rule_set.id = "changed"  # type: ignore[misc]
    assert rule_set.requirements and isinstance(rule_set.requirements, tuple)


def test_a_callers_list_of_shipped_files_is_its_own() -> None:
    files = shipped_rule_files()
    count = len(files)
    files.clear()
    assert len(shipped_rule_files()) == count
    items = shipped_rule_items()
    with pytest.raises(TypeError):
        items["rulesets/x.yaml"] = shipped_rules().rule_set("gbt-24067-2024")  # type: ignore[index]
    assert set(items) == {name for name, _ in shipped_rule_files()}


def test_a_merged_registry_changes_nothing_shipped() -> None:
    own = _own_copy()
    before = shipped_rules().rule_set("pas-2050-2011")
    merged = merge_rule_files([own]).registry
    merged.rule_sets["pas-2050-2011"]  # the user's copy
    assert shipped_rules().rule_set("pas-2050-2011") is before
    assert merged.rule_set("pas-2050-2011").origin == own[0]
    assert before.origin == "rulesets/pas-2050-2011.yaml"
    grading = before.grading
    assert all(isinstance(c.min, Decimal | None) for g in grading.values() for c in g.classes)
