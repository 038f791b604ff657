"""Rule files of the user's own: collected, linted, merged with the shipped ones."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cfl.errors import InputError
from cfl.recognition.rules import shipped_rules
from cfl.recognition.user_rules import (
    RuleFilesError,
    collect_rule_files,
    load_rules,
    merge_rule_files,
    paths_from_environment,
    rule_file_bytes,
)

RULE_SET = """\
id: {id}
names: {{en: A scheme}}
jurisdiction: INT
kind: standard
sources: [{{id: S1, title: t}}]
requirements:
  - id: unit
    sentence: {{en: A unit is given.}}
    check: {{present: $.pcf.declaredUnitOfMeasurement}}
    source: {{id: S1, locator: clause 1}}
    confidence: verified
"""


def _folder(root: Path, *ids: str) -> Path:
    (root / "mappings").mkdir(parents=True)
    for rule_id in ids:
        (root / f"{rule_id}.yaml").write_text(RULE_SET.format(id=rule_id))
    return root


def test_a_folder_gives_its_rule_sets_and_mappings_once(tmp_path: Path) -> None:
    folder = _folder(tmp_path / "rules", "bb", "aa")
    (folder / "notes.txt").write_text("not a rule file")
    (folder / "mappings" / "gbt-24067-2024--aa.yaml").write_text(
        "from: gbt-24067-2024\nto: aa\nsources: [{id: S1, title: t}]\n")
    files = collect_rule_files([folder, folder / "aa.yaml"])
    assert [Path(name).relative_to(folder).as_posix() for name, _ in files] == [
        "aa.yaml", "bb.yaml", "mappings/gbt-24067-2024--aa.yaml"]


def test_an_empty_folder_or_a_missing_path_is_named(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="holds no rule set files"):
        collect_rule_files([tmp_path / "empty"])
    with pytest.raises(InputError, match="does not exist"):
        collect_rule_files([tmp_path / "missing.yaml"])


def test_environment_paths_are_split_on_pathsep() -> None:
    value = os.pathsep.join(["a", "", "b/c.yaml"])
    assert paths_from_environment({"CFL_RULES": value}) == ["a", "b/c.yaml"]
    assert paths_from_environment({}) == []


def test_no_files_is_the_shipped_registry() -> None:
    assert load_rules([], environ={}).registry is shipped_rules()


def test_merge_adds_replaces_and_marks_the_files_yours(tmp_path: Path) -> None:
    folder = _folder(tmp_path / "rules", "aa", "pas-2050-2011")
    loaded = load_rules([folder], environ={"CFL_RULES": ""})
    registry = loaded.registry
    assert set(shipped_rules().rule_sets) | {"aa"} == set(registry.rule_sets)
    replaced = registry.rule_set("pas-2050-2011")
    assert [r.id for r in registry.requirements_of("pas-2050-2011")] == ["unit"]
    assert registry.is_users(replaced.origin)
    assert not registry.is_users(registry.rule_set("iso-14067-2018").origin)
    assert loaded.notes == (f"{folder / 'pas-2050-2011.yaml'} replaces the shipped rule set "
                            "pas-2050-2011 (rulesets/pas-2050-2011.yaml)",)
    assert rule_file_bytes(registry, replaced.origin) == \
        (folder / "pas-2050-2011.yaml").read_bytes()
    shipped = registry.rule_set("iso-14067-2018").origin
    assert rule_file_bytes(registry, shipped).startswith(b"# ISO 14067")
    assert shipped_rules().rule_set("pas-2050-2011").requirements != replaced.requirements


def test_every_error_of_every_file_is_collected() -> None:
    bad_operator = RULE_SET.format(id="aa").replace("present:", "presnt:").encode()
    bad_source = RULE_SET.format(id="bb").replace("id: S1, locator", "id: S9, locator").encode()
    with pytest.raises(RuleFilesError) as err:
        merge_rule_files([("a.yaml", bad_operator), ("b.yaml", bad_source)])
    assert {(f.source, f.code) for f in err.value.findings} == {
        ("a.yaml", "unknown_operator"), ("b.yaml", "unknown_source")}
    assert all("line " in f.message for f in err.value.findings)
    assert str(err.value).startswith("2 error(s) in your rule files")
