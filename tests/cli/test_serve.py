"""``cfl serve`` (refusals, --check, a config file), ``cfl serve clients`` and ``cfl publish``
without a server, in-process."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from register_world import LOG_ENV, RegisterWorld, free_port, make_world

from cfl.cli.main import cli
from cfl.errors import InputError
from cfl.register.config import load_config


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> RegisterWorld:
    return make_world(tmp_path_factory.mktemp("serve-world"), count=1)


def _run(*args: str) -> object:
    return CliRunner().invoke(cli, list(args))


def test_serve_refuses_to_start_without_a_trust_list(tmp_path: Path, world: RegisterWorld
                                                     ) -> None:
    result = CliRunner().invoke(cli, ["serve", "--data", str(tmp_path / "d"), "--anchor",
                                      str(world.anchor)])
    assert result.exit_code == 1
    assert "no trust list" in result.output and "--trust" in result.output


def test_serve_refuses_an_expired_trust_list(tmp_path: Path, world: RegisterWorld) -> None:
    expired = tmp_path / "expired.json"
    expired.write_bytes(world.trust_list_expiring(world.at - dt.timedelta(days=1),
                                                  world.at - dt.timedelta(days=20), 1))
    result = CliRunner().invoke(cli, ["serve", "--data", str(tmp_path / "d"), "--trust",
                                      str(expired), "--anchor", str(world.anchor)])
    assert result.exit_code == 1
    assert "trust_list_expired" in result.output and "expired" in result.output


def test_serve_refuses_a_list_not_signed_by_the_anchor(tmp_path: Path, world: RegisterWorld
                                                       ) -> None:
    other = tmp_path / "other.jwk.json"
    other.write_text(__import__("json").dumps(world.stranger.public_key.jwk))
    result = CliRunner().invoke(cli, ["serve", "--data", str(tmp_path / "d"), "--trust",
                                      str(world.trust_list), "--anchor", str(other)])
    assert result.exit_code == 1 and "trust_list_signature" in result.output


def test_serve_without_an_anchor_says_what_to_give(tmp_path: Path, world: RegisterWorld
                                                   ) -> None:
    result = CliRunner().invoke(cli, ["serve", "--data", str(tmp_path / "d"), "--trust",
                                      str(world.trust_list)])
    assert result.exit_code == 1 and "--anchor" in result.output


def test_serve_check_with_a_config_file(tmp_path: Path, world: RegisterWorld) -> None:
    config = tmp_path / "register.toml"
    config.write_text(
        f'[register]\ndata_dir = "data"\nresolver = "HTTPS://REGISTER.EXAMPLE/V/"\n'
        f'[trust]\ntrust_list = "{world.trust_list}"\nanchor = "{world.anchor}"\n'
        f'revocations = ["{world.revocations}"]\n[server]\nport = {free_port()}\n'
        "[limits]\nrequests_per_minute = 100\n")
    result = CliRunner().invoke(cli, ["serve", "--config", str(config), "--check"],
                                env=LOG_ENV)
    assert result.exit_code == 0, result.output
    assert "ok: trust list of Register test operator version 1" in result.output
    assert (tmp_path / "data" / "register.sqlite3").is_file()
    key = tmp_path / "data" / "log-key" / "private.pem"
    assert key.stat().st_mode & 0o777 == 0o600 and b"ENCRYPTED" in key.read_bytes()
    assert re.search(r"^log 127\.0\.0\.1:\d+/log, key 127\.0\.0\.1:\d+/log\+[0-9a-f]{8}\+",
                     result.output, re.M)


def test_config_files_are_checked(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("[register]\nlisten = 1\n")
    with pytest.raises(InputError, match=r"unknown setting"):
        load_config(config, {})
    config.write_text("[server]\ntls_cert = \"c.pem\"\n")
    with pytest.raises(InputError, match="both a certificate and its key"):
        load_config(config, {})
    config.write_text("[register]\nresolver = \"https://lower.example/v/\"\n")
    with pytest.raises(InputError, match="uppercase"):
        load_config(config, {})
    assert load_config(None, {"database": "postgresql://u@h/db"}).database_url == \
        "postgresql+psycopg://u@h/db"


def test_clients_add_list_remove(tmp_path: Path) -> None:
    data = str(tmp_path / "d")
    added = CliRunner().invoke(cli, ["serve", "clients", "add", "Partner Co", "--data", data,
                                     "--scope", "footprint:list"])
    assert added.exit_code == 0, added.output
    client_id = re.search(r"client_id: (\S+)", added.stdout).group(1)  # type: ignore[union-attr]
    secret = re.search(r"client_secret: (\S+)", added.stdout).group(1)  # type: ignore[union-attr]
    listed = CliRunner().invoke(cli, ["serve", "--data", data, "clients", "list"])
    assert listed.exit_code == 0 and client_id in listed.stdout and "Partner Co" in listed.stdout
    assert secret not in listed.stdout
    database = (tmp_path / "d" / "register.sqlite3").read_bytes()
    assert secret.encode() not in database  # kept only as a salted hash
    removed = CliRunner().invoke(cli, ["serve", "clients", "remove", client_id, "--data", data])
    assert removed.exit_code == 0
    again = CliRunner().invoke(cli, ["serve", "clients", "remove", client_id, "--data", data])
    assert again.exit_code == 1 and "no client" in again.output


def test_an_events_url_needs_credentials_and_https(tmp_path: Path) -> None:
    data = str(tmp_path / "d")
    result = CliRunner().invoke(cli, ["serve", "clients", "add", "P", "--data", data,
                                      "--events-url", "http://partner.example/3/events"])
    assert result.exit_code == 1 and "https://" in result.output


def test_publish_to_a_register_that_is_not_there(world: RegisterWorld) -> None:
    result = CliRunner().invoke(cli, ["publish", str(world.bundles[0]), "--to",
                                      f"http://127.0.0.1:{free_port()}"])
    assert result.exit_code == 1
    assert "ConnectError" in result.output and "1 of 1" in result.output


def test_publish_refuses_what_is_not_publishable(tmp_path: Path) -> None:
    junk = tmp_path / "junk.json"
    junk.write_text('{"hello": 1}')
    result = CliRunner().invoke(cli, ["publish", str(junk), "--to", "http://127.0.0.1:9"])
    assert result.exit_code == 1 and "neither a signed bundle" in result.output
