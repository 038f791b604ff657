"""docs/rulesets.md "Write your own rule set and use it" runs as written.

The section's blocks are taken in order: a ```yaml block whose first line is ``# PATH`` is the
file the reader saves at PATH; each line of a ```sh block is a command, run in-process
(``export NAME=VALUE`` sets a variable, ``> FILE`` saves the standard output). Only the
clock and the folder are fixed.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from cfl.cli import options
from cfl.cli.main import cli

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "rulesets.md"
AT = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def guide_steps() -> list[tuple[str, str]]:
    """("file", "PATH\\nTEXT") and ("sh", "COMMAND") steps, in the order of the section."""
    text = GUIDE.read_text(encoding="utf-8")
    section = text.split("## Write your own rule set and use it", 1)[1].split("\n## ", 1)[0]
    steps: list[tuple[str, str]] = []
    for kind, body in re.findall(r"```(yaml|sh)\n(.*?)```", section, re.S):
        if kind == "yaml":
            first, rest = body.split("\n", 1)
            assert first.startswith("# "), "a yaml block must start with '# PATH'"
            steps.append(("file", f"{first[2:].strip()}\n{rest}"))
        else:
            for line in body.replace("\\\n", " ").splitlines():
                command = line.split("  #", 1)[0].strip()
                if command:
                    steps.append(("sh", command))
    return steps


def test_own_rule_set_walk_through_runs_as_written(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(options, "current_time", lambda: AT)
    monkeypatch.delenv("CFL_RULES", raising=False)
    steps = guide_steps()
    assert sum(1 for kind, _ in steps if kind == "file") == 2
    runner = CliRunner()
    outputs: dict[str, str] = {}
    for kind, body in steps:
        if kind == "file":
            path, text = body.split("\n", 1)
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            Path(path).write_text(text, encoding="utf-8")
            continue
        argv = shlex.split(body)
        if argv[0] == "export":
            name, value = argv[1].split("=", 1)
            monkeypatch.setenv(name, value)
            continue
        assert argv[0] == "cfl", body
        target = None
        if ">" in argv:
            argv, target = argv[:argv.index(">")], argv[argv.index(">") + 1]
        result = runner.invoke(cli, argv[1:])
        assert result.exit_code == 0, f"{body}\n{result.output}"
        if target is not None:
            Path(target).write_text(result.stdout, encoding="utf-8")
        outputs[body] = result.output
    def output_of(start: str) -> str:
        return next(out for command, out in outputs.items() if command.startswith(start))

    first_check = output_of("cfl check demo/declarations/cement.json --rule-set acme")
    assert "acme-eco-label: RECOGNISED-WITH-CONDITIONS" in first_check
    assert "my-rules/acme-eco-label.yaml (yours)" in first_check
    assert "acme-eco-label: RECOGNISED\n" in output_of("cfl check cement-ar5.json")
    assert "[yours: my-rules/acme-eco-label.yaml]" in output_of("cfl rulesets list")
    assert "note: my-rules/pas-2050-2011.yaml replaces the shipped rule set pas-2050-2011" \
        in output_of("cfl check demo/declarations/cement.json --rule-set pas-2050-2011")
    graded = json.loads(Path("cement-acme.json").read_text())
    assert graded["extensions"][0]["data"]["grade"]["ruleSetId"] == "acme-eco-label"
    converted = json.loads(Path("cement-ar5.json").read_text())
    assert converted["extensions"][0]["data"]["gwpReport"] == "AR5"
