"""cfl.toml applies to every command that has the option of the same name; the command line
wins; `cfl config show` says what is in effect and where it came from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from signing_cli import AT, ENV, FIXTURE, SIGNED, Scheme, make_scheme

from cfl.cli.main import cli


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Scheme:
    scheme = make_scheme(tmp_path)
    (tmp_path / "cfl.toml").write_text(
        f'trust = "{scheme.trust_list.name}"\n'
        'anchor = "operator/public.jwk.json"\n'
        f'revocations = ["{scheme.revocations.name}"]\n'
        f'status-lists = ["{scheme.status_list.name if scheme.status_list else ""}"]\n'
        '"trust-store" = "store"\n'
        'key = "certifier/"\n'
        'resolver = "HTTPS://LABELS.EXAMPLE.CN/V/"\n', encoding="utf-8")
    sub = tmp_path / "work" / "deeper"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    monkeypatch.delenv("CFL_CONFIG", raising=False)
    return scheme


def invoke(*args: str | Path, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, [str(a) for a in args], env={**ENV, **(env or {})})


def test_verify_takes_trust_anchor_revocations_and_store_from_cfl_toml(project: Scheme) -> None:
    result = invoke("verify", project.bundle, "--at", AT)
    assert result.exit_code == 0, result.output
    assert (project.root / "store").is_dir()  # the store of cfl.toml, from a sub-folder


def test_an_option_on_the_command_line_wins(project: Scheme) -> None:
    result = invoke("verify", project.bundle, "--anchor", project.certifier, "--at", AT)
    assert result.exit_code == 1 and "trust_list_signature" in result.output


def test_sign_label_and_revoke_take_their_key_resolver_and_list(project: Scheme,
                                                               tmp_path: Path) -> None:
    signed = invoke("sign", FIXTURE, "--role", "certifier", "-o", tmp_path / "b.json",
                    "--at", SIGNED)
    assert signed.exit_code == 0, signed.output
    claim = invoke("claim", tmp_path / "b.json")
    assert claim.stdout.startswith("HTTPS://LABELS.EXAMPLE.CN/V/")
    label = invoke("label", tmp_path / "b.json", "-o", tmp_path / "b.pdf")
    assert label.exit_code == 0 and "placeholder" not in label.output
    revoked = invoke("revoke", tmp_path / "b.json", "--reason", "test", "--at", SIGNED)
    assert revoked.exit_code == 0, revoked.output
    assert "version 2" in revoked.output  # the list cfl.toml names, continued


def test_config_show_says_where_each_value_came_from(project: Scheme) -> None:
    result = invoke("config", "show")
    config = project.root / "cfl.toml"
    assert result.exit_code == 0
    assert f"configuration: {config.resolve()} (the first cfl.toml from" in result.output
    assert f"trust        {project.root / project.trust_list.name}  ({config.resolve()}, " \
        "line 1)" in result.output
    assert "template     not set (default: standard)" in result.output
    data = json.loads(invoke("config", "show", "--format", "json").output)
    settings = {s["key"]: s for s in data["settings"]}
    assert settings["revocations"]["value"] == [str(project.revocations)]
    assert settings["ledger"]["value"] is None and settings["ledger"]["origin"] == "not set"
    assert settings["key"]["usedBy"] == ["attest", "revoke", "sign"]


def test_cfl_config_names_another_file_or_none(project: Scheme, tmp_path: Path) -> None:
    other = tmp_path / "other.toml"
    other.write_text('template = "sticker"\n', encoding="utf-8")
    shown = invoke("config", "show", "--format", "json", env={"CFL_CONFIG": str(other)})
    assert json.loads(shown.output)["file"] == str(other.resolve())
    off = invoke("verify", project.bundle, "--at", AT, env={"CFL_CONFIG": ""})
    assert off.exit_code == 2 and "--anchor" in off.output  # nothing read, nothing applied


def test_a_broken_cfl_toml_is_one_error_naming_the_place(project: Scheme) -> None:
    (project.root / "cfl.toml").write_text('trst = "x"\n', encoding="utf-8")
    result = invoke("validate", FIXTURE)
    assert result.exit_code == 1
    assert f"{(project.root / 'cfl.toml').resolve()}: line 1: unknown key 'trst'; did you " \
        "mean 'trust'?" in result.output
    assert "Traceback" not in result.output


def test_own_templates_by_name(project: Scheme, tmp_path: Path) -> None:
    folder = project.root / "my-templates"
    folder.mkdir()
    (folder / "tiny.yaml").write_text(
        "name: tiny\npage: {width: 40, height: 40}\nelements:\n"
        "  - {type: qr, x: 1, y: 1, size: 38}\n", encoding="utf-8")
    with (project.root / "cfl.toml").open("a", encoding="utf-8") as fh:
        fh.write('templates = "my-templates"\ntemplate = "tiny"\n')
    result = invoke("label", project.bundle, "-o", tmp_path / "t.pdf", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["template"] == str(folder / "tiny.yaml")
