from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from cfl.declaration.friendly import (
    decimal_text,
    declaration_from_input,
    declare_csv_bytes,
    declare_file,
)
from cfl.demo.data import PRODUCTS, demo_input
from cfl.errors import InputError, InvalidDeclarationError
from cfl.io.yamlio import loads_yaml

AT = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def friendly() -> dict[str, Any]:
    data = demo_input(PRODUCTS[0], at=AT)
    del data["id"]
    return data


def test_friendly_input_makes_declaration() -> None:
    decl = declaration_from_input(friendly(), at=AT, source="in.yaml")
    assert uuid.UUID(decl.id).version == 4
    assert decl.document["created"] == "2026-03-01T00:00:00Z"
    assert decl.pcf == Decimal("0.1200")
    assert decl.document["pcf"]["pcfExcludingBiogenicUptake"] == "0.1200"
    assert decl.document["pcf"]["geographyCountry"] == "CN"
    assert decl.document["pcf"]["ipccCharacterizationFactors"] == ["AR6"]
    assert decl.document["productClassifications"] == ["urn:pact:productclassification:hs:850760"]
    assert decl.extension is not None and decl.extension["illustrative"] is True
    assert decl.warnings == ()


def test_given_id_is_kept() -> None:
    data = friendly()
    data["id"] = "3f1c2a9e-5b7d-4e8f-9a0b-1c2d3e4f5a6b"
    assert declaration_from_input(data, at=AT).id == data["id"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (12, "12"),
        (Decimal("12.50"), "12.50"),
        ("0.0001", "0.0001"),
        (Decimal("1E+2"), "100"),
        (Decimal("-0"), "0"),
        (Decimal("1.5E-7"), "0.00000015"),
    ],
)
def test_numbers_normalised_without_float(value: Any, expected: str) -> None:
    assert decimal_text(value, source=None, path="$.x") == expected


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (Decimal("NaN"), "not a finite number"),
        (Decimal("Infinity"), "not a finite number"),
        (Decimal("1E+400"), "out of range"),
        ("1e400", "exponents"),
        ("nan", "not a finite"),
        (True, "expected a number"),
        ("12,5", "expected a number"),
    ],
)
def test_bad_numbers(value: Any, fragment: str) -> None:
    with pytest.raises(InputError) as info:
        decimal_text(value, source="in.yaml", path="$.pcf")
    assert fragment in str(info.value) and str(info.value).startswith("in.yaml: $.pcf: ")


def test_yaml_nan_and_huge_numbers_are_clear_errors() -> None:
    with pytest.raises(InputError, match="line 1, column 6.*not a finite number"):
        loads_yaml(b"pcf: .nan\n", source="in.yaml")
    data = friendly()
    data["pcf"] = loads_yaml(b"pcf: 1.0e+400\n")["pcf"]
    with pytest.raises(InputError, match=r"in.yaml: \$.pcf: 1.0E\+400 is out of range"):
        declaration_from_input(data, at=AT, source="in.yaml")


def test_errors_name_input_keys() -> None:
    data = friendly()
    data["boundary"] = "cradle-to-gat"
    data["stages"]["production"] = 1
    with pytest.raises(InvalidDeclarationError) as info:
        declaration_from_input(data, at=AT, source="in.yaml")
    paths = {f.path: f for f in info.value.findings}  # type: ignore[attr-defined]
    assert "did you mean 'cradle-to-gate'?" in paths["$.boundary"].message
    assert "$.stages" in paths
    assert str(info.value).startswith("in.yaml: does not make a valid declaration: $.boundary")


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda d: d.pop("pcf"), "$.pcf: the required key 'pcf' is missing"),
        (
            lambda d: d.update(boundry="x"),
            "$.boundry: unknown key 'boundry'; did you mean 'boundary'?",
        ),
        (lambda d: d["product"].pop("category"), "$.product.category: the required key"),
        (lambda d: d.update(company="Acme"), "$.company: expected a mapping"),
        (lambda d: d["stages"].update(production="12,5"), "$.stages.production: expected a number"),
        (lambda d: d["gases"].update(n2o=-1), "$.gases.n2o"),
        (lambda d: d["referencePeriod"].update(start="2025-01-01"), "$.referencePeriod.start"),
        (lambda d: d["referencePeriod"].update(start="2025-01-01T00:00:00"), "with an offset"),
    ],
)
def test_bad_friendly_input(change: Any, fragment: str) -> None:
    data = friendly()
    change(data)
    with pytest.raises(InputError) as info:
        declaration_from_input(data, at=AT, source="in.yaml")
    text = str(info.value)
    if isinstance(info.value, InvalidDeclarationError):
        text += "\n" + "\n".join(str(f) for f in info.value.findings)
    assert fragment in text


