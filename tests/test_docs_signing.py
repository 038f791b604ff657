"""docs/cli-signing.md's co-signing walk-through runs as written and ends in PASSED."""

from __future__ import annotations

import datetime as dt
import shlex
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from doc_commands import shell_commands

from cfl.cli import options
from cfl.cli.main import cli

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "cli-signing.md"
FIXTURE = ROOT / "tests" / "fixtures" / "declarations" / "battery-pack.json"
AT = dt.datetime(2026, 4, 10, tzinfo=dt.UTC)


def walk_through_commands() -> list[str]:
    return shell_commands(GUIDE, "### Co-signing walk-through (ends in PASSED)")


def test_the_co_signing_walk_through_ends_in_passed(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(options, "current_time", lambda: AT)
    monkeypatch.setenv("CFL_KEY_PASSPHRASE", "co-signing walk-through passphrase")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    shutil.copy(FIXTURE, "battery.json")
    commands = walk_through_commands()
    assert sum("--role manufacturer" in command for command in commands) == 2
    runner = CliRunner()
    result = None
    for command in commands:
        argv = shlex.split(command)
        assert argv[0] == "cfl", command
        result = runner.invoke(cli, argv[1:])
        assert result.exit_code == 0, f"{command}\n{result.output}"
    assert result is not None and commands[-1].startswith("cfl verify")
    lines = result.output.splitlines()
    assert lines[-1].startswith("PASSED: bundle.json: all ")
    manufacturer = [line for line in lines if "signature[1] (manufacturer)" in line]
    assert [line.split()[:2] for line in manufacturer][:2] == [
        ["PASSED", "signature_valid"], ["PASSED", "signer_trusted"]]
    assert any(line.startswith("PASSED") and "certified" in line for line in lines)
