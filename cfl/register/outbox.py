"""Sending the register's answers (RequestFulfilled/RequestRejected events) to the clients
that asked, from the outbox: each client's events endpoint and credentials are set when the
client is added. Retried with exponential backoff (10 s doubling, at most an hour apart) and
given up after 72 hours, as PACT v3 recommends."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from urllib.parse import urlsplit

from cfl.errors import CflError
from cfl.interop.pact_client import PactClient
from cfl.register.storage import OutboxItem, RegisterStorage

LOG = logging.getLogger("cfl.register.outbox")
GIVE_UP_SECONDS = 72 * 3600
MAX_BACKOFF_SECONDS = 3600


def backoff(attempts: int) -> int:
    """Seconds before the next try after ``attempts`` failed ones."""
    return int(min(10 * 2 ** min(attempts, 20), MAX_BACKOFF_SECONDS))


def deliver_due(storage: RegisterStorage, *, clock: Callable[[], dt.datetime],
                limit: int = 20, verify: bool | str = True) -> int:
    """Try every due item once; the number delivered."""
    at = int(clock().timestamp())
    delivered = 0
    for item in storage.due_outbox(at=at, limit=limit):
        if _deliver(storage, item, at=at, verify=verify):
            delivered += 1
    return delivered


def _deliver(storage: RegisterStorage, item: OutboxItem, *, at: int,
             verify: bool | str) -> bool:
    client = storage.client(item.client_id)
    if client is None or not client.events_url or client.events_client_id is None \
            or client.events_client_secret is None:
        storage.outbox_done(item.seq, state="abandoned",
                            error="the client or its events endpoint was removed")
        return False
    parts = urlsplit(client.events_url)
    base = f"{parts.scheme}://{parts.netloc}"
    try:
        with PactClient(base, client.events_client_id, client.events_client_secret,
                        token_url=client.events_token_url, verify=verify,
                        timeout=15.0) as pact:
            pact.send_event(json.loads(item.body), events_url=client.events_url)
    except CflError as exc:
        state = "abandoned" if at - item.created_at > GIVE_UP_SECONDS else "pending"
        LOG.warning("event %s for %s not delivered (attempt %d): %s", item.seq,
                    item.client_id, item.attempts + 1, exc)
        storage.outbox_done(item.seq, state=state, error=str(exc)[:2000],
                            next_attempt_at=at + backoff(item.attempts))
        return False
    storage.outbox_done(item.seq, state="delivered")
    return True
