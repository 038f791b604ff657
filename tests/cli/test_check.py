"""`cfl check FILE --against … | --all`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from cfl.cli.main import cli
from cfl.recognition.rules import shipped_rules

AT = ["--at", "2026-03-15T00:00:00Z"]


def _write(tmp_path: Path, value: Any, name: str = "d.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(value))
    return str(path)


def test_against_one_recognised_target(tmp_path: Path,
                                       battery_declaration: dict[str, Any]) -> None:
    result = CliRunner().invoke(cli, ["check", _write(tmp_path, battery_declaration),
                                      "--rule-set", "iso-14067-2018", *AT])
    assert result.exit_code == 0, result.output
    assert "iso-14067-2018: RECOGNISED" in result.output
    assert "cite: iso-14067-2018 [S25]" in result.output


def test_not_recognised_exits_3_and_json(tmp_path: Path,
                                         battery_declaration: dict[str, Any]) -> None:
    result = CliRunner().invoke(cli, ["check", _write(tmp_path, battery_declaration),
                                      "--rule-set", "eu-battery-regulation-2023-1542,"
                                      "pas-2050-2011", "--format", "json", *AT])
    assert result.exit_code == 3
    reports = json.loads(result.output)["reports"]
    assert [r["verdict"] for r in reports] == ["not-recognised", "recognised-with-conditions"]
    rows = {r["requirement"]: r for r in reports[1]["rows"]}
    assert rows["pas-2050-2011/gwp-ar4"]["conversion"] == "gwp-to-ar4"


def test_all_prints_the_matrix(tmp_path: Path, battery_declaration: dict[str, Any]) -> None:
    result = CliRunner().invoke(cli, ["check", _write(tmp_path, battery_declaration), "--all",
                                      *AT])
    assert result.exit_code == 3
    header, *lines = result.output.split("\n\n")[0].splitlines()[1:]
    assert "verdict" in header
    assert len(lines) == len(shipped_rules().rule_sets) >= 20
    assert "gbt-24067-2024 → iso-14067-2018 → id-sni-iso-14067-2018" in result.output
    assert "cite:" in result.output


def test_bundle_is_read_and_signatures_not_verified(
        tmp_path: Path, battery_declaration: dict[str, Any]) -> None:
    bundle = {"declaration": battery_declaration, "signatures": []}
    result = CliRunner().invoke(cli, ["check", _write(tmp_path, bundle), "--rule-set",
                                      "iso-14067-2018", *AT])
    assert result.exit_code == 0
    assert "signatures are not verified" in result.output


def test_usage_and_input_errors(tmp_path: Path, battery_declaration: dict[str, Any]) -> None:
    runner = CliRunner()
    path = _write(tmp_path, battery_declaration)
    assert runner.invoke(cli, ["check", path]).exit_code == 2
    assert runner.invoke(cli, ["check", path, "--all", "--rule-set", "x"]).exit_code == 2
    unknown = runner.invoke(cli, ["check", path, "--rule-set", "th-tgo"])
    assert unknown.exit_code == 1 and "did you mean th-tgo-cfp" in unknown.output
    pdf = tmp_path / "label.pdf"
    pdf.write_bytes(b"%PDF-1.7\nnot really a label\n")
    assert runner.invoke(cli, ["check", str(pdf), "--all"]).exit_code == 1
    bad = tmp_path / "bad.json"
    bad.write_text('{"id": 1,}')
    result = runner.invoke(cli, ["check", str(bad), "--all"])
    assert result.exit_code == 1 and "line 1" in result.output
