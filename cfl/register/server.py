"""Starting a register: open (and migrate) the database, accept the trust list, take the
revocation lists given at start, and run the application under uvicorn (TLS when a
certificate is configured)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from cfl.errors import CflError, InputError, KeyFileError
from cfl.io.jsonio import read_bytes
from cfl.log.note import NoteSigner
from cfl.register.app import Register, create_app
from cfl.register.config import RegisterConfig
from cfl.register.log_store import LogStore
from cfl.register.outbox import deliver_due
from cfl.register.publish import PublishRefused, publish_revocations, publish_status_list
from cfl.register.storage import ConflictError, SqlStorage
from cfl.register.transparency import RegisterLog, WitnessEndpoint
from cfl.register.trust_state import RegisterTrust, TrustNotServable
from cfl.signing.keys import (
    PRIVATE_KEY_FILE,
    LocalSigner,
    load_public_key,
    load_signer,
    write_key_pair,
)
from cfl.trust.revocation import MAX_REVOCATION_BYTES
from cfl.trust.status_list import MAX_STATUS_LIST_BYTES
from cfl.trust.trust_list import MAX_TRUST_LIST_BYTES

LOG = logging.getLogger("cfl.register")
#: Seconds between two looks at the outbox.
OUTBOX_INTERVAL = 1.0
#: Longest pause between two looks at whether a checkpoint is due.
CHECKPOINT_TICK = 0.25


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def open_storage(config: RegisterConfig) -> SqlStorage:
    """The register's database, created (SQLite: in the data folder) and migrated."""
    if config.database is None:
        try:
            config.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise InputError(f"cannot create the data folder ({exc.strerror})",
                             source=str(config.data_dir), code="bad_data_dir") from None
    return SqlStorage.open(config.database_url)


def log_origin(config: RegisterConfig, stored: str | None) -> str:
    """The log's origin: the one stored on first start (a configured origin must equal it),
    else the configured one, else the public URL's host and path with ``/log``, else
    ``<host>:<port>/log``."""
    if stored is not None:
        if config.log_origin is not None and config.log_origin != stored:
            raise InputError(f"the register's log is named {stored!r}; it cannot be renamed "
                             f"{config.log_origin!r} (a new name is a new log: start one in "
                             "a new database, and list it in the trust list)",
                             source="[log].origin", code="log_origin_changed")
        return stored
    if config.log_origin is not None:
        return config.log_origin
    if config.public_url is not None:
        return config.public_url.split("://", 1)[1].rstrip("/") + "/log"
    return f"{config.host}:{config.port}/log"


def open_log_key(config: RegisterConfig, passphrase: bytes | None) -> LocalSigner:
    """The register's log key (Ed25519), created encrypted (mode 0600) in its folder on
    first start."""
    folder = config.log_key_dir
    if passphrase is None:
        raise KeyFileError(f"{folder}: the register's log key needs a passphrase (set "
                           "CFL_KEY_PASSPHRASE or give --passphrase-file)",
                           code="no_passphrase")
    if (folder / PRIVATE_KEY_FILE).exists():
        signer = load_signer(folder, passphrase)
    else:
        signer = LocalSigner.generate("EdDSA")
        write_key_pair(folder, signer, passphrase)
        LOG.info("created the log key in %s", folder)
    if signer.alg != "EdDSA":
        raise KeyFileError(f"{folder}: a log key is Ed25519 (signed notes), not {signer.alg}",
                           code="key_unsupported")
    return signer


def open_register_log(config: RegisterConfig, storage: SqlStorage, passphrase: bytes | None,
                      *, clock: Callable[[], dt.datetime]) -> RegisterLog:
    """The register's transparency log over its database, with its key and witnesses."""
    witnesses = [WitnessEndpoint.parse(text) for text in config.witnesses]
    store = LogStore(storage.engine)
    origin = log_origin(config, store.stored_origin())
    signer = NoteSigner(origin, open_log_key(config, passphrase))
    store.start(origin)
    return RegisterLog(store, signer, clock=clock,
                       checkpoint_seconds=config.checkpoint_seconds,
                       checkpoint_entries=config.checkpoint_entries, witnesses=witnesses)


