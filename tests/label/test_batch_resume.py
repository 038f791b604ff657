"""Interrupted label batches resume without redoing what was done (ADR 0125), and leave
nothing behind: a resumed batch neither checks again an input it had checked nor reads back a
label it had written; scratch folders and temporary files are removed on every exit path,
and a killed batch's are removed when the next one starts.

Kills are real (SIGKILL of a subprocess), bounded in time; work is counted, never timed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from label_world import bundle_bytes
from signing_world import AT

import cfl.label.batch as batch
from cfl.label.readback import extract_bundles

#: A hard bound on any subprocess of these tests.
TIMEOUT = 120
#: The command line in a subprocess (as the installed ``cfl`` script runs it).
CLI = "import sys; from cfl.cli.main import main; sys.argv[0] = 'cfl'; main()"


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Journals go to a cache folder of this test."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    return cache


def _inputs(folder: Path, count: int) -> Path:
    """A CSV naming ``count`` labels of the two test bundles."""
    folder.mkdir()
    (folder / "battery.json").write_bytes(bundle_bytes("battery"))
    (folder / "other.json").write_bytes(bundle_bytes("other"))
    rows = ["bundle,name"] + [f"{'battery' if i % 2 else 'other'}.json,sku-{i:04d}"
                              for i in range(count)]
    (folder / "labels.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder / "labels.csv"


class _Counted:
    """Counts the inputs prepared (read, parsed, claim checked) and labels read back."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.prepared = 0
        self.read_back = 0
        content, complete = batch._content, batch.output_complete

        def counted_content(*args: Any, **kwargs: Any) -> Any:
            self.prepared += 1
            return content(*args, **kwargs)

        def counted_complete(*args: Any, **kwargs: Any) -> Any:
            if Path(args[0]).is_file():
                self.read_back += 1
            return complete(*args, **kwargs)

        monkeypatch.setattr(batch, "_content", counted_content)
        monkeypatch.setattr(batch, "output_complete", counted_complete)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*")
                  if p.name.endswith(".tmp") or p.name.endswith(".parts"))


def test_a_finished_folder_batch_resumes_without_checking_or_reading_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    items = batch.collect_items(_inputs(tmp_path / "in", 6))
    out = tmp_path / "out"
    assert batch.render_batch(items, template="sticker", at=AT, output=out,
                              to_directory=True).written == 6
    counted = _Counted(monkeypatch)
    again = batch.render_batch(items, template="sticker", at=AT, output=out,
                               to_directory=True, resume=True)
    assert (again.written, again.skipped) == (0, 6)
    assert (counted.prepared, counted.read_back) == (0, 0)
    assert sorted(p.name for p in out.iterdir()) == [f"sku-{i:04d}.pdf" for i in range(6)]


def test_an_interrupted_folder_batch_resumes_where_it_stopped(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: every input was checked again and every written label read back."""
    items = batch.collect_items(_inputs(tmp_path / "in", 8))
    out = tmp_path / "out"
    real_write = batch.write_atomic
    written = []

    def interrupted(path: Any, data: Any, **kwargs: Any) -> None:
        if len(written) == 3:
            raise KeyboardInterrupt
        real_write(path, data, **kwargs)
        written.append(path)

    monkeypatch.setattr(batch, "write_atomic", interrupted)
    with pytest.raises(KeyboardInterrupt):
        batch.render_batch(items, template="sticker", at=AT, output=out, to_directory=True)
    monkeypatch.setattr(batch, "write_atomic", real_write)
    assert len(list(out.glob("*.pdf"))) == 3 and _leftovers(tmp_path) == []
    counted = _Counted(monkeypatch)
    again = batch.render_batch(items, template="sticker", at=AT, output=out,
                               to_directory=True, resume=True)
    assert (again.written, again.skipped) == (5, 3)
    assert counted.read_back == 0  # the journal says which labels are done
    assert counted.prepared == 5  # only to render them: none was checked first again


def test_a_changed_label_file_is_read_back_not_trusted(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    items = batch.collect_items(_inputs(tmp_path / "in", 3))
    out = tmp_path / "out"
    batch.render_batch(items, template="sticker", at=AT, output=out, to_directory=True)
    (out / "sku-0001.pdf").write_bytes(b"%PDF-1.7 not a label")
    counted = _Counted(monkeypatch)
    again = batch.render_batch(items, template="sticker", at=AT, output=out,
                               to_directory=True, resume=True)
    assert (again.written, again.skipped) == (1, 2)
    assert counted.read_back == 1
    assert list(extract_bundles((out / "sku-0001.pdf").read_bytes()).values()) == [
        bundle_bytes("battery")]


def test_other_settings_never_use_the_records(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    items = batch.collect_items(_inputs(tmp_path / "in", 2))
    out = tmp_path / "out"
    batch.render_batch(items, template="sticker", at=AT, output=out, to_directory=True)
    counted = _Counted(monkeypatch)
    batch.render_batch(items, template="standard", at=AT, output=out, to_directory=True,
                       resume=True)
    assert counted.read_back == 2  # not skipped on the sticker run's records


def test_a_one_pdf_batch_resumes_from_its_record(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    items = batch.collect_items(_inputs(tmp_path / "in", 4))
    out = tmp_path / "labels.pdf"
    batch.render_batch(items, template="sticker", at=AT, output=out)
    monkeypatch.setattr(batch, "_batch_complete", lambda *a: pytest.fail("read back"))
    again = batch.render_batch(items, template="sticker", at=AT, output=out, resume=True)
    assert (again.written, again.skipped) == (0, 4)


def test_parts_are_removed_on_an_interruption(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch, "PAGES_PER_PART", 2)
    items = batch.collect_items(_inputs(tmp_path / "in", 5))

    def interrupt(*args: Any) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(batch, "merge_label_parts", interrupt)
    with pytest.raises(KeyboardInterrupt):
        batch.render_batch(items, template="sticker", at=AT, output=tmp_path / "labels.pdf")
    assert _leftovers(tmp_path) == [] and not (tmp_path / "labels.pdf").exists()


def test_a_stale_parts_folder_is_removed_and_a_live_one_kept(tmp_path: Path) -> None:
    stale = tmp_path / ".labels.pdf.abc123.parts"
    stale.mkdir()
    (stale / batch.PARTS_LOCK).write_bytes(b"")
    (stale / "part-00000.pdf").write_bytes(b"%PDF")
    unlocked_early = tmp_path / ".labels.pdf.def456.parts"  # killed before it locked
    unlocked_early.mkdir()
    live = tmp_path / ".labels.pdf.ghi789.parts"
    live.mkdir()
    with batch._held(live / batch.PARTS_LOCK):
        removed = batch.remove_stale_parts(tmp_path, "labels.pdf")
    assert sorted(removed) == sorted([stale, unlocked_early])
    assert live.is_dir() and not stale.exists()


# --------------------------------------------------------------------------- real kills

def _kill_when(process: subprocess.Popen[bytes], ready: Any) -> bool:
    """SIGKILL ``process`` once ``ready()``; False if it ended first."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        if ready():
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=TIMEOUT)
            return True
        time.sleep(0.01)
    process.kill()
    raise AssertionError("the batch neither got going nor ended in time")


