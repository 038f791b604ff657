"""``cfl declare`` on a CSV product list: one declaration per row, written to a folder.

Outputs are named after a column (``--name-by sku``; a column that is not a friendly input
key is then kept beside the declaration, ``--extra-columns keep``) or the declaration id. A
row whose output already holds the same declaration (apart from its id and creation time) is left as
it is, so running the same list again changes nothing; a changed row replaces its output and
says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from cfl.cli.jsonout import json_document
from cfl.cli.options import output_name
from cfl.cli.ui import ui
from cfl.declaration.csv_example import example_csv
from cfl.declaration.csv_input import file_name
from cfl.declaration.friendly import declare_csv_bytes, extra_column
from cfl.errors import CflError, InputError, InvalidDeclarationError, OutputError
from cfl.findings import Finding
from cfl.io.atomic import write_atomic
from cfl.io.jsonio import dumps_pretty, loads_strict, read_bytes
from cfl.signing.jcs import canonical_bytes

#: Bound on a product list, checked before it is read.
MAX_CSV_BYTES = 64 * 1024 * 1024
#: Members of a declaration that differ between two runs over the same row.
_PER_RUN = ("id", "created")


def declare_batch(input_path: Path, output: Path, *, at: dt.datetime, name_by: str | None,
                  encoding: str, extra_columns: str, output_format: str) -> None:
    """Declarations for every row of ``input_path`` into the folder ``output``."""
    if str(output) == "-":
        raise click.UsageError("a CSV input makes one declaration per row: give a folder "
                               "with -o DIR")
    if output.exists() and not output.is_dir():
        raise click.UsageError(f"{output} is not a folder; a CSV input needs -o DIR")
    source = "<stdin>" if str(input_path) == "-" else str(input_path)
    data = read_bytes(input_path, max_bytes=MAX_CSV_BYTES)
    if name_by is not None and extra_column(name_by) and extra_columns == "error":
        extra_columns = "keep"  # the naming column is the row's own data, not an input key
    out = ui()
    rows = data.count(b"\n")
    with out.progress(rows, "declarations") as advance:
        result = declare_csv_bytes(data, at=at, source=source, encoding=encoding,
                                   extra_columns=extra_columns, progress=advance)
    if name_by is not None and name_by not in result.header:
        raise InputError(f"has no column {name_by!r} to name the outputs by (--name-by); the "
                         f"columns are {', '.join(result.header)}", source=source,
                         location="row 1", code="missing_column")
    items: list[dict[str, Any]] = []
    used: dict[str, int] = {}
    counts = {"written": 0, "replaced": 0, "unchanged": 0, "failed": 0}
    for outcome in result.rows:
        item: dict[str, Any] = {"row": outcome.row}
        if extra_columns == "keep" and outcome.extra:
            item["extra"] = outcome.extra
        try:
            if outcome.error is not None:
                raise outcome.error
            assert outcome.declaration is not None
            stem = _stem(outcome.row, outcome.declaration.id, outcome.cells, name_by, used,
                         source)
            target = output / f"{stem}.json"
            document = outcome.declaration.document
            status = _write(target, document, output)
            declaration_id = _read_id(target) if status == "unchanged" else \
                outcome.declaration.id
            item.update(id=declaration_id, file=str(target), status=status)
            counts[status] += 1
        except CflError as exc:
            _echo_error(exc)
            item.update(status="failed", error={"code": exc.code, "message": str(exc)})
            counts["failed"] += 1
        items.append(item)
    total = len(result.rows)
    if output_format == "json":
        out.result(json_document("declare", {
            "input": source, "output": str(output), "nameBy": name_by, "encoding": encoding,
            "rows": items, "totals": {"rows": total, **counts}}), nl=False)
    else:
        for item in items:
            if item["status"] != "failed":
                out.item(f"{item['status']:9} row {item['row']} → {item['file']}")
        out.total(f"{total} row(s): {counts['written']} written, {counts['replaced']} replaced, "
                  f"{counts['unchanged']} unchanged, {counts['failed']} failed (in {output})")
    if counts["failed"]:
        raise click.ClickException(f"{source}: {counts['failed']} of {total} row(s) failed")


def _stem(row: int, declaration_id: str, cells: Mapping[str, str], name_by: str | None,
          used: dict[str, int], source: str) -> str:
    if name_by is None:
        return declaration_id
    value = cells.get(name_by)
    if not value:
        raise InputError(f"column {name_by}: is empty; the outputs are named by it "
                         "(--name-by), so every row needs a value", source=source,
                         location=f"row {row}", code="empty_name")
    stem = file_name(value)
    if stem in used:
        raise InputError(f"column {name_by}: {value!r} names row {used[stem]} already; each "
                         "row needs its own name", source=source, location=f"row {row}",
                         code="duplicate_name")
    used[stem] = row
    return stem


def _write(target: Path, document: dict[str, Any], folder: Path) -> str:
    """Write ``document`` to ``target`` unless it holds the same declaration already;
    ``written``, ``replaced`` or ``unchanged``."""
    previous = _previous(target)
    if previous is not None and _same(previous, document):
        return "unchanged"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{folder}: cannot create the folder ({exc.strerror})") from None
    write_atomic(target, dumps_pretty(document))
    return "written" if previous is None else "replaced"


def _previous(target: Path) -> dict[str, Any] | None:
    """The declaration ``target`` holds (``{}`` if it is not one), None if there is none."""
    if not target.is_file():
        return None
    try:
        value = loads_strict(read_bytes(target), source=str(target))
    except CflError:
        return {}
    return value if isinstance(value, dict) else {}


def _same(previous: dict[str, Any], document: dict[str, Any]) -> bool:
    """The same declaration apart from its id and creation time (compared as JCS bytes)."""
    if not previous:
        return False
    try:
        return canonical_bytes(_without_run(previous)) == canonical_bytes(_without_run(document))
    except (CflError, TypeError, ValueError):
        return False


def _without_run(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key not in _PER_RUN}


def _read_id(target: Path) -> str | None:
    previous = _previous(target)
    value = previous.get("id") if previous else None
    return value if isinstance(value, str) else None


def _echo_error(exc: CflError) -> None:
    if isinstance(exc, InvalidDeclarationError):
        for finding in exc.findings:
            if isinstance(finding, Finding):
                click.echo(str(finding), err=True)
    else:
        click.echo(str(exc), err=True)


def write_example_csv(output: Path, output_format: str) -> None:
    """``--example-csv``: the example to ``output`` (a file or ``-``)."""
    if str(output) != "-" and output.is_dir():
        raise click.BadParameter(f"{output} is a folder; give the file name of the example "
                                 "CSV, such as products.csv", param_hint="-o")
    text = example_csv()
    write_atomic(output, text)
    if output_format == "json":
        click.echo(json_document("declare", {"exampleCsv": output_name(output),
                                             "columns": len(text.splitlines()[0].split(","))}),
                   nl=False, err=str(output) == "-")
    elif str(output) != "-":
        ui().note(f"wrote {output}: the header and one example row (illustrative); replace "
                  "the row with your products, then run cfl declare "
                  f"{output} -o declarations/")
