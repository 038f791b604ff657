"""``cfl serve``: run the disclosure register; ``cfl serve clients add|list|remove``: its
PACT API clients."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from cfl.cli.keys_cmd import read_passphrase
from cfl.cli.options import current_time
from cfl.errors import InputError
from cfl.register.clients import SCOPES, add_client
from cfl.register.config import RegisterConfig, load_config
from cfl.register.server import build_register, open_storage
from cfl.register.server import serve as run_server
from cfl.signing.keys import PRIVATE_KEY_FILE

_PATH = click.Path(path_type=Path, dir_okay=False)


def _database_options(function: Any) -> Any:
    for option in reversed((
        click.option("--config", "config_file", type=click.Path(path_type=Path,
                     dir_okay=False, exists=True), help="The register's TOML config file."),
        click.option("--data", "data_dir", type=click.Path(path_type=Path, file_okay=False),
                     help="Data folder (the embedded SQLite database; default ./cfl-register)."),
        click.option("--db", "database", metavar="URL",
                     help="PostgreSQL instead of the embedded SQLite: postgresql://USER@HOST/DB "
                     "(password from PGPASSWORD or ~/.pgpass)."),
    )):
        function = option(function)
    return function


def _config(config_file: Path | None, **options: Any) -> RegisterConfig:
    return load_config(config_file, options)


@click.group(invoke_without_command=True)
@_database_options
@click.option("--trust", "trust_list", type=_PATH,
              help="The scheme operator's signed trust list (required on first start).")
@click.option("--anchor", type=click.Path(path_type=Path),
              help="The operator's public JWK (or key folder) the trust list must be signed by.")
@click.option("--revocations", multiple=True, type=_PATH,
              help="A certifier's signed revocation list to serve (repeatable).")
@click.option("--status-list", "status_lists", multiple=True, type=_PATH,
              help="A certifier's signed status list to serve (repeatable; its format-2 "
              "bundles are accepted only with it).")
@click.option("--resolver", help="The resolver URL of the labels this register serves "
              "(uppercase, ending in '/'; default HTTPS://CFL.EXAMPLE/V/).")
@click.option("--public-url", help="The register's public base URL (links in feeds and PACT "
              "pagination; default: from each request).")
@click.option("--host", help="Address to listen on (default 127.0.0.1).")
@click.option("--port", type=int, help="Port (default 8000).")
@click.option("--tls-cert", type=_PATH, help="TLS certificate chain (PEM); serves HTTPS.")
@click.option("--tls-key", type=_PATH, help="The certificate's private key (PEM).")
@click.option("--forwarded-allow-ips", help="Trust X-Forwarded-Proto/For from these proxy "
              "addresses (behind a TLS-terminating reverse proxy).")
@click.option("--log-origin", help="The transparency log's name (default: the public URL's "
              "host and path + /log); fixed on first start.")
@click.option("--log-key", type=click.Path(path_type=Path, file_okay=False),
              help="Folder of the log's signing key (created, encrypted, on first start; "
              "default DATA/log-key).")
@click.option("--passphrase-file", type=click.Path(dir_okay=False, path_type=Path,
              allow_dash=True), help="File whose first line is the log key's passphrase "
              "(else $CFL_KEY_PASSPHRASE, else a prompt).")
@click.option("--check", is_flag=True, help="Check the configuration and the trust list, "
              "migrate the database, open (or create) the log key, and exit without serving.")
@click.pass_context
def serve(ctx: click.Context, /, config_file: Path | None, check: bool,
          passphrase_file: Path | None, **options: Any) -> None:
    """Run the disclosure register: the resolver page of the labels' QR codes, bundles,
    the public register, publishing, and the PACT v3 API (HTTPS only).

    One command on the embedded default (SQLite in ./cfl-register, created on first start):
    cfl serve --trust trust.json --anchor operator/public.jwk.json. It refuses to start
    without a trust list or with one that is expired or not signed by the anchor.
    """
    if ctx.invoked_subcommand is not None:
        ctx.obj = {"config_file": config_file, "data_dir": options["data_dir"],
                   "database": options["database"]}
        return
    config = _config(config_file, **options)
    new_key = not (config.log_key_dir / PRIVATE_KEY_FILE).exists()

    def passphrase() -> bytes:
        return read_passphrase(passphrase_file, confirm=new_key)

    if check:
        register = build_register(config, log_passphrase=passphrase)
        info = register.trust.describe()
        log = register.log
        register.storage.close()
        click.echo(f"ok: trust list of {info['operator']} version {info['version']} (expires "
                   f"{info['expires']}); database {_shown(config)}")
        if log is not None:
            click.echo(f"log {log.origin}, key {log.verifier_key}")
        return
    scheme = "https" if config.tls else "http"
    click.echo(f"cfl register on {scheme}://{config.host}:{config.port}/ (database "
               f"{_shown(config)}); the PACT API "
               + ("is on" if config.tls or config.forwarded_allow_ips else
                  "answers only over HTTPS: give --tls-cert/--tls-key or run behind a TLS "
                  "proxy with --forwarded-allow-ips"), err=True)
    run_server(config, log_passphrase=passphrase)


def _shown(config: RegisterConfig) -> str:
    if config.database is None:
        return str(config.data_dir / "register.sqlite3")
    return config.database.split("@")[-1]  # never a password


@serve.group()
def clients() -> None:
    """The register's PACT API clients (OAuth2 client credentials)."""


