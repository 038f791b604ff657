"""Rule files of one's own are bounded in count, size and total size before any is parsed
(ADR 0124): linting costs about a second per 150 KB, so the bounds are what keep
`--rules` and `$CFL_RULES` cheap, while a copy of the whole shipped library still fits."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from cfl.errors import InputError
from cfl.io.resources import data_dir
from cfl.recognition import user_rules
from cfl.recognition.lint import lint_rule_files
from cfl.recognition.user_rules import (
    MAX_USER_RULE_BYTES,
    MAX_USER_RULE_FILE_BYTES,
    MAX_USER_RULE_FILES,
    load_rules,
    merge_rule_files,
)


@pytest.fixture
def no_lint(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail if anything is linted (the bounds come first)."""
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("linted before the bounds were checked")

    monkeypatch.setattr(user_rules, "lint_rule_files", refuse)


def test_a_file_beyond_the_size_bound_is_refused_unread(tmp_path: Path, no_lint: None) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"# " + b"x" * MAX_USER_RULE_FILE_BYTES + b"\nid: big\n")
    with pytest.raises(InputError) as info:
        load_rules([big], environ={})
    assert info.value.code == "too_large" and str(big) in str(info.value)


def test_too_many_files_are_refused(tmp_path: Path, no_lint: None) -> None:
    for i in range(MAX_USER_RULE_FILES + 1):
        (tmp_path / f"r{i:04d}.yaml").write_text(f"id: r{i}\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_rules([tmp_path], environ={})
    assert info.value.code == "too_many_rule_files"


def test_files_beyond_the_total_bound_are_refused(tmp_path: Path, no_lint: None) -> None:
    size = MAX_USER_RULE_FILE_BYTES - 100
    for i in range(MAX_USER_RULE_BYTES // size + 1):
        (tmp_path / f"r{i}.yaml").write_bytes(b"# " + b"x" * size + b"\n")
    with pytest.raises(InputError) as info:
        load_rules([tmp_path], environ={})
    assert info.value.code == "too_large" and "together" in str(info.value)


def test_files_handed_over_as_bytes_are_bounded_too(no_lint: None) -> None:
    with pytest.raises(InputError) as info:
        merge_rule_files([("a.yaml", b"x" * (MAX_USER_RULE_FILE_BYTES + 1))])
    assert info.value.code == "too_large"


def test_a_copy_of_the_whole_shipped_library_fits(tmp_path: Path) -> None:
    shipped = Path(str(data_dir("rulesets")))
    copy = tmp_path / "rules"
    shutil.copytree(shipped, copy, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    loaded = load_rules([copy], environ={})
    assert len(loaded.files) >= 20


def _requirements_each_with_a_problem(count: int) -> bytes:
    text = (Path(str(data_dir("rulesets"))) / "gbt-24067-2024.yaml").read_text("utf-8")
    head, requirements = text.split("requirements:\n", 1)
    end = re.search(r"^[a-z]", requirements, re.M)
    assert end is not None
    blocks = re.split(r"(?m)^(?=  - id: )", requirements[:end.start()])
    block = next(b for b in blocks if 'data.boundary"' in b)
    body = "".join(block.replace("- id: ", f"- id: x{i}-", 1)
                   .replace('data.boundary"', 'data.boundaryX"') for i in range(count))
    return (head.replace("id: gbt-24067-2024", "id: mine") + "requirements:\n" + body
            + requirements[end.start():]).encode("utf-8")


def test_a_file_with_a_problem_everywhere_is_composed_once(monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    """Each finding's line was found by composing the whole file again: 240 problems in a
    114 KB file (within the bounds) took 46 s to lint."""
    calls = []
    compose = yaml.compose

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return compose(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(yaml, "compose", counted)
    report = lint_rule_files([("mine.yaml", _requirements_each_with_a_problem(60))])
    assert len([f for f in report.findings if f.code == "unknown_field"]) == 60
    assert all("line " in f.message for f in report.findings)
    assert len(calls) == 1
