"""Atomic output: write to a temporary file beside the target, then rename into place.

Nothing is ever half-written: a crash or an error leaves either the old file or none, and
never a traceback: a full disk, a quota, a read-only file system or a permission problem is
an :class:`~cfl.errors.OutputError` naming the file (ADR 0122). The temporary file is removed
on every exit path that runs Python code; one left by a killed process (``.<name>.tmp``,
locked while its writer lives) is removed when the next writer of the same file starts.
``-`` writes to standard output.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, cast

from cfl.errors import OutputError

try:
    import fcntl
except ImportError:  # pragma: no cover - a platform without flock (Windows)
    fcntl = None  # type: ignore[assignment]

#: ``os.open`` flags that not every platform has (0 where it has not).
NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)
CLOSE_ON_EXEC = getattr(os, "O_CLOEXEC", 0)

TEMP_SUFFIX = ".tmp"

_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
_DENIED = frozenset({errno.EACCES, errno.EPERM, errno.EROFS})


def output_error(path: str | Path, exc: OSError, *, doing: str = "cannot write") -> OutputError:
    """A clean error for ``exc`` about ``path``: what happened and what to do, with a code
    (``disk_full``, ``permission_denied`` or ``output_error``)."""
    if exc.errno in _FULL:
        return OutputError(f"{path}: {doing}: the disk (or your quota) is full "
                           f"({exc.strerror}); free some space and run the command again; "
                           "nothing was written", code="disk_full")
    if exc.errno in _DENIED:
        return OutputError(f"{path}: {doing}: permission denied ({exc.strerror}); choose a "
                           "folder you can write to; nothing was written",
                           code="permission_denied")
    reason = exc.strerror or type(exc).__name__
    return OutputError(f"{path}: {doing} ({reason}); nothing was written")


def write_atomic(path: str | Path, data: bytes | str, *, mode: int = 0o644) -> None:
    """Write ``data`` to ``path`` atomically with permissions ``mode`` (``-`` is stdout)."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if str(path) == "-":
        try:
            sys.stdout.buffer.write(payload)
            sys.stdout.buffer.flush()
        except OSError as exc:
            raise output_error("<stdout>", exc) from None
        return
    with open_atomic(path, mode=mode) as fh:
        fh.write(payload)


class _AtomicFile:
    """The temporary file's handle: a failed write is an :class:`OutputError` naming the
    target (so an error reading something else inside the block is never taken for one)."""

    def __init__(self, handle: BinaryIO, target: Path) -> None:
        self._handle, self._target = handle, target

    def write(self, data: bytes | bytearray | memoryview) -> int:
        try:
            return self._handle.write(data)
        except OSError as exc:
            raise output_error(self._target, exc) from None

    def flush(self) -> None:
        try:
            self._handle.flush()
        except OSError as exc:
            raise output_error(self._target, exc) from None

    def tell(self) -> int:
        return self._handle.tell()

    def fileno(self) -> int:
        return self._handle.fileno()

    @property
    def name(self) -> str:
        return str(self._target)


@contextlib.contextmanager
def open_atomic(path: str | Path, *, mode: int = 0o644) -> Iterator[BinaryIO]:
    """A binary file handle whose content replaces ``path`` only if the block succeeds.

    The temporary file is created with ``mode`` from the start (never wider), so a private
    key written with ``mode=0o600`` is never readable by others, not even for a moment. It is
    locked while it is written, so a later writer knows a killed one's file from a live one's.
    """
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise OutputError(f"{target}: the folder {directory} does not exist")
    if target.is_dir():
        raise OutputError(f"{target}: is a directory; expected a file name")
    fd, tmp_name = _locked_temporary(directory, target)
    try:
        os.fchmod(fd, mode)
        fh = os.fdopen(fd, "wb")
    except OSError as exc:
        os.close(fd)
        _remove(tmp_name)
        raise output_error(target, exc) from None
    try:
        yield cast(BinaryIO, _AtomicFile(fh, target))
    except BaseException:
        with contextlib.suppress(OSError):
            fh.close()
        _remove(tmp_name)
        raise
    try:
        fh.flush()
        os.fsync(fh.fileno())
        os.replace(tmp_name, target)  # still locked: no tidying writer takes it for stale
    except OSError as exc:
        with contextlib.suppress(OSError):
            fh.close()
        _remove(tmp_name)
        raise output_error(target, exc) from None
    except BaseException:
        with contextlib.suppress(OSError):
            fh.close()
        _remove(tmp_name)
        raise
    with contextlib.suppress(OSError):  # written and in place: closing only unlocks it
        fh.close()


