"""`cfl rulesets list | show | lint`."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from cfl.cli.main import cli
from cfl.recognition.rules import shipped_rules


def test_list_and_show() -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["rulesets", "list"])
    assert result.exit_code == 0
    assert "eu-battery-regulation-2023-1542" in result.output
    listed = json.loads(runner.invoke(cli, ["rulesets", "list", "--format", "json"]).output)
    assert listed["format"] == "urn:cfl:schema:rulesets-output:1"
    listed = listed["ruleSets"]
    assert len(listed) == len(shipped_rules().rule_sets) >= 20
    shown = runner.invoke(cli, ["rulesets", "show", "gbt-24067-2024"])
    assert shown.exit_code == 0
    assert "ILLUSTRATIVE" in shown.output and "[unconfirmed]" in shown.output
    data = json.loads(runner.invoke(cli, ["rulesets", "show", "id-sni-iso-14067-2018",
                                          "--format", "json"]).output)
    assert data["includes"] == ["iso-14067-2018"]
    assert all(r["citation"] for r in data["requirements"])


def test_show_unknown_id_suggests() -> None:
    result = CliRunner().invoke(cli, ["rulesets", "show", "pas-2050"])
    assert result.exit_code == 1
    assert "did you mean pas-2050-2011" in result.output


def test_lint_shipped_and_bad_file(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(cli, ["rulesets", "lint"])
    assert ok.exit_code == 0, ok.output
    assert "0 error(s)" in ok.output
    bad = tmp_path / "gbt-24067-2024--iso-14067-2018.yaml"
    bad.write_text("from: gbt-24067-2024\nto: iso-14067-2018\nsources: [{id: S1, title: t}]\n"
                   "conditions:\n  - id: c\n    sentence: {en: x}\n"
                   "    check: {present: $.pcf.nope}\n    source: {id: S1, locator: l}\n"
                   "    confidence: verified\n")
    result = runner.invoke(cli, ["rulesets", "lint", str(bad)])
    assert result.exit_code == 1
    assert "$.conditions[0].check" in result.output and "nope" in result.output
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: x\nnames: {en: [\n")
    result = runner.invoke(cli, ["rulesets", "lint", str(broken), "--format", "json"])
    assert result.exit_code == 1
    finding = json.loads(result.output)["findings"][0]
    assert finding["code"] == "malformed_yaml" and "line" in finding["path"]
