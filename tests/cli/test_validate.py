from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from cfl.cli.main import cli
from cfl.io.jsonio import dumps_pretty


def write(path: Path, document: Any) -> Path:
    path.write_text(dumps_pretty(document), encoding="utf-8")
    return path


def test_valid_file(tmp_path: Path, battery_declaration: dict[str, Any]) -> None:
    path = write(tmp_path / "ok.json", battery_declaration)
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    # the fixture's electricity factor 0.5568 is China's 2021 CO2-only grid factor: valid, but
    # a product footprint needs a life-cycle factor (rulesets/data/factor-packs/cn-electricity)
    assert f"{path}: valid (0 error(s), 1 warning(s))" in result.output
    assert "[co2_only_grid_factor]" in result.output


def test_invalid_and_unreadable_files(tmp_path: Path, battery_declaration: dict[str, Any]) -> None:
    battery_declaration["pcf"]["declaredUnitOfMeasurement"] = "kilogramm"
    bad = write(tmp_path / "bad.json", battery_declaration)
    broken = tmp_path / "broken.json"
    broken.write_bytes(b'{"id": "x",\n  "id": "y"}')
    ok = write(tmp_path / "ok.json", json.loads((Path(__file__).resolve().parents[1] / "fixtures"
                                                 / "declarations" / "battery-pack.json")
                                                .read_text(encoding="utf-8")))
    result = CliRunner().invoke(cli, ["validate", str(bad), str(broken), str(ok), str(tmp_path)])
    assert result.exit_code == 1
    out = result.output
    assert (f"{bad}: $.pcf.declaredUnitOfMeasurement: error: the string 'kilogramm' is not one "
            "of") in out
    assert "did you mean 'kilogram'?" in out
    assert f"{broken}: $: error: line 2, column 3: duplicate key" in out
    assert f"{ok}: valid" in out
    # the folder stands for its *.json files, each checked once more; then the totals
    assert out.count(f"{ok}: valid") == 2
    assert out.splitlines()[-1] == "invalid: 6 file(s), 2 valid, 4 invalid"
    empty = tmp_path / "empty"
    empty.mkdir()
    result = CliRunner().invoke(cli, ["validate", str(empty)])
    assert result.exit_code == 1
    assert f"{empty}: is a folder without declarations or bundles (*.json)" in result.output


def test_json_format(tmp_path: Path, battery_declaration: dict[str, Any]) -> None:
    battery_declaration["pcf"]["fossilGhgEmissions"] = 55.71
    path = write(tmp_path / "n.json", battery_declaration)
    result = CliRunner().invoke(cli, ["validate", "--format", "json", str(path)])
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["valid"] is False
    (finding,) = [f for f in report["files"][0]["findings"]
                  if f["path"] == "$.pcf.fossilGhgEmissions"]
    assert finding["code"] == "number_not_decimal_string" and finding["source"] == str(path)


def test_signed_bundle_and_stdin(battery_declaration: dict[str, Any]) -> None:
    bundle = {"declaration": battery_declaration, "signatures": []}
    result = CliRunner().invoke(cli, ["validate", "-"], input=dumps_pretty(bundle))
    assert result.exit_code == 0, result.output
    battery_declaration["status"] = "Old"
    result = CliRunner().invoke(cli, ["validate", "-"], input=dumps_pretty(bundle))
    assert result.exit_code == 1
    assert "<stdin>: $.declaration.status: error:" in result.output


def test_usage_errors() -> None:
    assert CliRunner().invoke(cli, ["validate"]).exit_code == 2
    assert CliRunner().invoke(cli, ["validate", "--format", "xml", "x"]).exit_code == 2
