"""Single-PDF batches rendered in parts and merged (ADR 0029): every page keeps its bundle,
verifies, and resumes; the claims come from the bundles (no key)."""

from __future__ import annotations

import io
from pathlib import Path

import pypdf
import pytest
from label_world import bundle_bytes
from signing_world import AT, world

import cfl.label.batch as batch
from cfl.label.readback import extract_bundle, extract_bundles
from cfl.verification.label_check import verify_label


def bundles(folder: Path, count: int) -> Path:
    folder.mkdir()
    for i in range(count):
        product = "battery" if i % 2 == 0 else "other"
        (folder / f"sku-{i:02d}.json").write_bytes(bundle_bytes(product))
    return folder


def test_a_batch_in_parts_keeps_every_page_and_its_bundle(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch, "PAGES_PER_PART", 3)
    items = batch.collect_items(bundles(tmp_path / "in", 7))
    out = tmp_path / "labels.pdf"
    result = batch.render_batch(items, template="sticker", at=AT, output=out)
    assert result.written == 7
    pdf = out.read_bytes()
    reader = pypdf.PdfReader(io.BytesIO(pdf), strict=True)  # an independent reader
    assert len(reader.pages) == 7 and reader.trailer["/Root"]["/Pages"]["/Count"] == 7
    assert len(reader.trailer["/Root"]["/AF"]) == 8  # seven bundles and the render record
    files = extract_bundles(pdf)
    assert list(files) == [f"bundle-{i:05d}.json" for i in range(1, 8)]
    for page in (0, 3, 6):
        expected = bundle_bytes("battery" if page % 2 == 0 else "other")
        assert extract_bundle(pdf, page=page) == expected
        report = verify_label(pdf, world().context(), at=AT, page=page)
        assert report.passed, report.summary()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no leftovers
    again = batch.render_batch(items, template="sticker", at=AT, output=out, resume=True)
    assert (again.written, again.skipped) == (0, 7)
    (tmp_path / "in" / "sku-03.json").write_bytes(bundle_bytes("battery"))
    changed = batch.render_batch(items, template="sticker", at=AT, output=out, resume=True)
    assert changed.written == 7


def test_a_failing_part_leaves_no_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                         ) -> None:
    monkeypatch.setattr(batch, "PAGES_PER_PART", 2)
    folder = bundles(tmp_path / "in", 5)
    (folder / "sku-04.json").write_bytes(b"{}")
    out = tmp_path / "labels.pdf"
    with pytest.raises(Exception, match="sku-04"):
        batch.render_batch(batch.collect_items(folder), template="sticker", at=AT, output=out)
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_every_bad_input_is_reported_before_anything_is_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch, "PAGES_PER_PART", 2)  # the parts path validates first too
    folder = bundles(tmp_path / "in", 6)
    (folder / "sku-01.json").write_bytes(b"{}")
    (folder / "sku-03.json").write_bytes(b"not json")
    sheet = tmp_path / "skus.csv"
    sheet.write_text("bundle,name\nin/sku-00.json,a\nin/sku-01.json,b\nin/sku-02.json,a\n"
                     "in/sku-03.json,c\nin/sku-04.json,d\n,e\nin/sku-05.json,.hidden\n")
    items = batch.collect_items(sheet)
    assert [i.row for i in items if i.problem] == [4, 7, 8]  # repeated name, empty, bad name
    for output in (tmp_path / "labels.pdf", tmp_path / "out"):
        with pytest.raises(batch.BatchInputError) as err:
            batch.render_batch(items, template="sticker", at=AT, output=output,
                               to_directory=output.name == "out")
        problems = err.value.problems
        assert [p.location for p in problems] == [f"row {n}" for n in (3, 4, 5, 7, 8)]
        assert all(p.source == str(sheet) for p in problems)
        assert "two labels would be named 'a' (row 2 and row 4)" in problems[1].message
        assert str(err.value).startswith(f"{sheet}: 5 of 7 labels have bad input")
        assert not output.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    with pytest.raises(batch.BatchInputError) as err:
        batch.validate_items(batch.collect_items(folder), at=AT)
    assert [p.source for p in err.value.problems] == [str(folder / "sku-01.json"),
                                                      str(folder / "sku-03.json")]


def test_a_name_with_a_control_character_is_a_bad_row(tmp_path: Path) -> None:
    # the name becomes the output file's name: a NUL in it made mkstemp raise ValueError
    folder = bundles(tmp_path / "in", 2)
    sheet = tmp_path / "skus.csv"
    sheet.write_text("bundle,name\nin/sku-00.json,a\x00b\nin/sku-01.json,c\td\n")
    items = batch.collect_items(sheet)
    assert [str(i.problem) for i in items] == [
        f"{sheet}: row 2: the name 'a\\x00b' must be a plain file name",
        f"{sheet}: row 3: the name 'c\\td' must be a plain file name"]
    assert folder.is_dir()


def test_one_bad_input_reads_as_before(tmp_path: Path) -> None:
    folder = bundles(tmp_path / "in", 3)
    (folder / "sku-02.json").write_bytes(b"{}")
    with pytest.raises(batch.BatchInputError) as err:
        batch.render_batch(batch.collect_items(folder), template="sticker", at=AT,
                           output=tmp_path / "x.pdf")
    assert str(err.value).startswith(f"{folder / 'sku-02.json'}: ")
    assert "labels have bad input" not in str(err.value)
