"""`cfl keys`: generate, show; passphrase sources."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from signing_cli import PASSPHRASE, run


def test_keys_generate_writes_a_private_file_and_prints_only_the_kid(tmp_path: Path) -> None:
    result = run("keys", "generate", "-o", tmp_path / "k")
    assert result.exit_code == 0
    assert stat.S_IMODE(os.stat(tmp_path / "k" / "private.pem").st_mode) == 0o600
    public = json.loads((tmp_path / "k" / "public.jwk.json").read_text())
    assert f"kid: {public['kid']}" in result.output
    assert PASSPHRASE not in result.output and "PRIVATE" not in result.output
    shown = run("keys", "show", tmp_path / "k")
    assert json.loads(shown.output) == public


def test_keys_generate_prompts_with_confirmation(tmp_path: Path) -> None:
    result = run("keys", "generate", "-o", tmp_path / "k", env={"CFL_KEY_PASSPHRASE": ""},
                 input="typed secret!\ntyped secret!\n")
    assert result.exit_code == 0, result.output
    assert "typed secret!" not in result.output  # spaces and "!" cannot occur in a kid
    assert result.output.count("Key passphrase") == 1
    assert "Repeat for confirmation" in result.output


def test_empty_passphrase_is_refused(tmp_path: Path) -> None:
    result = run("keys", "generate", "-o", tmp_path / "k", env={"CFL_KEY_PASSPHRASE": ""},
                 input="\n\n")
    assert result.exit_code == 1 and "empty passphrase" in result.output
    assert not (tmp_path / "k" / "private.pem").exists()


def test_unsupported_algorithm_is_a_usage_error(tmp_path: Path) -> None:
    assert run("keys", "generate", "--alg", "rsa", "-o", tmp_path).exit_code == 2
