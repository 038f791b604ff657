"""Product lists in `declare_csv_bytes`: encodings row by row, columns of your own, problems
said as row and column, decimal commas, negative stages, progress."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from cfl.declaration.csv_example import example_csv
from cfl.declaration.friendly import declare_csv_bytes
from cfl.errors import InputError

AT = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
HEADER, ROW = list(csv.reader(io.StringIO(example_csv())))


def table(*rows: list[str], header: list[str] = HEADER) -> str:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows([header, *rows])
    return buffer.getvalue()


def row(number: int, **cells: str) -> list[str]:
    out = list(ROW)
    out[HEADER.index("product.names.en")] += f" {number}"
    for column, value in cells.items():
        out[HEADER.index(column.replace("__", "."))] = value
    return out


def test_a_row_in_another_encoding_fails_alone_with_the_hint() -> None:
    text = table(row(1), row(2), row(3))
    lines = text.encode("utf-8").split(b"\r\n")
    lines[2] = lines[2].decode("utf-8").encode("gb18030")
    result = declare_csv_bytes(b"\r\n".join(lines), at=AT, source="l.csv")
    assert [r.error is None for r in result.rows] == [True, False, True]
    error = str(result.rows[1].error)
    assert error.startswith("l.csv: row 3, column product.names.zh: is not utf-8 text (bytes")
    assert "CSV UTF-8" in error and "--encoding gb18030" in error


@pytest.mark.parametrize("encoding, codec", [("gb18030", "gb18030"), ("gbk", "gbk"),
                                             ("utf-16", "utf-16"), ("utf-8", "utf-8-sig")])
def test_encodings(encoding: str, codec: str) -> None:
    data = table(row(1)).encode(codec)
    result = declare_csv_bytes(data, at=AT, source="l.csv", encoding=encoding)
    assert result.ok, result.rows[0].error
    assert result.declarations[0].product_names["zh"] == "磷酸铁锂电芯 280 Ah"


def test_utf16_without_saying_so_and_a_bad_header_are_one_error() -> None:
    with pytest.raises(InputError, match="--encoding utf-16"):
        declare_csv_bytes(table(row(1)).encode("utf-16"), at=AT, source="l.csv")
    header = ["产品", *HEADER]
    with pytest.raises(InputError) as info:
        declare_csv_bytes(table(["x", *row(1)], header=header).encode("gb18030"), at=AT,
                          source="l.csv")
    assert info.value.location == "row 1" and info.value.code == "bad_encoding"


def test_columns_of_your_own() -> None:
    text = table(["SKU-1", *row(1)], ["SKU-2", *row(1)], header=["sku", *HEADER])
    with pytest.raises(InputError, match="--extra-columns keep"):
        declare_csv_bytes(text.encode(), at=AT, source="l.csv")
    kept = declare_csv_bytes(text.encode(), at=AT, source="l.csv", extra_columns="keep")
    assert [r.extra for r in kept.rows] == [{"sku": "SKU-1"}, {"sku": "SKU-2"}]
    assert kept.ok and kept.rows[0].declaration is not None
    ids = {r.declaration.id for r in kept.rows if r.declaration is not None}
    assert len(ids) == 2  # the SKU is part of each row's key
    ignored = declare_csv_bytes(text.encode(), at=AT, source="l.csv", extra_columns="ignore")
    assert [r.error is None for r in ignored.rows] == [True, False]  # the same row twice
    assert kept.header == ("sku", *HEADER)
    typo = table(row(1), header=[h.replace("boundary", "boundry") for h in HEADER])
    with pytest.raises(InputError, match="did you mean 'boundary'"):
        declare_csv_bytes(typo.encode(), at=AT, source="l.csv", extra_columns="keep")


def test_problems_are_said_as_row_and_column() -> None:
    text = table(row(1, pcf=""), row(2, pcf="71,42"), row(3, stages__production="-13.32"),
                 row(4, declaredUnit__unit="pieces"))
    result = declare_csv_bytes(text.encode(), at=AT, source="l.csv")
    messages = [str(r.error) for r in result.rows]
    assert messages[0].startswith("l.csv: row 2, column pcf: is empty; a value is required")
    assert "row 3, column pcf: expected a number such as 12.5, got '71,42' (a decimal comma? " \
        "write 71.42" in messages[1]
    assert "row 4, column stages.production: is -13.32" in messages[2]
    assert "row 5, column declaredUnit.unit: 'pieces' is not one of" in messages[3] or \
        "row 5, column declaredUnit.unit" in messages[3]


def test_negative_stages_are_refused_except_end_of_life() -> None:
    result = declare_csv_bytes(table(row(1, stages__rawMaterial="-1")).encode(), at=AT,
                               source="l.csv")
    error = result.rows[0].error
    assert isinstance(error, InputError) and error.code == "negative_stage"
    header = [*HEADER, "stages.endOfLife"]
    credit = row(2, stages__rawMaterial="59.10")
    result = declare_csv_bytes(table([*credit, "-1.00"], header=header).encode(), at=AT,
                               source="l.csv")
    assert result.ok, result.rows[0].error


def test_progress_is_called_for_every_row() -> None:
    seen: list[int] = []
    declare_csv_bytes(table(row(1), row(2), row(3)).encode(), at=AT, source="l.csv",
                      progress=seen.append)
    assert seen == [1, 1, 1]
