"""A register for the request-body fuzz target: the demo's trust, revocation and status lists
and bundles on a temporary SQLite database, called in process (no server, no background loops).

Each request is sent to the application as a client would send it (httpx's ASGI transport,
which raises what the application raised; HTTPS, so the PACT API answers too). A request
that changed what the register holds (a document stored, an event recorded, a token issued)
is followed by a restore of the database from the template made at the start, so every input
meets the same register and a failure replays on its own.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fuzz_world import VERIFY_AT, FuzzWorld

from cfl.errors import CflError
from cfl.log.note import NoteSigner
from cfl.register.app import Register, create_app
from cfl.register.clients import add_client
from cfl.register.config import SQLITE_FILE, RegisterConfig, load_config
from cfl.register.log_store import LogStore
from cfl.register.publish import publish_bundle, publish_status_list
from cfl.register.server import build_register, log_origin, open_log_key, open_storage
from cfl.register.transparency import RegisterLog
from cfl.register.trust_state import RegisterTrust
from cfl.signing.keys import load_public_key

LOG_PASSPHRASE = b"fuzz register log key"
EVENTS_URL = "https://partner.example.org/3/events"


def clock() -> Any:
    return VERIFY_AT


@dataclass(frozen=True)
class Credentials:
    client_id: str
    secret: str
    token: str


class AppClient:
    """Requests to an ASGI application in process, on one event loop of its own."""

    def __init__(self, app: Any) -> None:
        self.loop = asyncio.new_event_loop()
        self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                        base_url="https://testserver")

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.loop.run_until_complete(self.client.post(url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.loop.run_until_complete(self.client.get(url, **kwargs))

    def close(self) -> None:
        self.loop.run_until_complete(self.client.aclose())
        self.loop.close()


class FuzzRegister:
    """The register the target sends its requests to, restored after each change."""

    def __init__(self, world: FuzzWorld, folder: Path) -> None:
        anchor = folder / "operator.public.jwk.json"
        anchor.write_text(json.dumps(world.operator.public_key.jwk), encoding="utf-8")
        self.config = load_config(None, {
            "data_dir": folder / "data", "trust_list": world.root / "trust" / "trust-list.json",
            "anchor": anchor, "revocations": [world.root / "trust" / "revocations.json"],
            "log_origin": "register.example.org/log", "proof_wait_seconds": 0.0,
            "public_url": "https://register.example.org",
            "requests_per_minute": 10**9, "publishes_per_minute": 10**9})
        built = build_register(self.config, clock=clock, log_passphrase=LOG_PASSPHRASE)
        try:
            at = int(VERIFY_AT.timestamp())
            client = add_client(built.storage, "fuzz partner", at=at, events_url=EVENTS_URL,
                                events_client_id="register", events_client_secret="s3cret")
            token, _, _ = built.auth.issue(client.client_id, client.secret, at=at)
            self.credentials = Credentials(client.client_id, client.secret, token)
            for path in sorted((world.root / "trust").glob("status-*.json")):
                publish_status_list(path.read_bytes(), storage=built.storage,
                                    trust=built.trust, at=VERIFY_AT, hooks=built.hooks)
            self.published: list[bytes] = []
            for data in world.bundles:
                try:
                    publish_bundle(data, storage=built.storage, trust=built.trust,
                                   at=VERIFY_AT, hooks=built.hooks)
                except CflError:
                    continue  # one the demo made to fail (revoked, tampered): a seed still
                self.published.append(data)
        finally:
            built.storage.close()
        self.database = self.config.data_dir / SQLITE_FILE
        self.template = folder / "template.sqlite3"
        shutil.copyfile(self.database, self.template)
        self.anchor = load_public_key(anchor)
        self.signer = open_log_key(self.config, LOG_PASSPHRASE)
        self.register: Register | None = None
        self.client: AppClient | None = None
        self.restores = 0

    def _open(self) -> Register:
        config: RegisterConfig = self.config
        storage = open_storage(config)
        try:
            trust = RegisterTrust(storage, anchor=self.anchor, clock=clock)
            trust.start(None, source="<stored trust list>")
            store = LogStore(storage.engine)
            origin = log_origin(config, store.stored_origin())
            store.start(origin)
            log = RegisterLog(store, NoteSigner(origin, self.signer), clock=clock,
                              checkpoint_seconds=config.checkpoint_seconds,
                              checkpoint_entries=config.checkpoint_entries)
        except BaseException:
            storage.close()
            raise
        return Register(config, storage, trust, clock, hooks=(log.hook,), log=log)

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None
        if self.register is not None:
            self.register.storage.close()
            self.register = None

    def restore(self) -> None:
        """The register as it was made: the template database, nothing cached."""
        self.close()
        for stale in self.database.parent.glob(SQLITE_FILE + "-*"):
            stale.unlink()
        shutil.copyfile(self.template, self.database)
        self.restores += 1

    def session(self) -> AppClient:
        if self.client is None:
            self.register = self._open()
            self.client = AppClient(create_app(self.register))
        return self.client


@contextmanager
def fuzz_register(world: FuzzWorld, folder: Path) -> Iterator[FuzzRegister]:
    register = FuzzRegister(world, folder)
    try:
        yield register
    finally:
        register.close()