def _storage_config(ctx: click.Context, config_file: Path | None, data_dir: Path | None,
                    database: str | None) -> RegisterConfig:
    parent = ctx.find_object(dict) or {}
    return _config(config_file or parent.get("config_file"),
                   data_dir=data_dir or parent.get("data_dir"),
                   database=database or parent.get("database"))


@clients.command("add")
@click.argument("name")
@_database_options
@click.option("--scope", "scopes", multiple=True, type=click.Choice(SCOPES),
              help="What the client may do (repeatable; default: all).")
@click.option("--events-url", help="The client's PACT /3/events endpoint: where the register "
              "sends the answers to its requests.")
@click.option("--events-token-url", help="Its token endpoint (default: /auth/token beside "
              "the events URL).")
@click.option("--events-client-id", help="The client id the register authenticates with at "
              "the events endpoint.")
@click.option("--events-client-secret-file", type=_PATH,
              help="File holding the matching secret (first line).")
@click.pass_context
def clients_add(ctx: click.Context, name: str, config_file: Path | None,
                data_dir: Path | None, database: str | None, scopes: tuple[str, ...],
                events_url: str | None, events_token_url: str | None,
                events_client_id: str | None, events_client_secret_file: Path | None) -> None:
    """Add a client NAME; prints its client id and secret (shown once, stored hashed)."""
    config = _storage_config(ctx, config_file, data_dir, database)
    secret = None
    if events_client_secret_file is not None:
        try:
            secret = events_client_secret_file.read_text(encoding="utf-8").splitlines()[0]
        except (OSError, UnicodeDecodeError, IndexError) as exc:
            raise InputError(f"cannot read the secret ({exc})",
                             source=str(events_client_secret_file),
                             code="unreadable") from None
    storage = open_storage(config)
    try:
        if events_url is not None and events_token_url is None:
            events_token_url = events_url.rsplit("/3/events", 1)[0] + "/auth/token"
        new = add_client(storage, name, at=int(current_time().timestamp()),
                         scopes=scopes or SCOPES, events_url=events_url,
                         events_token_url=events_token_url, events_client_id=events_client_id,
                         events_client_secret=secret)
    finally:
        storage.close()
    click.echo(f"client_id: {new.client_id}")
    click.echo(f"client_secret: {new.secret}")
    click.echo("the secret is shown only now; the register keeps a hash of it", err=True)


@clients.command("list")
@_database_options
@click.pass_context
def clients_list(ctx: click.Context, config_file: Path | None, data_dir: Path | None,
                 database: str | None) -> None:
    """List the clients (never their secrets)."""
    storage = open_storage(_storage_config(ctx, config_file, data_dir, database))
    try:
        records = storage.clients()
    finally:
        storage.close()
    for record in records:
        events = f"  events → {record.events_url}" if record.events_url else ""
        click.echo(f"{record.client_id}  {record.name}  [{' '.join(record.scopes)}]{events}")
    if not records:
        click.echo("no clients", err=True)


@clients.command("remove")
@click.argument("client_id")
@_database_options
@click.pass_context
def clients_remove(ctx: click.Context, client_id: str, config_file: Path | None,
                   data_dir: Path | None, database: str | None) -> None:
    """Remove a client and its tokens (running registers forget them within 30 s)."""
    storage = open_storage(_storage_config(ctx, config_file, data_dir, database))
    try:
        removed = storage.remove_client(client_id)
    finally:
        storage.close()
    if not removed:
        raise click.ClickException(f"no client {client_id}")
    click.echo(f"removed {client_id}")