def _cfl(*args: str, cache: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    return subprocess.Popen([sys.executable, "-c", CLI, *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_a_killed_folder_batch_resumes_and_finishes(tmp_path: Path, own_cache: Path) -> None:
    csv = _inputs(tmp_path / "in", 120)
    out = tmp_path / "out"
    process = _cfl("label", str(csv), "--template", "sticker", "-o", f"{out}/", "--at",
                   AT.isoformat(), cache=own_cache)
    killed = _kill_when(process, lambda: out.is_dir() and len(list(out.glob("*.pdf"))) >= 5)
    before = {p.name for p in out.glob("*.pdf")}
    resumed = subprocess.run(
        [sys.executable, "-c", CLI, "label", str(csv), "--template", "sticker",
         "-o", f"{out}/", "--at", AT.isoformat(), "--resume"],
        env={**os.environ, "XDG_CACHE_HOME": str(own_cache)}, capture_output=True,
        text=True, timeout=TIMEOUT, check=False)
    assert resumed.returncode == 0, resumed.stderr
    assert f"skipped {len(before)}" in resumed.stderr or not killed, resumed.stderr
    assert sorted(p.name for p in out.glob("*.pdf")) == [f"sku-{i:04d}.pdf" for i in range(120)]
    assert _leftovers(tmp_path) == []
    for name in ("sku-0000.pdf", "sku-0119.pdf", *sorted(before)[-1:]):
        files = extract_bundles((out / name).read_bytes())
        assert list(files.values())[0] in (bundle_bytes("battery"), bundle_bytes("other"))


_PARTS_SCRIPT = """
import sys, os, signal
import cfl.label.batch as batch
from pathlib import Path
import datetime as dt
batch.PAGES_PER_PART = 2
real = batch.LabelRenderer.render
calls = []
def render(self, *args, **kwargs):
    calls.append(1)
    if len(calls) == 3:
        os.kill(os.getpid(), signal.SIGKILL)
    return real(self, *args, **kwargs)
batch.LabelRenderer.render = render
items = batch.collect_items(Path(sys.argv[1]))
batch.render_batch(items, template="sticker", at=dt.datetime.fromisoformat(sys.argv[3]),
                   output=Path(sys.argv[2]))
"""


def test_a_killed_one_pdf_batch_leaves_parts_the_next_one_removes(tmp_path: Path,
                                                                  own_cache: Path) -> None:
    csv = _inputs(tmp_path / "in", 7)
    out = tmp_path / "labels.pdf"
    killed = subprocess.run([sys.executable, "-c", _PARTS_SCRIPT, str(csv), str(out),
                             AT.isoformat()], env={**os.environ, "XDG_CACHE_HOME": str(own_cache)},
                            timeout=TIMEOUT, check=False)
    assert killed.returncode == -signal.SIGKILL
    assert [p.name for p in tmp_path.glob(".labels.pdf.*.parts")]  # what a kill leaves
    result = batch.render_batch(batch.collect_items(csv), template="sticker", at=AT,
                                output=out, resume=True)
    assert result.written == 7
    assert _leftovers(tmp_path) == []