def test_declare_file_yaml_and_json(tmp_path: Path) -> None:
    from cfl.demo.data import dump_input_yaml
    from cfl.io.jsonio import dumps_pretty

    yaml_path = tmp_path / "in.yaml"
    yaml_path.write_text(dump_input_yaml(demo_input(PRODUCTS[3], at=AT)), encoding="utf-8")
    json_path = tmp_path / "in.json"
    json_data = loads_yaml(yaml_path.read_bytes())
    json_path.write_text(dumps_pretty(_plain(json_data)), encoding="utf-8")
    a = declare_file(yaml_path, at=AT)
    b = declare_file(json_path, at=AT)
    assert a.document == b.document  # the input gives an id, so both are the same


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return format(value, "f")  # JSON input may carry numbers as strings too
    return value


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"pcf: [1, 2\n", "line 2, column 1"),
        (b"pcf: 1\npcf: 2\n", "duplicate key 'pcf'"),
        (b"\xef\xbb\xbfpcf: 1\n", "byte order mark"),
        (b"pcf: \xff\n", "not valid UTF-8"),
        (b"", "empty"),
    ],
)
def test_bad_yaml_files(tmp_path: Path, content: bytes, fragment: str) -> None:
    path = tmp_path / "in.yaml"
    path.write_bytes(content)
    with pytest.raises(InputError) as info:
        declare_file(path, at=AT)
    assert str(info.value).startswith(str(path)) and fragment in str(info.value)


CSV_HEADER = (
    "company.name,company.ids,product.names.en,product.names.zh,product.category,"
    "product.ids,declaredUnit.unit,productMassPerDeclaredUnit,referencePeriod.start,"
    "referencePeriod.end,boundary,ruleSet,gwpReport,pcf,fossilCarbonContent,"
    "exemptedEmissionsPercent,stages.rawMaterial,stages.production,geography"
)
ROW = (
    "Acme,urn:uscc:91350100M000100Y43,Steel coil,热轧钢卷,steel,urn:gtin:06901234567892,"
    "kilogram,1,2025-01-01T00:00:00Z,2026-01-01T00:00:00Z,cradle-to-gate,gbt-24067-2024,"
    "AR6,2.10,0,0.5,0.55,1.55,CN"
)


def test_csv_batch_reports_every_row() -> None:
    short = ",".join(ROW.split(",")[:10])
    bad_value = ROW.replace("cradle-to-gate", "cradle-to-gat")
    text = "\n".join([CSV_HEADER, ROW, short, bad_value, ROW.replace(",CN", ",JP")]) + "\n"
    result = declare_csv_bytes(text.encode("utf-8"), at=AT, source="batch.csv")
    assert [r.row for r in result.rows] == [2, 3, 4, 5]
    assert [r.error is None for r in result.rows] == [True, False, False, True]
    assert not result.ok and len(result.declarations) == 2
    short_error = str(result.rows[1].error)
    assert short_error.startswith("batch.csv: row 3: has 10 cells but the header has 19 columns")
    assert "missing column(s): boundary, ruleSet" in short_error
    bad = result.rows[2].error
    assert isinstance(bad, InvalidDeclarationError)
    assert any(
        f.path == "row 4, column boundary" and f.source == "batch.csv"  # type: ignore[attr-defined]
        for f in bad.findings
    )
    assert str(bad).startswith("batch.csv: does not make a valid declaration: row 4, column "
                               "boundary: ")
    decl = result.declarations[0]
    assert decl.pcf == Decimal("2.10") and decl.product_names["zh"] == "热轧钢卷"


