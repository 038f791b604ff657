"""One set of conventions for every command: -h, --format json, help for every option, `-`
for every file, -q, renamed options that still work and say so, colour only where wanted,
Ctrl-C as exit 130 with what to do next, shell completion."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from signing_cli import FIXTURE, SIGNED, Scheme, make_scheme, run

from cfl.cli import ui as cli_ui
from cfl.cli.main import cli

#: Commands that follow other conventions for now, and why (each is another group's work).
NOT_YET: dict[str, str] = {
    "serve": "the register's service commands",
    "publish": "the register's client command",
    "log witness serve": "a long-running service: its output is the service's log",
}
#: File options that are files on disk by nature, and why `-` does not apply.
ON_DISK = {
    "key": "a private key is a file or folder on disk whose permissions are checked",
    "ledger": "the ledger is appended to in place",
    "status_list": "cfl revoke continues the status list in place (-o may be standard output)",
    "rules": "rule files are linted with their file names and folders",
    "font": "a font file is read by the PDF library from disk",
    "client_secret_file": "a secret read from a file on disk",
    "ca_file": "a CA bundle read by the TLS library",
}


def commands() -> Iterator[tuple[str, click.Command]]:
    ctx = click.Context(cli)

    def walk(command: click.Command, path: list[str]) -> Iterator[tuple[str, click.Command]]:
        if isinstance(command, click.Group):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                assert sub is not None
                yield from walk(sub, [*path, name])
            return
        yield " ".join(path), command

    for name, command in walk(cli, []):
        if name.split()[0] not in NOT_YET and name not in NOT_YET:
            yield name, command


COMMANDS = dict(commands())


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_help_format_json_and_quiet(name: str) -> None:
    command = COMMANDS[name]
    options = {param.name: param for param in command.params if isinstance(param, click.Option)}
    assert "output_format" in options, f"cfl {name} has no --format"
    choice = options["output_format"].type
    assert isinstance(choice, click.Choice) and list(choice.choices) == ["text", "json"]
    assert "quiet" in options
    for option in options.values():
        assert option.help or option.hidden, f"cfl {name} {option.opts[0]} has no help"
    result = CliRunner().invoke(cli, [*name.split(), "-h"])
    assert result.exit_code == 0 and "--format" in result.output, result.output


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_file_argument_takes_a_dash(name: str) -> None:
    for param in COMMANDS[name].params:
        kind = param.type
        if isinstance(kind, click.Path) and kind.file_okay and not kind.allow_dash:
            assert param.name in ON_DISK, f"cfl {name} {param.name} does not take -"


def test_group_help_and_version() -> None:
    result = CliRunner().invoke(cli, ["-h"])
    assert result.exit_code == 0 and "cfl.toml" in result.output and "inspect" in result.output
    assert CliRunner().invoke(cli, ["trust", "-h"]).exit_code == 0


@pytest.fixture
def scheme(tmp_path: Path) -> Scheme:
    return make_scheme(tmp_path)


def test_renamed_options_still_work_and_say_the_new_name(scheme: Scheme) -> None:
    old = run("trust", "add", scheme.root / "list.json", "--jwk", scheme.operator, "--name",
              "Maker", "--role", "manufacturer", "--accreditation", "USCC:91350100M000100Y43",
              "--scope", "lithium-ion-battery", "--rule-sets", "gbt-24067-2024",
              "--valid-from", SIGNED, "--valid-until", "2027-01-01T00:00:00Z")
    assert old.exit_code == 0, old.output
    assert "warning: --jwk is deprecated; give --public-key" in old.stderr
    assert "warning: --rule-sets is deprecated; give --rule-set" in old.stderr
    check = run("check", FIXTURE, "--against", "iso-14067-2018", "--at", SIGNED)
    assert check.exit_code in (0, 3) and "--against is deprecated; give --rule-set" in \
        check.stderr
    label = run("label", "--batch", scheme.root / "bundle.json", "-o", scheme.root / "l.pdf",
                "--resolver", "HTTPS://X.EXAMPLE/V/")
    assert label.exit_code == 0, label.output
    assert "--batch is deprecated; give the values as arguments" in label.stderr
    revoke = run("revoke", "--key", scheme.certifier, "-o", scheme.revocations, "--id",
                 "3f1c2a9e-5b7d-4e8f-9a0b-1c2d3e4f5a6b", "--reason", "wrong", "--at", SIGNED)
    assert revoke.exit_code == 0 and "--id is deprecated" in revoke.stderr
    helped = run("trust", "add", "-h")
    assert "--jwk" not in helped.output and "--public-key" in helped.output


def test_quiet_and_summary(scheme: Scheme, tmp_path: Path) -> None:
    quiet = run("sign", FIXTURE, "--key", scheme.certifier, "--role", "certifier", "-o",
                tmp_path / "q.json", "--at", SIGNED, "-q")
    assert quiet.exit_code == 0 and quiet.output == ""
    folder = tmp_path / "bundles"
    folder.mkdir()
    for name in ("a", "b"):
        (folder / f"{name}.json").write_bytes(scheme.bundle.read_bytes())
    summary = run("validate", folder, "--summary")
    assert summary.exit_code == 0
    assert summary.output.splitlines() == ["valid: 2 file(s), 2 valid, 0 invalid"]


def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    class Terminal:
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("TERM", raising=False)
    assert cli_ui.colour_allowed(Terminal())  # type: ignore[arg-type]
    assert "\x1b[" in cli_ui.Ui.coloured("PASSED: x", Terminal())  # type: ignore[arg-type]
    monkeypatch.setenv("NO_COLOR", "1")
    assert not cli_ui.colour_allowed(Terminal())  # type: ignore[arg-type]
    assert cli_ui.Ui.coloured("PASSED: x", Terminal()) == "PASSED: x"  # type: ignore[arg-type]
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("TERM", "dumb")
    assert not cli_ui.colour_allowed(Terminal())  # type: ignore[arg-type]
    result = CliRunner().invoke(cli, ["validate", str(FIXTURE)])
    assert "\x1b[" not in result.output  # not a terminal


def test_ctrl_c_exits_130_and_says_how_to_go_on(scheme: Scheme, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import cfl.cli.sign_cmd as sign_command

    folder = tmp_path / "declarations"
    folder.mkdir()
    for name in ("a", "b", "c"):
        (folder / f"{name}.json").write_bytes(FIXTURE.read_bytes())

    def interrupted(*args: object, **kwargs: object) -> None:
        kwargs["on_outcome"].__call__(_Outcome())  # type: ignore[operator]
        raise KeyboardInterrupt

    monkeypatch.setattr(sign_command, "sign_files", interrupted)
    result = run("sign", folder, "--key", scheme.certifier, "--role", "certifier", "-o",
                 tmp_path / "out")
    assert result.exit_code == 130
    assert "interrupted: signed 1 of 3 declaration(s)" in result.stderr
    assert "run the same command again" in result.stderr
    assert "Aborted" not in result.output


class _Outcome:
    status = "signed"


def test_ctrl_c_elsewhere_says_nothing_was_left_half_written(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import cfl.cli.validate_cmd as validate_command

    def stop(path: Path) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(validate_command, "findings_of_file", stop)
    result = CliRunner().invoke(cli, ["validate", str(FIXTURE)])
    assert result.exit_code == 130 and "nothing was left half-written" in result.output


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts(shell: str) -> None:
    result = CliRunner().invoke(cli, ["completion", shell])
    assert result.exit_code == 0 and "_CFL_COMPLETE" in result.output


def test_completion_completes_commands() -> None:
    result = CliRunner().invoke(cli, [], env={"_CFL_COMPLETE": "bash_complete",
                                              "COMP_WORDS": "cfl ins", "COMP_CWORD": "1"},
                                prog_name="cfl")
    assert "plain,inspect" in result.output


def test_text_dash_reads_the_qr_text_from_standard_input(scheme: Scheme) -> None:
    text = run("claim", scheme.bundle).stdout.strip()
    verified = run("verify", "--text", "-", "--trust", scheme.trust_list, "--anchor",
                   scheme.operator, "--revocations", scheme.revocations, "--status-list",
                   str(scheme.status_list), "--trust-store", scheme.store, "--at",
                   "2026-04-10T00:00:00Z", input=text + "\n")
    assert verified.exit_code == 0, verified.output
    inspected = run("inspect", "--text", "-", input=text)
    assert inspected.exit_code == 0 and "QR claim: <text>" in inspected.output


def test_dash_for_anchor_and_passphrase(scheme: Scheme, tmp_path: Path) -> None:
    anchor = (scheme.operator / "public.jwk.json").read_text()
    result = run("verify", scheme.bundle, "--trust", scheme.trust_list, "--anchor", "-",
                 "--revocations", scheme.revocations, "--status-list", str(scheme.status_list),
                 "--trust-store", scheme.store, "--at", "2026-04-10T00:00:00Z", input=anchor)
    assert result.exit_code == 0, result.output
    signed = run("sign", FIXTURE, "--key", scheme.certifier, "--role", "certifier",
                 "--passphrase-file", "-", "-o", tmp_path / "p.json", "--at", SIGNED,
                 env={}, input="pass phrase 1\n")
    assert signed.exit_code == 0, signed.output
