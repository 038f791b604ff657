"""A label batch stopped by Ctrl-C or SIGTERM while its workers write leaves no temporary
file (``.NAME.pdf.tmp``) and no worker behind, whichever process the signal reaches.

The batches are real subprocesses (``cfl label … --jobs 2``); every wait is bounded and
nothing is timed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from label_world import bundle_bytes
from signing_world import AT

import cfl.label.batch as batch
from cfl.errors import OutputError

#: A hard bound on every wait of these tests.
TIMEOUT = 120
CLI = "import sys; from cfl.cli.main import main; sys.argv[0] = 'cfl'; main()"


def _inputs(folder: Path, count: int) -> Path:
    folder.mkdir()
    (folder / "battery.json").write_bytes(bundle_bytes("battery"))
    (folder / "other.json").write_bytes(bundle_bytes("other"))
    rows = ["bundle,name"] + [f"{'battery' if i % 2 else 'other'}.json,sku-{i:04d}"
                              for i in range(count)]
    (folder / "labels.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder / "labels.csv"


def _wait(condition: object, what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.01)
    raise AssertionError(f"bounded wait ran out: {what}")


def _group_gone(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return True
    return False


def _interrupted(tmp_path: Path, csv: Path, output: str, ready: Callable[[], bool], *,
                 signum: signal.Signals, to_group: bool) -> tuple[int, str]:
    """Run ``cfl label CSV -o OUTPUT --jobs 2`` in its own process group, send ``signum``
    (to the group, or to the parent alone) once ``ready()``, wait (bounded) until every
    process of it is gone; its exit status and stderr."""
    process = subprocess.Popen(
        [sys.executable, "-c", CLI, "label", str(csv), "--template", "sticker", "-o",
         output, "--at", AT.isoformat(), "--jobs", "2"],
        env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    group = process.pid
    try:
        _wait(lambda: process.poll() is not None or ready(), "the batch under way")
        assert process.poll() is None, "the batch ended before it could be interrupted"
        if to_group:
            os.killpg(group, signum)
        else:
            process.send_signal(signum)
        process.wait(timeout=TIMEOUT)
        _wait(lambda: _group_gone(group), "every worker gone")
    finally:
        if not _group_gone(group):
            os.killpg(group, signal.SIGKILL)
        process.wait(timeout=TIMEOUT)
        assert process.stderr is not None
        stderr = process.stderr.read().decode("utf-8", "replace")
        process.stderr.close()
    return process.returncode, stderr


@pytest.mark.parametrize(("signum", "to_group"), [
    (signal.SIGINT, True),     # Ctrl-C in a terminal: the parent and its workers
    (signal.SIGINT, False),    # kill -INT of the parent alone
    (signal.SIGTERM, False),   # kill of the parent (a service manager, timeout)
    (signal.SIGTERM, True),    # the whole group terminated
], ids=["ctrl-c", "sigint-parent", "sigterm-parent", "sigterm-group"])
def test_an_interrupted_parallel_batch_leaves_no_temporary_file(
        tmp_path: Path, signum: signal.Signals, to_group: bool) -> None:
    csv = _inputs(tmp_path / "in", 400)
    out = tmp_path / "out"
    returncode, stderr = _interrupted(
        tmp_path, csv, f"{out}/",
        lambda: out.is_dir() and len(list(out.glob("*.pdf"))) >= 6,
        signum=signum, to_group=to_group)
    left = sorted(p.name for p in out.iterdir() if not p.name.endswith(".pdf"))
    assert left == [], left
    assert returncode in (130, 143), (returncode, stderr)
    assert "interrupted" in stderr and "Traceback" not in stderr, stderr
    written = sorted(out.glob("*.pdf"))
    assert 6 <= len(written) < 400


def _killed_write(job: object) -> str:
    os.kill(os.getpid(), signal.SIGKILL)
    raise AssertionError("unreachable")


def test_a_worker_killed_outright_is_a_clean_error(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker that dies (SIGKILL, the OOM killer) fails the batch with a message naming
    --resume, not a BrokenProcessPool traceback."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(batch, "_worker_write", _killed_write)  # inherited by forked workers
    items = batch.collect_items(_inputs(tmp_path / "in", 6))
    with pytest.raises(OutputError) as info:
        batch.render_batch(items, template="sticker", at=AT, output=tmp_path / "out",
                           jobs=2, to_directory=True)
    assert "--resume" in str(info.value)
    assert [p.name for p in (tmp_path / "out").iterdir()] == []


def test_an_interrupted_one_pdf_batch_says_nothing_was_written(tmp_path: Path) -> None:
    """One PDF is written whole or not at all: Ctrl-C while its parts are merged leaves no
    file (not even the temporary one) and says so, instead of "wrote N labels to it"."""
    csv = _inputs(tmp_path / "in", 3000)
    out = tmp_path / "labels.pdf"
    returncode, stderr = _interrupted(
        tmp_path, csv, str(out),
        lambda: any(p.name.startswith(".labels.pdf") for p in tmp_path.iterdir()),
        signum=signal.SIGINT, to_group=True)
    assert returncode == 130, (returncode, stderr)
    assert f"nothing was written to {out}" in stderr and "Traceback" not in stderr, stderr
    assert {p.name for p in tmp_path.iterdir()} <= {"cache", "in"}  # no PDF, no temporary