def temporary_name(target: Path) -> Path:
    """Where ``target`` is written before it is renamed into place (one name per target, so
    a killed writer's file is found and replaced by the next writer of the same target)."""
    directory = target.parent if str(target.parent) else Path(".")
    return directory / f".{target.name}{TEMP_SUFFIX}"


def remove_stale_temporary(target: str | Path) -> bool:
    """Remove the temporary file of ``target`` if a writer that is gone left it (unlocked,
    ours, linked once): what a parent does for the writes of workers it stopped. True if
    one was removed; a live writer's file is never touched."""
    fixed = temporary_name(Path(target))
    if not _stale(fixed):
        return False
    _remove(str(fixed))
    return True


def _locked_temporary(directory: Path, target: Path) -> tuple[int, str]:
    """The temporary file of ``target``, created afresh and locked for this writer.

    A file of that name that no live writer holds (a killed one's) and that is ours and not
    linked elsewhere is removed first. If a live writer holds it (two commands writing one
    file at once), this writer takes a random name instead (``tempfile.mkstemp``)."""
    fixed = temporary_name(target)
    for _ in range(8):
        try:
            fd = os.open(fixed, os.O_WRONLY | os.O_CREAT | os.O_EXCL | NO_FOLLOW
                         | CLOSE_ON_EXEC, 0o600)
        except FileExistsError:
            if _stale(fixed):
                _remove(str(fixed))
                continue
            break
        except OSError as exc:
            raise output_error(target, exc) from None
        if _lock_and_keep(fd, str(fixed)):
            return fd, str(fixed)
    for _ in range(8):
        try:
            fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMP_SUFFIX,
                                        dir=directory)
        except OSError as exc:
            raise output_error(target, exc) from None
        if _lock_and_keep(fd, name):
            return fd, name
    raise OutputError(f"{target}: cannot create a temporary file beside it (another process "
                      "keeps removing it)")


def _lock_and_keep(fd: int, name: str) -> bool:
    """Lock the new file ``fd``; False (``fd`` closed) if another writer tidying up removed
    ``name`` in the moment between its creation and the lock."""
    try:
        if lock_file(fd, wait=False) and \
                os.stat(name, follow_symlinks=False).st_ino == os.fstat(fd).st_ino:
            return True
    except OSError:
        pass
    os.close(fd)
    return False


def _stale(path: Path) -> bool:
    """True for a temporary file a killed writer left: a plain file of ours, linked once,
    whose lock no process holds."""
    try:
        info = os.lstat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1 or \
                info.st_uid != getattr(os, "getuid", lambda: info.st_uid)():
            return False
        return _unlocked(str(path))
    except OSError:
        return False


def lock_file(fd: int, *, wait: bool) -> bool:
    """Take the exclusive lock of the open file ``fd`` (``flock``, released when the file is
    closed or its process ends, even by SIGKILL): True once held, False if another process
    holds it and ``wait`` is False. Where the platform has no such locks, always True."""
    if fcntl is None:  # pragma: no cover - Windows: an open file cannot be removed there
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except BlockingIOError:
        return False
    return True


def _remove(name: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(name)


def _unlocked(path: str) -> bool:
    """True if no process holds the lock of ``path`` (its writer is gone)."""
    fd = os.open(path, os.O_RDONLY | NO_FOLLOW | getattr(os, "O_NONBLOCK", 0))
    try:
        return lock_file(fd, wait=False)
    except OSError:
        return False
    finally:
        os.close(fd)