def test_csv_empty_and_header_only() -> None:
    with pytest.raises(InputError, match="empty"):
        declare_csv_bytes(b"", at=AT, source="b.csv")
    with pytest.raises(InputError, match="no rows"):
        declare_csv_bytes(CSV_HEADER.encode(), at=AT, source="b.csv")
    with pytest.raises(InputError, match="repeats column"):
        declare_csv_bytes(b"pcf,pcf\n1,2\n", at=AT, source="b.csv")


def test_documented_example_is_valid() -> None:
    import re

    guide = Path(__file__).resolve().parents[2] / "docs" / "cli-declarations.md"
    block = re.search(r"```yaml\n(.*?)```", guide.read_text(encoding="utf-8"), re.S)
    assert block is not None
    decl = declaration_from_input(
        loads_yaml(block.group(1).encode("utf-8")), at=AT, source="docs/cli-declarations.md"
    )
    assert decl.warnings == () and decl.product_category == "lithium-ion-battery"


# --------------------------------------------------------------------------- CSV row ids

def _csv(*rows: str, header: str = CSV_HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def _ids(data: bytes) -> list[str | None]:
    result = declare_csv_bytes(data, at=AT, source="b.csv")
    return [r.declaration.id if r.declaration is not None else None for r in result.rows]


def test_csv_ids_come_from_the_rows_cells() -> None:
    """Before: a UUID v4 per row, so running a list twice doubled its declarations."""
    other = ROW.replace(",CN", ",JP")
    first = _ids(_csv(ROW, other))
    assert first == _ids(_csv(ROW, other))            # the same list again
    assert first[::-1] == _ids(_csv(other, ROW))      # rows moved
    columns = CSV_HEADER.split(",")
    cells = ROW.split(",")
    order = list(reversed(range(len(columns))))
    moved = _csv(",".join(cells[i] for i in order), header=",".join(columns[i] for i in order))
    assert _ids(moved) == first[:1]                   # columns moved
    assert _ids(_csv(ROW.replace("2.10", "2.1"))) != first[:1]  # a changed cell: a new id


def test_the_row_key_recipe_is_pinned() -> None:
    """docs/cli-declarations.md states the recipe; this vector keeps it (and the ids users
    already hold) from changing unnoticed."""
    from cfl.declaration.friendly import row_key, row_key_id

    cells = {"company.ids": " urn:a ", "pcf": "1.5", "id": "", "product.ids": "urn:b",
             "comment": ""}
    assert row_key(cells) == ('["cfl-csv-row-key/1",[["company.ids","urn:a"],["pcf","1.5"],'
                              '["product.ids","urn:b"]]]')
    assert row_key_id(cells) == "c354806a-7b31-54ab-b761-142dd438a458"


def test_two_rows_that_make_one_declaration_are_an_error_about_the_later() -> None:
    result = declare_csv_bytes(_csv(ROW, ROW), at=AT, source="b.csv")
    assert result.rows[0].error is None
    error = result.rows[1].error
    assert isinstance(error, InputError) and error.code == "duplicate_row_key"
    assert "row 3" in str(error) and "repeats row 2" in str(error)
    same = "3f1c2a9e-5b7d-4e8f-9a0b-1c2d3e4f5a6b,"
    given = _csv(same + ROW, same + ROW.replace(",CN", ",JP"), header="id," + CSV_HEADER)
    result = declare_csv_bytes(given, at=AT, source="b.csv")
    assert result.rows[1].error is not None and result.rows[1].error.code == "duplicate_row_key"


def test_an_id_cell_is_used_as_it_is() -> None:
    declared = _ids(_csv("3f1c2a9e-5b7d-4e8f-9a0b-1c2d3e4f5a6b," + ROW,
                         header="id," + CSV_HEADER))
    assert declared == ["3f1c2a9e-5b7d-4e8f-9a0b-1c2d3e4f5a6b"]
