from __future__ import annotations

import datetime as dt
from pathlib import Path

from click.testing import CliRunner

from cfl.cli.main import cli
from cfl.declaration.model import Declaration
from cfl.demo.data import PRODUCTS, demo_input, dump_input_yaml
from cfl.io.jsonio import loads_strict

AT = "2026-03-01T00:00:00Z"


def input_file(tmp_path: Path, index: int = 4) -> Path:
    data = demo_input(PRODUCTS[index], at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC))
    del data["id"]
    path = tmp_path / "in.yaml"
    path.write_text(dump_input_yaml(data), encoding="utf-8")
    return path


def test_declare_to_file(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    result = CliRunner().invoke(cli, ["declare", str(input_file(tmp_path)), "-o", str(out),
                                      "--at", AT])
    assert result.exit_code == 0, result.output
    decl = Declaration.from_json(loads_strict(out.read_bytes()))
    assert decl.document["created"] == AT and decl.declared_amount == 1000


def test_declare_to_stdout(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["declare", str(input_file(tmp_path)), "--at", AT])
    assert result.exit_code == 0
    assert loads_strict(result.stdout.encode())["specVersion"] == "3.0.0"


def test_bad_input_writes_nothing(tmp_path: Path) -> None:
    path = input_file(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace("boundary: cradle-to-gate",
                                                             "boundary: cradle2gate"),
                    encoding="utf-8")
    out = tmp_path / "out.json"
    result = CliRunner().invoke(cli, ["declare", str(path), "-o", str(out), "--at", AT])
    assert result.exit_code == 1
    assert f"{path}: $.boundary: error:" in result.output
    assert "did you mean 'cradle-to-gate'?" in result.output
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left either


def test_malformed_yaml_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "in.yaml"
    path.write_text("company:\n  name: [unclosed\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["declare", str(path)])
    assert result.exit_code == 1
    assert f"Error: {path}: line 3, column 1: is not valid YAML" in result.output


def test_bad_time_is_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["declare", str(input_file(tmp_path)), "--at",
                                      "2026-03-01T00:00:00"])
    assert result.exit_code == 2 and "offset" in result.output


CSV = (
    "company.name,company.ids,product.names.en,product.category,product.ids,declaredUnit.unit,"
    "productMassPerDeclaredUnit,referencePeriod.start,referencePeriod.end,boundary,ruleSet,"
    "gwpReport,pcf,fossilCarbonContent,exemptedEmissionsPercent\n"
    "Acme,urn:uscc:91350100M000100Y43,Glass,flat-glass,urn:gtin:06901234567892,kilogram,1,"
    "2025-01-01T00:00:00Z,2026-01-01T00:00:00Z,cradle-to-gate,gbt-24067-2024,AR6,1.2,0,0\n"
    "Acme,urn:uscc:91350100M000100Y43,Glass\n"
    "Acme,urn:uscc:91350100M000100Y43,Glass,flat-glass,urn:gtin:06901234567892,kilogram,1,"
    "2025-01-01T00:00:00Z,2026-01-01T00:00:00Z,cradle-to-gate,gbt-24067-2024,AR6,1.3,0,0\n"
)


def test_csv_batch(tmp_path: Path) -> None:
    path = tmp_path / "batch.csv"
    path.write_text(CSV, encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["declare", str(path), "-o", str(out), "--at", AT])
    assert result.exit_code == 1
    assert f"{path}: row 3: has 3 cells but the header has 15 columns" in result.output
    assert "1 of 3 row(s) failed" in result.output
    written = sorted(out.iterdir())
    assert len(written) == 2
    pcfs = sorted(Declaration.from_json(loads_strict(p.read_bytes())).pcf for p in written)
    assert [str(p) for p in pcfs] == ["1.2", "1.3"]


def test_csv_needs_output_folder(tmp_path: Path) -> None:
    path = tmp_path / "batch.csv"
    path.write_text(CSV, encoding="utf-8")
    assert CliRunner().invoke(cli, ["declare", str(path)]).exit_code == 2
