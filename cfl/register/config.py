"""The register's configuration: one TOML file, options on top of it, checked before start.

Every path in the file is relative to the file's folder. Options of ``cfl serve`` override
the file. :func:`load_config` checks what it can without the trust list (paths exist, the
resolver is a QR-alphanumeric URL, TLS comes as a pair); whether the trust list may be served
at all is :func:`cfl.register.trust_state.RegisterTrust.check_startable`'s job.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cfl.claim.text import DEFAULT_RESOLVER, check_resolver
from cfl.errors import InputError
from cfl.log.note import valid_key_name

#: The database file of the embedded default, inside the data folder.
SQLITE_FILE = "register.sqlite3"
#: Bound on the configuration file.
MAX_CONFIG_BYTES = 64 * 1024
DEFAULT_PORT = 8000

_SECTIONS: dict[str, tuple[str, ...]] = {
    "register": ("data_dir", "database", "resolver", "public_url"),
    "trust": ("trust_list", "anchor", "revocations", "status_lists"),
    "server": ("host", "port", "tls_cert", "tls_key", "forwarded_allow_ips"),
    "limits": ("max_body_bytes", "requests_per_minute", "publishes_per_minute",
               "request_timeout_seconds", "token_lifetime_seconds", "page_size"),
    "log": ("origin", "key", "checkpoint_seconds", "checkpoint_entries",
            "proof_wait_seconds", "witnesses"),
}
#: Settings of the [log] section whose option names differ from their names in the file.
_LOG_NAMES = {"origin": "log_origin", "key": "log_key"}
_PATHS = {"data_dir", "trust_list", "anchor", "tls_cert", "tls_key", "log_key"}
#: The log key's folder inside the data folder, unless the config names another.
LOG_KEY_DIR = "log-key"


@dataclass(frozen=True)
class Limits:
    """Bounds on what a client may send and how often (per client or per address, per
    process)."""

    max_body_bytes: int = 2 * 1024 * 1024
    requests_per_minute: int = 6000
    publishes_per_minute: int = 600
    request_timeout_seconds: float = 30.0
    token_lifetime_seconds: int = 3600
    page_size: int = 50


@dataclass(frozen=True)
class RegisterConfig:
    """Everything ``cfl serve`` needs. ``database`` is a SQLAlchemy URL (the embedded
    default is a SQLite file in ``data_dir``)."""

    data_dir: Path
    trust_list: Path | None = None
    anchor: Path | None = None
    revocations: tuple[Path, ...] = ()
    status_lists: tuple[Path, ...] = ()
    database: str | None = None
    resolver: str = DEFAULT_RESOLVER
    public_url: str | None = None
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    tls_cert: Path | None = None
    tls_key: Path | None = None
    forwarded_allow_ips: str | None = None
    limits: Limits = field(default_factory=Limits)
    #: The transparency log: its origin (default: the public URL's host and path + /log,
    #: else the one stored on first start), the folder of its key (default DATA/log-key),
    #: when checkpoints are signed, how long a publish waits for its proof, and the
    #: witnesses asked to cosign ("<verifier key> <URL>").
    log_origin: str | None = None
    log_key: Path | None = None
    checkpoint_seconds: float = 1.0
    checkpoint_entries: int = 256
    proof_wait_seconds: float = 5.0
    witnesses: tuple[str, ...] = ()

    @property
    def database_url(self) -> str:
        """The SQLAlchemy URL: the given one (``postgresql://`` uses psycopg 3), or the SQLite
        file in the data folder."""
        if self.database is None:
            return f"sqlite:///{(self.data_dir / SQLITE_FILE).resolve()}"
        return database_url(self.database)

    @property
    def tls(self) -> bool:
        return self.tls_cert is not None

    @property
    def log_key_dir(self) -> Path:
        return self.log_key if self.log_key is not None else self.data_dir / LOG_KEY_DIR


def database_url(value: str) -> str:
    """A database URL as given on the command line, as SQLAlchemy takes it."""
    for prefix in ("postgresql://", "postgres://"):
        if value.startswith(prefix):
            return "postgresql+psycopg://" + value[len(prefix):]
    if value.startswith(("sqlite:///", "postgresql+psycopg://")):
        return value
    raise InputError(f"database URL {value.split(':', 1)[0]!r}…: expected postgresql://… or "
                     "sqlite:///PATH", source="--db", code="bad_database_url")


def load_config(path: Path | None, overrides: Mapping[str, Any]) -> RegisterConfig:
    """The configuration in ``path`` (TOML, optional) with ``overrides`` (option name →
    value; None means "not given") on top."""
    values: dict[str, Any] = {}
    if path is not None:
        values.update(_read_file(path))
    values.update({name: value for name, value in overrides.items()
                   if value is not None and value != ()})
    data_dir = Path(values.pop("data_dir", "cfl-register"))
    limits = Limits(**{name: values.pop(name) for name in list(values)
                       if name in _SECTIONS["limits"]})
    revocations = tuple(Path(p) for p in values.pop("revocations", ()))
    status_lists = tuple(Path(p) for p in values.pop("status_lists", ()))
    witnesses = tuple(values.pop("witnesses", ()))
    config = RegisterConfig(data_dir=data_dir, revocations=revocations, limits=limits,
                            witnesses=witnesses, status_lists=status_lists, **values)
    return _checked(config, source=str(path) if path is not None else "<options>")


def _read_file(path: Path) -> dict[str, Any]:
    source = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read ({exc.strerror})", source=source,
                         code="unreadable") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise InputError(f"is larger than {MAX_CONFIG_BYTES} bytes", source=source,
                         code="too_large")
    try:
        document = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"is not valid TOML ({exc})", source=source,
                         code="bad_config") from None
    values: dict[str, Any] = {}
    base = path.resolve().parent
    for section, table in document.items():
        names = _SECTIONS.get(section)
        if names is None or not isinstance(table, dict):
            raise InputError(f"unknown section [{section}]; expected one of "
                             f"{', '.join(f'[{s}]' for s in _SECTIONS)}", source=source,
                             location=f"[{section}]", code="bad_config")
        for name, value in table.items():
            if name not in names:
                raise InputError(f"unknown setting; [{section}] has {', '.join(names)}",
                                 source=source, location=f"[{section}].{name}",
                                 code="bad_config")
            option = str(_LOG_NAMES.get(name, name)) if section == "log" else str(name)
            values[option] = _value(option, value, base, source, f"[{section}].{name}")
    return values


def _value(name: str, value: Any, base: Path, source: str, where: str) -> Any:
    if name in _PATHS:
        if not isinstance(value, str):
            raise InputError("expected a path (text)", source=source, location=where,
                             code="bad_config")
        return base / value
    if name in ("revocations", "status_lists"):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InputError("expected a list of paths", source=source, location=where,
                             code="bad_config")
        return [base / v for v in value]
    if name == "witnesses":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InputError("expected a list of '<verifier key> <URL>' texts",
                             source=source, location=where, code="bad_config")
        return value
    if name in ("port", "max_body_bytes", "requests_per_minute", "publishes_per_minute",
                "token_lifetime_seconds", "page_size", "checkpoint_entries"):
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise InputError("expected a positive integer", source=source, location=where,
                             code="bad_config")
        return value
    if name in ("request_timeout_seconds", "checkpoint_seconds", "proof_wait_seconds"):
        least = 0 if name == "proof_wait_seconds" else 1e-9
        if not isinstance(value, int | float) or isinstance(value, bool) or value < least:
            raise InputError("expected a positive number", source=source, location=where,
                             code="bad_config")
        return float(value)
    if not isinstance(value, str):
        raise InputError("expected text", source=source, location=where, code="bad_config")
    return value


def _checked(config: RegisterConfig, *, source: str) -> RegisterConfig:
    try:
        check_resolver(config.resolver)
    except InputError as exc:
        raise InputError(exc.message, source=source, location="resolver",
                         code=exc.code) from None
    if (config.tls_cert is None) != (config.tls_key is None):
        raise InputError("TLS needs both a certificate and its key (tls_cert and tls_key)",
                         source=source, code="bad_config")
    if config.database is not None:
        database_url(config.database)
    if not 0 < config.port < 65536:
        raise InputError(f"port {config.port} is not a TCP port", source=source,
                         location="port", code="bad_config")
    if not 0 < config.checkpoint_seconds <= 3600 or not 0 <= config.proof_wait_seconds <= 60:
        raise InputError("checkpoint_seconds is 0 to 3600 and proof_wait_seconds 0 to 60",
                         source=source, location="[log]", code="bad_config")
    if config.log_origin is not None and not valid_key_name(config.log_origin):
        raise InputError(f"{config.log_origin[:80]!r} cannot name a log (no spaces, no '+', "
                         "at most 256 characters), e.g. register.example.org/log",
                         source=source, location="[log].origin", code="bad_config")
    public_url = config.public_url
    if public_url is not None:
        if not public_url.startswith(("https://", "http://")):
            raise InputError("public_url must start with https:// (or http://)",
                             source=source, location="public_url", code="bad_config")
        config = replace(config, public_url=public_url.rstrip("/"))
    return config
