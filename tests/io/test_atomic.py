from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from cfl.errors import OutputError
from cfl.io.atomic import open_atomic, write_atomic


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
