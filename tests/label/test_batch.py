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
from cfl.label.readback import extract_bundle, extract_bundles, verify_label


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
    assert len(reader.trailer["/Root"]["/AF"]) == 7
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
