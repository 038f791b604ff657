from __future__ import annotations

import errno
import fcntl
import io
import os
import signal
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cfl.errors import OutputError
from cfl.io.atomic import open_atomic, temporary_name, write_atomic


def test_write_atomic_replaces_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_text("old")
    write_atomic(target, "new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_failure_leaves_old_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_text("old")
    with pytest.raises(RuntimeError), open_atomic(target) as fh:
        fh.write(b"half")
        raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_private_mode_from_creation(tmp_path: Path) -> None:
    target = tmp_path / "key.pem"
    write_atomic(target, b"secret", mode=0o600)
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600


def test_missing_folder_and_directory_target(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="does not exist"):
        write_atomic(tmp_path / "nope" / "x", "a")
    with pytest.raises(OutputError, match="is a directory"):
        write_atomic(tmp_path, "a")


# --------------------------------------------------------------------------- faults

def _failing(errno_value: int) -> OSError:
    return OSError(errno_value, os.strerror(errno_value))


@pytest.mark.parametrize(("where", "errno_value", "code"), [
    ("fsync", errno.ENOSPC, "disk_full"),
    ("fsync", errno.EDQUOT, "disk_full"),
    ("replace", errno.EACCES, "permission_denied"),
    ("replace", errno.EROFS, "permission_denied"),
    ("replace", errno.EXDEV, "output_error"),
])
def test_a_fault_is_a_clean_error_naming_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  where: str, errno_value: int, code: str) -> None:
    """Before: the OSError (Errno 28, …) reached the user as a traceback."""
    target = tmp_path / "out.json"
    target.write_text("old")

    def fail(*args: object, **kwargs: object) -> None:
        raise _failing(errno_value)

    monkeypatch.setattr(os, where, fail)
    with pytest.raises(OutputError) as info:
        write_atomic(target, "new")
    assert info.value.code == code and str(target) in str(info.value)
    assert "nothing was written" in str(info.value)
    monkeypatch.undo()
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


class _FullDisk(io.RawIOBase):
    """A file whose writes fail once ``room`` bytes are written, as on a full disk."""

    def __init__(self, room: int) -> None:
        self.room = room

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        if len(data) > self.room:
            raise _failing(errno.ENOSPC)
        self.room -= len(data)
        return len(data)


def test_a_write_that_fills_the_disk_is_a_clean_error(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    real_fdopen = os.fdopen

    def fdopen(fd: int, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        real_fdopen(fd, mode).close()
        return io.BufferedWriter(_FullDisk(1000), buffer_size=64)

    monkeypatch.setattr(os, "fdopen", fdopen)
    monkeypatch.setattr(os, "fsync", lambda fd: None)
    target = tmp_path / "labels.pdf"
    with pytest.raises(OutputError) as info, open_atomic(target) as fh:
        for _ in range(100):
            fh.write(b"x" * 100)
    assert info.value.code == "disk_full" and str(target) in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_an_error_of_the_block_itself_is_not_taken_for_a_write_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError), open_atomic(tmp_path / "out") as fh:
        fh.write(b"a")
        (tmp_path / "missing").read_bytes()
    assert list(tmp_path.iterdir()) == []


def test_a_folder_without_permission_is_a_clean_error(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    real_open = os.open

    def refuse(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if str(path).endswith(".tmp"):
            raise _failing(errno.EACCES)
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse)
    monkeypatch.setattr("tempfile._os.open", refuse)
    with pytest.raises(OutputError) as info:
        write_atomic(tmp_path / "key.pem", b"k", mode=0o600)
    assert info.value.code == "permission_denied" and "key.pem" in str(info.value)


def test_standard_output_closed_is_a_clean_error(monkeypatch: pytest.MonkeyPatch) -> None:
    class Broken:
        def write(self, data: bytes) -> int:
            raise _failing(errno.EPIPE)

        def flush(self) -> None:
            pass

    monkeypatch.setattr(sys, "stdout", type("Out", (), {"buffer": Broken()})())
    with pytest.raises(OutputError) as info:
        write_atomic("-", "text")
    assert "<stdout>" in str(info.value)


def test_a_killed_writers_file_is_removed_by_the_next_writer(tmp_path: Path) -> None:
    """A writer killed with SIGKILL runs no cleanup: its temporary file stays until the next
    writer of the same file starts."""
    target = tmp_path / "out.json"
    script = (f"import os, signal\nfrom cfl.io.atomic import open_atomic\n"
              f"with open_atomic({str(target)!r}) as fh:\n"
              f"    fh.write(b'half')\n    fh.flush()\n"
              f"    os.kill(os.getpid(), signal.SIGKILL)\n")
    process = subprocess.run([sys.executable, "-c", script], timeout=60, check=False)
    assert process.returncode == -signal.SIGKILL
    assert [p.name for p in tmp_path.iterdir()] == [".out.json.tmp"]
    write_atomic(target, "whole")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]
    assert target.read_text() == "whole"


def test_a_live_writers_file_is_left_alone(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    live = temporary_name(target)
    fd = os.open(live, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        write_atomic(target, "mine")
        assert live.exists() and target.read_text() == "mine"
        assert sorted(p.name for p in tmp_path.iterdir()) == [".out.json.tmp", "out.json"]
    finally:
        os.close(fd)


def test_a_file_linked_elsewhere_is_never_taken_for_a_stale_one(tmp_path: Path) -> None:
    """Someone may plant a hard link to another file under the temporary name: it is neither
    removed nor written through (a random name is used)."""
    precious = tmp_path / "precious.txt"
    precious.write_text("keep")
    os.link(precious, temporary_name(tmp_path / "out.json"))
    write_atomic(tmp_path / "out.json", "new")
    assert precious.read_text() == "keep"
    assert temporary_name(tmp_path / "out.json").read_text() == "keep"
