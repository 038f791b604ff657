"""`cfl grade` and `cfl convert`: new declarations, refusals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from cfl.cli.main import cli

AT = ["--at", "2026-03-15T00:00:00Z"]


def _write(tmp_path: Path, value: Any, name: str = "d.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(value))
    return str(path)


def test_grade_writes_a_new_declaration(tmp_path: Path,
                                        battery_declaration: dict[str, Any]) -> None:
    out = tmp_path / "graded.json"
    result = CliRunner().invoke(cli, ["grade", _write(tmp_path, battery_declaration),
                                      "--rule-set", "gbt-24067-2024", "-o", str(out), *AT])
    assert result.exit_code == 0, result.output
    assert "grade B" in result.output and "ILLUSTRATIVE" in result.output
    graded = json.loads(out.read_text())
    assert graded["precedingPfIds"] == [battery_declaration["id"]]
    assert graded["extensions"][0]["data"]["grade"]["illustrative"] is True


def test_grade_refuses_a_bundle_and_leaves_no_file(tmp_path: Path,
                                                   battery_declaration: dict[str, Any]) -> None:
    out = tmp_path / "graded.json"
    bundle = _write(tmp_path, {"declaration": battery_declaration, "signatures": []})
    result = CliRunner().invoke(cli, ["grade", bundle, "--rule-set", "gbt-24067-2024",
                                      "-o", str(out)])
    assert result.exit_code == 1
    assert "before signing" in result.output
    assert not out.exists()


def test_convert(tmp_path: Path, battery_declaration: dict[str, Any]) -> None:
    out = tmp_path / "ar5.json"
    result = CliRunner().invoke(cli, ["convert", _write(tmp_path, battery_declaration),
                                      "--gwp", "AR5", "-o", str(out), *AT])
    assert result.exit_code == 0, result.output
    converted = json.loads(out.read_text())
    assert converted["pcf"]["pcfExcludingBiogenicUptake"] == "55.65"
    assert converted["precedingPfIds"] == [battery_declaration["id"]]


def test_convert_without_gases_names_them(tmp_path: Path,
                                          battery_declaration: dict[str, Any]) -> None:
    del battery_declaration["extensions"][0]["data"]["gases"]
    out = tmp_path / "ar5.json"
    result = CliRunner().invoke(cli, ["convert", _write(tmp_path, battery_declaration),
                                      "--gwp", "AR5", "-o", str(out)])
    assert result.exit_code == 1
    assert "ch4Fossil" in result.output and "ch4NonFossil" in result.output
    assert not out.exists()
    assert CliRunner().invoke(cli, ["convert", str(out), "--gwp", "AR7"]).exit_code == 2
