"""A label batch's journal: what an interrupted batch had checked and written (ADR 0125).

A batch checks every input before it renders anything (ADR 0051) and writes labels one by one;
killed half-way, it used to start again from nothing on ``--resume``: every input checked
again, every finished label read back. The journal, a JSON-lines file in the user's cache
folder named after the output's absolute path (nothing is added to the output folder),
records as the batch goes:

* ``valid``: an input (by the SHA-256 of its bundle file's bytes) was read, parsed and its
  claim checked, and can be rendered — so a resumed batch renders it without checking it
  first again;
* ``done``: a label file was written for an input, with the file's size and modification
  time — so a resumed batch skips it after a ``stat``, without reading the PDF back;
* ``complete``: a multi-page PDF was finished, with its size and time, and the digest of its
  inputs in order.

Every record carries the digest of the batch's settings (cfl's version, the template, font,
resolver and claim key — and the time, when claims are issued now), so a record made with
other settings is never used. Records are appended and flushed one line at a time; a line
cut short by a kill is ignored. The journal is an optimisation, never a trust decision: a
``done`` record whose file changed (size or time) is not used, and the file is then read back
as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import platformdirs

from cfl import __version__
from cfl.errors import CflError
from cfl.io.atomic import write_atomic

#: Most bytes of a journal read back (about 600,000 records); a larger one is not used.
MAX_JOURNAL_BYTES = 64 * 1024 * 1024


def journal_folder() -> Path:
    """Where batch journals live: ``batches`` in the user's cache folder for cfl."""
    return Path(platformdirs.user_cache_dir("cfl")) / "batches"


def journal_path(output: Path, *, folder: bool) -> Path:
    """The journal of a batch writing ``output`` (a folder, or one PDF)."""
    where = f"{'folder' if folder else 'file'}:{os.path.abspath(output)}"
    return journal_folder() / f"{digest(where.encode('utf-8'))[:40]}.jsonl"


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def settings_digest(settings: Mapping[str, Any]) -> str:
    """The digest of a batch's settings (with cfl's version): records carry it."""
    text = json.dumps({"cfl": __version__, **settings}, sort_keys=True, default=str)
    return digest(text.encode("utf-8"))[:32]


@dataclass
class BatchJournal:
    """The records of one batch's settings, read from and appended to ``path``."""

    path: Path
    settings: str
    valid: set[str] = field(default_factory=set)
    done: dict[str, tuple[str, int, int]] = field(default_factory=dict)
    complete: tuple[str, int, int] | None = None
    existed: bool = False
    _stream: IO[str] | None = None

    @classmethod
    def load(cls, path: Path, settings: str) -> BatchJournal:
        """The journal at ``path`` (empty if there is none, or if it cannot be read)."""
        journal = cls(path, settings)
        try:
            info = path.stat()
        except OSError:
            return journal
        journal.existed = True
        if info.st_size > MAX_JOURNAL_BYTES:
            return journal
        try:
            lines = path.read_bytes().splitlines()
        except OSError:
            return journal
        for line in lines:
            journal._take(line)
        return journal

    def _take(self, line: bytes) -> None:
        try:
            record = json.loads(line)
        except (ValueError, UnicodeDecodeError):
            return  # a line cut short by a kill, or not ours
        if not isinstance(record, dict) or record.get("s") != self.settings:
            return
        kind = record.get("k")
        try:
            if kind == "valid":
                self.valid.add(str(record["d"]))
            elif kind == "done":
                self.done[str(record["n"])] = (str(record["d"]), int(record["size"]),
                                               int(record["mtime"]))
            elif kind == "complete":
                self.complete = (str(record["d"]), int(record["size"]), int(record["mtime"]))
        except (KeyError, TypeError, ValueError):
            return

    # ------------------------------------------------------------------ questions

    def is_valid(self, bundle_digest: str) -> bool:
        return bundle_digest in self.valid

    def is_done(self, name: str, bundle_digest: str, target: Path) -> bool:
        """True if ``target`` is the label written for this input, unchanged since."""
        record = self.done.get(name)
        return record is not None and record[0] == bundle_digest and \
            _same_file(target, record[1], record[2])

    def is_complete(self, inputs_digest: str, target: Path) -> bool:
        return self.complete is not None and self.complete[0] == inputs_digest and \
            _same_file(target, self.complete[1], self.complete[2])

    # ------------------------------------------------------------------ records

    def start(self, *, fresh: bool = False) -> None:
        """Begin writing: a ``fresh`` journal replaces what was there (with the records known
        now); otherwise records are appended."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            if fresh or not self.existed:
                write_atomic(self.path, "".join(self._lines()), mode=0o600)
                self.existed = True
            self._stream = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 (kept open)
        except (OSError, CflError):
            self._stream = None  # the journal is only an optimisation: the batch goes on

    def _lines(self) -> Iterable[str]:
        for bundle_digest in sorted(self.valid):
            yield self._line({"k": "valid", "d": bundle_digest})
        for name, (bundle_digest, size, mtime) in sorted(self.done.items()):
            yield self._line({"k": "done", "n": name, "d": bundle_digest, "size": size,
                              "mtime": mtime})

    def _line(self, record: dict[str, Any]) -> str:
        return json.dumps({**record, "s": self.settings}, separators=(",", ":")) + "\n"

    def _append(self, record: dict[str, Any]) -> None:
        if self._stream is None:
            return
        try:
            self._stream.write(self._line(record))
            self._stream.flush()
        except OSError:
            self.close()  # the journal is only an optimisation: the batch goes on

    def record_valid(self, bundle_digests: Sequence[str]) -> None:
        for bundle_digest in bundle_digests:
            if bundle_digest not in self.valid:
                self.valid.add(bundle_digest)
                self._append({"k": "valid", "d": bundle_digest})

    def record_done(self, name: str, bundle_digest: str, target: Path) -> None:
        try:
            info = target.stat()
        except OSError:
            return
        self.done[name] = (bundle_digest, info.st_size, info.st_mtime_ns)
        self._append({"k": "done", "n": name, "d": bundle_digest, "size": info.st_size,
                      "mtime": info.st_mtime_ns})

    def record_complete(self, inputs_digest: str, target: Path) -> None:
        try:
            info = target.stat()
        except OSError:
            return
        self.complete = (inputs_digest, info.st_size, info.st_mtime_ns)
        self._append({"k": "complete", "d": inputs_digest, "size": info.st_size,
                      "mtime": info.st_mtime_ns})

    @property
    def writing(self) -> bool:
        """True once :meth:`start` was called (and until :meth:`close`)."""
        return self._stream is not None

    def close(self) -> None:
        if self._stream is not None:
            with contextlib.suppress(OSError):
                self._stream.close()
            self._stream = None


def _same_file(target: Path, size: int, mtime: int) -> bool:
    try:
        info = os.stat(target)
    except OSError:
        return False
    return info.st_size == size and info.st_mtime_ns == mtime
