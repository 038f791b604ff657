"""One-PDF batches with worker processes (ADRs 0161, 0163): each worker reads, checks and
renders whole parts, every bundle parsed once, and the calling process merges them; the
result reads as a batch rendered in one process, bad inputs are reported the same way and
nothing is left behind."""

from __future__ import annotations

import io
import os
import signal
from pathlib import Path
from typing import Any

import pypdf
import pytest
from label_world import bundle_bytes
from signing_world import AT, world

import cfl.label.batch as batch
from cfl.claim.text import DEFAULT_RESOLVER
from cfl.errors import OutputError
from cfl.label.journal import digest
from cfl.label.merge import merge_label_pdfs
from cfl.label.readback import extract_bundle, extract_bundles
from cfl.label.render import LabelRenderer
from cfl.label.templates import load_template
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
    # the merged PDF records how it was drawn, so every page is drawn again and compared
    assert [r.code for r in report.rows if r.check == "label-drawing"] == \
        ["label_drawing_agrees"] * 7
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


class _InProcessPool:
    """A pool whose workers are this process: what a worker does is seen and counted."""

    def imap(self, function: Any, jobs: Any) -> Any:
        return map(function, jobs)


def test_each_bundle_is_read_and_parsed_once_by_the_workers(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    items = batch.collect_items(bundles(tmp_path / "in", 7))
    prepared: list[str] = []
    content = batch._content

    def counted(item: batch.BatchItem, *args: Any) -> Any:
        prepared.append(item.name)
        return content(item, *args)

    monkeypatch.setattr(batch, "_content", counted)
    monkeypatch.setattr(batch, "_worker_renderer", LabelRenderer(load_template("sticker")))
    digests: list[str] = []
    pages: list[int] = []
    parts = list(batch._checked_parts_in_workers(_InProcessPool(), items, 2, AT,
                                                 DEFAULT_RESOLVER, None, digests,
                                                 pages.append))
    assert sorted(prepared) == sorted(item.name for item in items)  # once each, not twice
    assert digests == [digest(item.bundle_path.read_bytes()) for item in items]
    assert len(parts) == 4 and sum(pages) == 7  # parts of two pages: two for each worker
    merged = io.BytesIO()
    assert merge_label_pdfs(parts, merged) == 7
    assert list(extract_bundles(merged.getvalue()).values()) == [
        item.bundle_path.read_bytes() for item in items]


def test_once_an_input_is_bad_the_parts_left_are_checked_not_rendered(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = bundles(tmp_path / "in", 12)
    (folder / "sku-02.json").write_bytes(b"{}")
    (folder / "sku-11.json").write_bytes(b"not json")
    items = batch.collect_items(folder)
    rendered: list[int] = []
    render = LabelRenderer.render

    def counted(self: Any, contents: Any, *args: Any, **kwargs: Any) -> bytes:
        rendered.append(kwargs["first_page"])
        return render(self, contents, *args, **kwargs)

    monkeypatch.setattr(LabelRenderer, "render", counted)
    monkeypatch.setattr(batch, "PAGES_PER_PART", 2)
    monkeypatch.setattr(batch, "_worker_renderer", LabelRenderer(load_template("sticker")))
    parts = batch._checked_parts_in_workers(_InProcessPool(), items, 1, AT, DEFAULT_RESOLVER,
                                            None, [], lambda n: None)
    with pytest.raises(batch.BatchInputError) as err:
        list(parts)
    assert [p.source for p in err.value.problems] == [
        str(folder / "sku-02.json"), str(folder / "sku-11.json")]
    # parts of two pages, handed out two at a time: the first (pages 1-2) is rendered, the
    # second holds the bad input, and every later one is only checked
    assert rendered == [0]


def test_a_bad_input_in_the_last_part_leaves_nothing_behind(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(batch, "PAGES_PER_PART", 2)
    folder = bundles(tmp_path / "in", 9)
    (folder / "sku-08.json").write_bytes(b"{}")
    output = tmp_path / "out" / "labels.pdf"
    output.parent.mkdir()
    with pytest.raises(batch.BatchInputError) as err:
        batch.render_batch(batch.collect_items(folder), template="sticker", at=AT,
                           output=output, jobs=2)
    assert [p.source for p in err.value.problems] == [str(folder / "sku-08.json")]
    assert list(output.parent.iterdir()) == []  # no output, no temporary file
    assert not (tmp_path / "cache").exists()  # no journal either


def test_an_interrupted_parallel_one_pdf_batch_leaves_nothing_behind(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(batch, "PAGES_PER_PART", 2)
    merge = merge_label_pdfs

    def interrupted(parts: Any, out: Any) -> int:
        def first_then_stop() -> Any:
            iterator = iter(parts)
            yield next(iterator)
            raise KeyboardInterrupt

        return merge(first_then_stop(), out)

    monkeypatch.setattr(batch, "merge_label_pdfs", interrupted)
    output = tmp_path / "out" / "labels.pdf"
    output.parent.mkdir()
    with pytest.raises(KeyboardInterrupt):
        batch.render_batch(batch.collect_items(bundles(tmp_path / "in", 9)),
                           template="sticker", at=AT, output=output, jobs=2)
    assert list(output.parent.iterdir()) == []


def test_a_parallel_batch_resumes_from_its_record(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    items = batch.collect_items(bundles(tmp_path / "in", 5))
    output = tmp_path / "labels.pdf"
    batch.render_batch(items, template="sticker", at=AT, output=output, jobs=2)
    monkeypatch.setattr(batch, "_batch_complete", lambda *a: pytest.fail("read back"))
    again = batch.render_batch(items, template="sticker", at=AT, output=output, resume=True)
    assert (again.written, again.skipped) == (0, 5)


def test_a_bad_batch_lets_its_idle_workers_leave_without_a_signal(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every answer is in when the batch is found bad, so the workers are idle: they are let
    go as after a finished batch, not terminated (only Ctrl-C or SIGTERM cuts them short)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(batch, "PAGES_PER_PART", 2)
    signalled: list[str] = []
    terminate = batch._PartPool.terminate

    def recorded(self: Any) -> None:
        signalled.append("terminate")
        terminate(self)

    monkeypatch.setattr(batch._PartPool, "terminate", recorded)
    folder = bundles(tmp_path / "in", 9)
    (folder / "sku-08.json").write_bytes(b"{}")
    with pytest.raises(batch.BatchInputError):
        batch.render_batch(batch.collect_items(folder), template="sticker", at=AT,
                           output=tmp_path / "labels.pdf", jobs=2)
    assert signalled == []


def test_a_page_painted_over_in_a_merged_batch_fails(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from pypdf.generic import DecodedStreamObject, NameObject

    from cfl.report.model import Status

    monkeypatch.setattr(batch, "PAGES_PER_PART", 3)  # merged from three parts
    items = batch.collect_items(bundles(tmp_path / "in", 7))
    out = tmp_path / "batch.pdf"
    batch.render_batch(items, template="sticker", at=AT, output=out, jobs=2)
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(out.read_bytes())))
    page = writer.pages[4]  # in the second part
    stream = DecodedStreamObject()
    stream.set_data(page.get_contents().get_data()  # type: ignore[union-attr]
                    + b"\nq 1 0 0 rg 20 20 30 12 re f Q")
    page[NameObject("/Contents")] = writer._add_object(stream)
    attacked = io.BytesIO()
    writer.write(attacked)
    report = verify_label(attacked.getvalue(), world().context(), at=AT)
    assert report.bottom_line is Status.FAILED
    [differs] = [r for r in report.rows if r.code == "label_drawing_differs"]
    assert differs.subject is not None and differs.subject.startswith("page 5")


def _killed_part(job: object) -> object:
    os.kill(os.getpid(), signal.SIGKILL)
    raise AssertionError("unreachable")


def test_a_worker_killed_outright_fails_a_one_pdf_batch_cleanly(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker that dies (SIGKILL, the OOM killer) while rendering a part of one PDF ends
    the batch with an error naming --resume and leaves nothing behind (it used to wait for
    ever for the part the worker took with it)."""
    monkeypatch.setattr(batch, "PAGES_PER_PART", 2)
    monkeypatch.setattr(batch, "_worker_check_and_render", _killed_part)  # forked workers
    items = batch.collect_items(bundles(tmp_path / "in", 6))
    out = tmp_path / "out.pdf"
    with pytest.raises(OutputError) as info:
        batch.render_batch(items, template="sticker", at=AT, output=out, jobs=2)
    assert "--resume" in str(info.value)
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
