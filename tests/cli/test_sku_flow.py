"""The product-list flow of docs/cli-batch.md, run as written: a SKU list in two encodings →
declarations named by SKU → one batch signature → batch labels → three revoked by their
label files → every label verified; then the same commands again change nothing.

The normal suite runs it with 40 SKUs; the full 2,000 is marked slow."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner
from doc_commands import shell_commands

from cfl.cli import options
from cfl.cli.main import cli
from cfl.declaration.csv_example import example_csv

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli-batch.md"
AT = dt.datetime(2026, 11, 21, tzinfo=dt.UTC)
REVOKED = ("SKU-0003", "SKU-0017", "SKU-0029")


def project_toml() -> str:
    text = DOC.read_text(encoding="utf-8")
    block = re.search(r"`cfl.toml` for this flow:\n\n```toml\n(.*?)```", text, re.S)
    assert block is not None, "docs/cli-batch.md lost its cfl.toml block"
    return block.group(1)


def write_product_lists(count: int) -> None:
    """products.csv (UTF-8 with the byte order mark "CSV UTF-8" writes) and
    products-gbk.csv (GB18030, as Excel on Chinese Windows saves), half the SKUs each."""
    header, row = list(csv.reader(io.StringIO(example_csv())))
    names = header.index("product.names.en")
    gtin = header.index("product.ids")
    lists: list[list[list[str]]] = [[["sku", *header]], [["sku", *header]]]
    for number in range(count):
        cells = list(row)
        cells[names] = f"LFP cell 280 Ah, batch {number}"
        cells[gtin] = gtin_of(number)
        lists[number % 2].append([f"SKU-{number:04d}", *cells])
    for rows, (name, encoding) in zip(lists, (("products.csv", "utf-8-sig"),
                                              ("products-gbk.csv", "gb18030")), strict=True):
        buffer = io.StringIO(newline="")
        csv.writer(buffer).writerows(rows)
        Path(name).write_bytes(buffer.getvalue().encode(encoding))


def gtin_of(number: int) -> str:
    """A GTIN-14 with a valid GS1 check digit, one per SKU."""
    body = f"0690123{number:06d}"
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return f"urn:gtin:{body}{(10 - total % 10) % 10}"


def snapshot() -> dict[str, str]:
    files = [p for folder in ("declarations", "bundles", "labels", "site")
             for p in sorted(Path(folder).iterdir()) if not p.name.startswith(".")
             ] + [Path("revocations.json")]  # hidden files: a batch's own bookkeeping
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


@pytest.mark.parametrize("count", [40, pytest.param(2000, marks=pytest.mark.slow)])
def test_the_product_list_flow_runs_as_written_and_again_changes_nothing(
        count: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(options, "current_time", lambda: AT)
    monkeypatch.setenv("CFL_KEY_PASSPHRASE", "product list passphrase")
    monkeypatch.delenv("CFL_CONFIG", raising=False)
    Path("cfl.toml").write_text(project_toml(), encoding="utf-8")
    write_product_lists(count)
    commands = shell_commands(DOC, "## The flow")
    first_flow_step = next(i for i, c in enumerate(commands) if "products.csv" in c)
    runner = CliRunner()
    for command in commands:
        argv = shlex.split(command)
        assert argv[0] == "cfl", command
        result = runner.invoke(cli, argv[1:])
        if argv[1] == "verify":
            assert result.exit_code == 1, result.output
            assert result.stdout.splitlines()[-1] == (
                f"FAILED: {count} verified: {count - 3} PASSED, 3 FAILED, 0 INDETERMINATE")
        else:
            assert result.exit_code == 0, f"{command}\n{result.output}"
    assert len(list(Path("declarations").iterdir())) == count
    labels = sorted(p.stem for p in Path("labels").glob("*.pdf"))
    assert len(labels) == count and labels[:2] == ["SKU-0000", "SKU-0001"]
    before = snapshot()
    for command in commands[first_flow_step:]:
        argv = shlex.split(command)
        result = runner.invoke(cli, argv[1:])
        assert result.exit_code == (1 if argv[1] == "verify" else 0), result.output
        if argv[1] == "sign":
            assert f"0 signed, 0 replaced, {count} already signed" in result.stdout
        if argv[1] == "revoke" and len(argv) > 2:
            assert "nothing new to revoke (3 already revoked)" in result.output
    assert snapshot() == before
    failed = runner.invoke(cli, ["verify", "labels/", "--format", "json"])
    bad = sorted(Path(r["subject"]).stem for r in json.loads(failed.stdout)[
        "reports"] if r["bottomLine"] == "FAILED")
    assert bad == list(REVOKED)
