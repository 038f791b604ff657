from __future__ import annotations

from pathlib import Path
from typing import Any

from click.testing import CliRunner
from shared_reference import REFERENCE_DIR, needs_reference

from cfl.cli.main import cli
from cfl.io.jsonio import dumps_pretty, loads_strict

PACT = REFERENCE_DIR / "pact"


@needs_reference
def test_import_v2_and_export(tmp_path: Path) -> None:
    out = tmp_path / "d.json"
    result = CliRunner().invoke(cli, ["import", "pact",
                                      str(PACT / "v2.3.3" / "get-footprint-response.json"),
                                      "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "$.pcf.landManagementGhgEmissions: dropped" in result.output
    assert loads_strict(out.read_bytes())["specVersion"] == "3.0.0"
    exported = CliRunner().invoke(cli, ["export", "pact", str(out)])
    assert exported.exit_code == 0
    assert loads_strict(exported.stdout.encode())["pcf"]["pcfExcludingBiogenicUptake"] == "1.63"


def test_import_list_needs_folder(tmp_path: Path, battery_declaration: dict[str, Any]) -> None:
    response = tmp_path / "r.json"
    response.write_text(dumps_pretty({"data": [battery_declaration]}), encoding="utf-8")
    assert CliRunner().invoke(cli, ["import", "pact", str(response)]).exit_code == 2
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["import", "pact", str(response), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / f"{battery_declaration['id']}.json").exists()


def test_import_bad_footprint_reports_and_fails(tmp_path: Path,
                                                battery_declaration: dict[str, Any]) -> None:
    bad = dict(battery_declaration, status="Gone")
    response = tmp_path / "r.json"
    response.write_text(dumps_pretty({"data": [battery_declaration, bad]}), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["import", "pact", str(response), "-o", str(out)])
    assert result.exit_code == 1
    assert f"{response}: $.data[1].status: error:" in result.output
    assert len(list(out.iterdir())) == 1


def test_export_keeps_extension_on_request(tmp_path: Path,
                                           battery_declaration: dict[str, Any]) -> None:
    path = tmp_path / "d.json"
    path.write_text(dumps_pretty(battery_declaration), encoding="utf-8")
    plain = CliRunner().invoke(cli, ["export", "pact", str(path)])
    assert "extensions" not in loads_strict(plain.stdout.encode())
    kept = CliRunner().invoke(cli, ["export", "pact", "--keep-cfl-extension", str(path)])
    assert loads_strict(kept.stdout.encode())["extensions"]


def test_export_refuses_bundle(tmp_path: Path, battery_declaration: dict[str, Any]) -> None:
    path = tmp_path / "b.json"
    path.write_text(dumps_pretty({"declaration": battery_declaration, "signatures": []}),
                    encoding="utf-8")
    result = CliRunner().invoke(cli, ["export", "pact", str(path)])
    assert result.exit_code == 1 and "signed bundle" in result.output
