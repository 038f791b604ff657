"""`cfl declare` on a product list: an example to start from, outputs named by a column,
running again changes nothing, spreadsheet encodings."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from click.testing import CliRunner, Result

from cfl.cli.main import cli
from cfl.declaration.csv_example import example_csv

AT = "2026-03-01T00:00:00Z"


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def product_list(path: Path, count: int, *, encoding: str = "utf-8") -> Path:
    header, row = list(csv.reader(io.StringIO(example_csv())))
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(["sku", *header])
    names = header.index("product.names.en")
    for number in range(count):  # products differ (or they would make one declaration)
        cells = list(row)
        cells[names] = f"{cells[names]} batch {number}"
        writer.writerow([f"SKU-{number:04d}", *cells])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def test_the_example_csv_makes_a_valid_declaration(tmp_path: Path) -> None:
    example = tmp_path / "products.csv"
    assert run("declare", "--example-csv", "-o", example).exit_code == 0
    assert example.read_bytes() == example_csv().encode("utf-8")
    result = run("declare", example, "-o", tmp_path / "out", "--at", AT)
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "out").iterdir())) == 1
    printed = run("declare", "--example-csv")
    assert printed.stdout.splitlines() == example_csv().splitlines()


def test_outputs_named_by_a_column_and_a_second_run_changes_nothing(tmp_path: Path) -> None:
    listing = product_list(tmp_path / "list.csv", 4)
    out = tmp_path / "declarations"
    first = run("declare", listing, "-o", out, "--name-by", "sku", "--at", AT)
    assert first.exit_code == 0, first.output
    assert sorted(p.name for p in out.iterdir()) == [f"SKU-{n:04d}.json" for n in range(4)]
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    again = run("declare", listing, "-o", out, "--name-by", "sku", "--format", "json")
    assert again.exit_code == 0
    assert json.loads(again.stdout)["totals"]["unchanged"] == 4
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    changed = listing.read_text(encoding="utf-8").replace("58.10,13.32", "58.00,13.42", 1)
    listing.write_text(changed, encoding="utf-8")
    third = run("declare", listing, "-o", out, "--name-by", "sku", "--summary")
    assert third.exit_code == 0
    assert third.stdout.startswith("4 row(s): 0 written, 1 replaced, 3 unchanged, 0 failed")
    assert len(list(out.iterdir())) == 4  # replaced, not duplicated


def test_naming_problems_name_the_row_and_column(tmp_path: Path) -> None:
    listing = product_list(tmp_path / "list.csv", 3)
    text = listing.read_text(encoding="utf-8").splitlines()
    text[2] = text[2].replace("SKU-0001,", "SKU-0000,", 1)
    text[3] = "," + text[3].split(",", 1)[1]
    listing.write_text("\n".join(text) + "\n", encoding="utf-8")
    result = run("declare", listing, "-o", tmp_path / "out", "--name-by", "sku", "--at", AT)
    assert result.exit_code == 1
    assert f"{listing}: row 3: column sku: 'SKU-0000' names row 2 already" in result.output
    assert f"{listing}: row 4: column sku: is empty" in result.output
    missing = run("declare", listing, "-o", tmp_path / "out", "--name-by", "gtin")
    assert missing.exit_code == 1 and "has no column 'gtin'" in missing.output


def test_spreadsheet_encodings(tmp_path: Path) -> None:
    for encoding in ("gb18030", "utf-16"):
        listing = product_list(tmp_path / f"{encoding}.csv", 2, encoding=encoding)
        result = run("declare", listing, "-o", tmp_path / encoding, "--name-by", "sku",
                     "--encoding", encoding, "--at", AT)
        assert result.exit_code == 0, result.output
        data = json.loads((tmp_path / encoding / "SKU-0000.json").read_text(encoding="utf-8"))
        assert data["extensions"][0]["data"]["productNames"]["zh"] == "磷酸铁锂电芯 280 Ah"
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + product_list(tmp_path / "plain.csv", 1).read_bytes())
    assert run("declare", bom, "-o", tmp_path / "bom", "--name-by", "sku", "--at",
               AT).exit_code == 0
    wrong = run("declare", tmp_path / "gb18030.csv", "-o", tmp_path / "x", "--name-by", "sku",
                "--at", AT)
    assert wrong.exit_code == 1
    assert "row 2, column product.names.zh: is not utf-8 text (bytes" in wrong.output
    assert "CSV UTF-8" in wrong.output and "--encoding gb18030" in wrong.output


def test_one_row_in_another_encoding_fails_alone(tmp_path: Path) -> None:
    """A row pasted from a GBK sheet into a UTF-8 file: that row is refused with the hint,
    every other row is declared."""
    listing = product_list(tmp_path / "list.csv", 3)
    lines = listing.read_bytes().split(b"\r\n")
    lines[2] = lines[2].decode("utf-8").encode("gb18030")
    listing.write_bytes(b"\r\n".join(lines))
    result = run("declare", listing, "-o", tmp_path / "out", "--name-by", "sku", "--at", AT)
    assert result.exit_code == 1
    assert f"{listing}: row 3, column product.names.zh: is not utf-8 text" in result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["SKU-0000.json",
                                                                    "SKU-0002.json"]


def test_row_and_column_errors_say_what_was_expected(tmp_path: Path) -> None:
    header, row = list(csv.reader(io.StringIO(example_csv())))

    def changed(column: str, value: str, number: int) -> list[str]:
        cells = list(row)
        cells[header.index(column)] = value
        cells[header.index("product.names.en")] += f" {number}"
        return cells

    rows = [header, changed("pcf", "", 1), changed("pcf", "71,42", 2),
            changed("stages.production", "-13.32", 3), changed("company.ids", "urn:uscc:x", 4)]
    listing = tmp_path / "bad.csv"
    with listing.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    result = run("declare", listing, "-o", tmp_path / "out", "--at", AT)
    assert result.exit_code == 1
    out = result.output
    assert f"{listing}: row 2, column pcf: is empty; a value is required here" in out
    assert f"{listing}: row 3, column pcf: expected a number such as 12.5, got '71,42' (a " \
        "decimal comma? write 71.42" in out
    assert f"{listing}: row 4, column stages.production: is -13.32: the production stage " \
        "holds emissions" in out
    assert f"{listing}: row 5, column company.ids: error: USCC" in out


def test_extra_columns_kept_or_ignored(tmp_path: Path) -> None:
    listing = product_list(tmp_path / "list.csv", 2)
    refused = run("declare", listing, "-o", tmp_path / "a")
    assert refused.exit_code == 1 and "--extra-columns keep" in refused.output
    kept = run("declare", listing, "-o", tmp_path / "b", "--extra-columns", "keep",
               "--format", "json", "--at", AT)
    assert kept.exit_code == 0, kept.output
    rows = json.loads(kept.stdout)["rows"]
    assert [r["extra"] for r in rows] == [{"sku": "SKU-0000"}, {"sku": "SKU-0001"}]
    ignored = run("declare", listing, "-o", tmp_path / "c", "--extra-columns", "ignore",
                  "--at", AT)
    assert ignored.exit_code == 0
    kept_ids = sorted(p.name for p in (tmp_path / "b").iterdir())
    ignored_ids = sorted(p.name for p in (tmp_path / "c").iterdir())
    assert kept_ids != ignored_ids  # the kept column is part of each row's id