def build_register(config: RegisterConfig, *,
                   clock: Callable[[], dt.datetime] = utc_now,
                   log_passphrase: Callable[[], bytes] | bytes | None = None) -> Register:
    """A register ready to serve, or :class:`~cfl.errors.CflError` saying why it must not
    start (no trust list, an expired or unsigned one, a bad revocation list, no log key or
    no passphrase for it). ``log_passphrase`` opens the log key (or encrypts a new one); a
    function is called only once the trust list was accepted."""
    if config.anchor is None:
        raise TrustNotServable("no anchor: give the scheme operator's public key with "
                               "--anchor (the register accepts only a trust list it signed)",
                               code="anchor_missing")
    anchor = load_public_key(config.anchor)
    trust_bytes = (read_bytes(config.trust_list, max_bytes=MAX_TRUST_LIST_BYTES)
                   if config.trust_list is not None else None)
    storage = open_storage(config)
    try:
        trust = RegisterTrust(storage, anchor=anchor, clock=clock)
        trust.start(trust_bytes, source=str(config.trust_list or "<stored trust list>"))
        passphrase = log_passphrase() if callable(log_passphrase) else log_passphrase
        log = open_register_log(config, storage, passphrase, clock=clock)
        given = [(path, "revocation list", MAX_REVOCATION_BYTES, publish_revocations)
                 for path in config.revocations]
        given += [(path, "status list", MAX_STATUS_LIST_BYTES, publish_status_list)
                  for path in config.status_lists]
        for path, kind, max_bytes, publish_list in given:
            code = kind.replace(" ", "_")
            data = read_bytes(path, max_bytes=max_bytes)
            try:
                publish_list(data, storage=storage, trust=trust, at=clock(),
                             source=str(path), hooks=(log.hook,))
            except ConflictError as exc:
                if exc.code != f"{code}_outdated":
                    raise
                LOG.info("%s: the register holds a newer list already", path)
            except PublishRefused as exc:
                raise InputError(f"the {kind} is not accepted: {exc.message}",
                                 source=str(path), code=f"{code}_refused") from None
    except BaseException:
        storage.close()
        raise
    return Register(config, storage, trust, clock, hooks=(log.hook,), log=log)


def application(register: Register) -> Any:
    """The application with its background work (the outbox) tied to its lifespan."""
    app = create_app(register)
    inner = app
    while hasattr(inner, "app"):
        inner = inner.app

    @contextlib.asynccontextmanager
    async def lifespan(_: Any) -> AsyncIterator[None]:
        tasks = [asyncio.create_task(_outbox_loop(register))]
        if register.log is not None:
            tasks.append(asyncio.create_task(_checkpoint_loop(register.log)))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            register.storage.close()

    inner.router.lifespan_context = lifespan
    return app


async def _outbox_loop(register: Register) -> None:
    while True:
        try:
            await asyncio.to_thread(deliver_due, register.storage, clock=register.clock)
        except CflError as exc:
            LOG.warning("outbox: %s", exc)
        await asyncio.sleep(OUTBOX_INTERVAL)


async def _checkpoint_loop(log: RegisterLog) -> None:
    """Sign checkpoints when they are due, and wake publishers waiting for their proofs."""
    pause = min(CHECKPOINT_TICK, log.checkpoint_seconds)
    while True:
        try:
            await asyncio.to_thread(log.tick)
        except CflError as exc:
            LOG.error("log %s: no checkpoint signed: %s", log.origin, exc)
        log.notify()
        await asyncio.sleep(pause)


def serve(config: RegisterConfig, *, log_level: str = "info",
          log_passphrase: Callable[[], bytes] | bytes | None = None) -> None:
    """Run the register until interrupted."""
    import uvicorn  # the server itself, only when serving

    register = build_register(config, log_passphrase=log_passphrase)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if register.log is not None:
        LOG.info("transparency log %s, key %s", register.log.origin, register.log.verifier_key)
    uvicorn.run(
        application(register), host=config.host, port=config.port,
        ssl_certfile=str(config.tls_cert) if config.tls_cert else None,
        ssl_keyfile=str(config.tls_key) if config.tls_key else None,
        proxy_headers=config.forwarded_allow_ips is not None,
        forwarded_allow_ips=config.forwarded_allow_ips,
        access_log=False, server_header=False, log_level=log_level,
        timeout_keep_alive=5, h11_max_incomplete_event_size=64 * 1024,
        limit_concurrency=2000, timeout_graceful_shutdown=10,
    )
