"""One-PDF batches with worker processes (ADR 0161): the workers check the inputs and
render whole parts, the calling process joins them; the result reads as a batch rendered
in one process, and bad inputs are reported the same way."""

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


@pytest.mark.parametrize("pages_per_part", [3, 500])
def test_workers_render_the_same_labels_as_one_process(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pages_per_part: int) -> None:
    monkeypatch.setattr(batch, "PAGES_PER_PART", pages_per_part)
    items = batch.collect_items(bundles(tmp_path / "in", 7))
    one, two = tmp_path / "one.pdf", tmp_path / "two.pdf"
    batch.render_batch(items, template="sticker", at=AT, output=one)
    result = batch.render_batch(items, template="sticker", at=AT, output=two, jobs=2)
    assert result.written == 7
    pdf = two.read_bytes()
    reader = pypdf.PdfReader(io.BytesIO(pdf), strict=True)  # an independent reader
    assert len(reader.pages) == 7 and reader.trailer["/Root"]["/Pages"]["/Count"] == 7
    assert extract_bundles(pdf) == extract_bundles(one.read_bytes())
    for page in range(7):
        assert extract_bundle(pdf, page=page) == bundle_bytes("battery" if page % 2 == 0
                                                              else "other")
    report = verify_label(pdf, world().context(), at=AT)
    assert report.passed, report.summary()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_bad_inputs_found_by_the_workers_are_reported_before_anything_is_written(
        tmp_path: Path) -> None:
    folder = bundles(tmp_path / "in", 6)
    (folder / "sku-01.json").write_bytes(b"{}")
    (folder / "sku-04.json").write_bytes(b"not json")
    sheet = tmp_path / "skus.csv"
    sheet.write_text("bundle,name\n" + "".join(
        f"in/sku-{i:02d}.json,n{i}\n" for i in range(6)) + ",empty\n")
    items = batch.collect_items(sheet)
    output = tmp_path / "labels.pdf"
    with pytest.raises(batch.BatchInputError) as err:
        batch.render_batch(items, template="sticker", at=AT, output=output, jobs=2)
    problems = err.value.problems
    assert [p.location for p in problems] == ["row 3", "row 6", "row 8"]
    assert all(p.source == str(sheet) for p in problems)
    with pytest.raises(batch.BatchInputError) as serial:
        batch.render_batch(items, template="sticker", at=AT, output=output)
    assert [(p.code, p.location, p.message) for p in problems] == \
        [(p.code, p.location, p.message) for p in serial.value.problems]
    assert not output.exists()
