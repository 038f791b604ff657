"""Faults leave nothing behind: with the disk full or writing refused, every command that
writes files ends with a clean error naming the file it could not write, exit status 1, no
traceback, and no temporary or partial file (cfl.io.atomic, ADR 0122).

The faults are simulated deterministically: ``os.fsync`` (every atomic write syncs before it
renames) fails with ENOSPC, or ``os.replace`` with EACCES.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from cfl.cli.main import cli

AT = "2026-04-10T00:00:00Z"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("faults") / "demo"
    result = CliRunner().invoke(cli, ["demo", str(root), "--at", "2026-03-01T00:00:00Z"],
                                env={"CFL_KEY_PASSPHRASE": None})
    assert result.exit_code == 0, result.output
    return root


def _passphrase(demo: Path) -> str:
    return str(demo / "keys" / "demo-passphrase.txt")


#: name → (argv given the demo folder and an empty output folder, the output it names)
COMMANDS: dict[str, Callable[[Path, Path], list[str]]] = {
    "declare": lambda d, o: ["declare", str(d / "inputs" / "steel.yaml"), "-o",
                             str(o / "steel.json"), "--at", AT],
    "sign": lambda d, o: ["sign", str(d / "graded" / "steel.json"), "--key",
                          str(d / "keys" / "certifier"), "--role", "certifier",
                          "--passphrase-file", _passphrase(d), "-o", str(o / "steel.bundle.json"),
                          "--at", AT],
    "label": lambda d, o: ["label", str(d / "bundles" / "steel.json"), "-o",
                           str(o / "steel.pdf"), "--at", AT],
    "label batch": lambda d, o: ["label", str(d / "bundles"), "-o", f"{o}/labels/",
                                 "--at", AT],
    "keys generate": lambda d, o: ["keys", "generate", "-o", str(o / "keys"),
                                   "--passphrase-file", _passphrase(d)],
    "trust init": lambda d, o: ["trust", "init", "-o", str(o / "trust.json"), "--name", "X",
                                "--expires", "2027-12-31T00:00:00Z", "--at", AT],
    "trust sign": lambda d, o: ["trust", "sign", str(d / "trust" / "trust-list.json"), "--key",
                                str(d / "keys" / "operator"), "--passphrase-file",
                                _passphrase(d), "-o", str(o / "trust.signed.json"), "--at", AT],
    "revoke": lambda d, o: ["revoke", "--key", str(d / "keys" / "certifier"),
                            "--passphrase-file", _passphrase(d), "-o",
                            str(o / "revocations.json"), "--at", AT],
    "grade": lambda d, o: ["grade", str(d / "declarations" / "steel.json"), "--rule-set",
                           "gbt-24067-2024", "-o", str(o / "graded.json"), "--at", AT],
    "convert": lambda d, o: ["convert", str(d / "declarations" / "steel.json"), "--gwp", "ar5",
                             "-o", str(o / "converted.json"), "--at", AT],
    "export pact": lambda d, o: ["export", "pact", str(d / "declarations" / "steel.json"),
                                 "-o", str(o / "pact.json")],
    "page build": lambda d, o: ["page", "build", "--trust", str(d / "trust" / "trust-list.json"),
                                "--anchor", str(d / "keys" / "operator" / "public.jwk.json"),
                                "--revocations", str(d / "trust" / "revocations.json"),
                                "--at", AT, "-o", str(o / "site")],
    "demo": lambda d, o: ["demo", str(o / "demo"), "--at", "2026-03-01T00:00:00Z"],
}


def _leftovers(folder: Path) -> list[str]:
    return [str(p.relative_to(folder)) for p in folder.rglob("*")
            if p.name.endswith(".tmp") or p.name.endswith(".parts")]


@pytest.mark.parametrize(("fault", "errno_value", "words"), [
    ("fsync", errno.ENOSPC, "disk (or your quota) is full"),
    ("replace", errno.EACCES, "permission denied"),
])
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_writing_command_fails_cleanly(demo: Path, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch, command: str,
                                         fault: str, errno_value: int, words: str) -> None:
    out = tmp_path / "out"
    out.mkdir()
    argv = COMMANDS[command](demo, out)

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(errno_value, os.strerror(errno_value))

    monkeypatch.setattr(os, fault, fail)
    result = CliRunner().invoke(cli, argv, env={"CFL_KEY_PASSPHRASE": None})
    monkeypatch.undo()
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    # the file named is the output, or a file the command keeps beside its key (a ledger)
    named = str(out) in result.output or str(demo / "keys") in result.output
    said = words in result.output or os.strerror(errno_value) in result.output
    assert named and said, result.output
    assert _leftovers(out) == []
    written = [p for p in out.rglob("*") if p.is_file()]
    assert written == [], written
