"""PACT API clients: OAuth2 client credentials (RFC 6749 §4.4) with secrets stored hashed,
and opaque bearer tokens stored as their SHA-256.

A client's secret is 256 random bits made here and shown once; a salted SHA-256 is then
enough to keep it (nothing to guess), and keeps the token endpoint cheap (a slow password
hash would make it a lever for denial of service). ADR 0112.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from dataclasses import dataclass

from cfl.errors import CflError, InputError
from cfl.register.storage import ClientRecord, RegisterStorage

#: Scopes a token may carry (PACT v3's two, and sending events).
SCOPES = ("footprint:list", "footprint:read", "events")
_NAME = re.compile(r"^[^\x00-\x1f\x7f]{1,200}$")
#: How long a checked token is remembered in this process (a removed client's tokens stop
#: working within this time in other processes, at once in this one).
TOKEN_CACHE_SECONDS = 30.0


class AuthError(CflError):
    """A bearer token or client credentials were not accepted (``code`` says how)."""

    code = "invalid_token"


@dataclass(frozen=True)
class NewClient:
    client_id: str
    secret: str


@dataclass(frozen=True)
class Caller:
    """Who a valid bearer token belongs to."""

    client_id: str
    scopes: tuple[str, ...]


def hash_secret(secret: str) -> str:
    salt = secrets.token_hex(16)
    digest = hashlib.sha256(bytes.fromhex(salt) + secret.encode("utf-8")).hexdigest()
    return f"sha256${salt}${digest}"


def secret_matches(stored: str, secret: str) -> bool:
    try:
        scheme, salt, digest = stored.split("$")
        salt_bytes = bytes.fromhex(salt)
    except ValueError:
        return False
    if scheme != "sha256":
        return False
    candidate = hashlib.sha256(salt_bytes + secret.encode("utf-8")).hexdigest()
    return hmac.compare_digest(candidate, digest)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def add_client(storage: RegisterStorage, name: str, *, at: int,
               scopes: tuple[str, ...] = SCOPES, events_url: str | None = None,
               events_token_url: str | None = None, events_client_id: str | None = None,
               events_client_secret: str | None = None) -> NewClient:
    """Register a client; its secret is returned once and kept only hashed."""
    if not _NAME.match(name):
        raise InputError("a client name is 1 to 200 printable characters", source="NAME",
                         code="bad_client_name")
    unknown = [scope for scope in scopes if scope not in SCOPES]
    if unknown or not scopes:
        raise InputError(f"scopes are one or more of {', '.join(SCOPES)}", source="--scope",
                         code="bad_scope")
    if events_url is not None:
        _check_events_url(events_url, "--events-url")
        if events_token_url is not None:
            _check_events_url(events_token_url, "--events-token-url")
        if not events_client_id or not events_client_secret:
            raise InputError("an events URL needs the client id and secret the register "
                             "authenticates with there", source="--events-url",
                             code="bad_events_target")
    client_id = "cfl-" + secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    storage.add_client(ClientRecord(
        client_id, name, hash_secret(secret), tuple(scopes), at, events_url,
        events_token_url, events_client_id, events_client_secret))
    return NewClient(client_id, secret)


def _check_events_url(url: str, option: str) -> None:
    loopback = re.match(r"^http://(127\.0\.0\.1|localhost|\[::1\])(:[0-9]+)?/", url)
    if not (url.startswith("https://") or loopback) or len(url) > 2000:
        raise InputError(f"{url!r} must be an https:// URL (http:// only on loopback)",
                         source=option, code="bad_events_target")


class Authenticator:
    """Checks client credentials and bearer tokens against the storage."""

    def __init__(self, storage: RegisterStorage, *, token_lifetime: int) -> None:
        self.storage = storage
        self.token_lifetime = token_lifetime
        self._cache: dict[str, tuple[float, Caller, int]] = {}
        self._lock = threading.Lock()

    def issue(self, client_id: str, secret: str, *, at: int,
              requested: tuple[str, ...] | None = None) -> tuple[str, Caller, int]:
        """A new token for valid credentials: (token, caller, lifetime in seconds)."""
        client = self.storage.client(client_id) if 0 < len(client_id) <= 64 else None
        if client is None or not secret_matches(client.secret_hash, secret):
            raise AuthError("client authentication failed", code="invalid_client")
        scopes = client.scopes if requested is None else tuple(
            scope for scope in requested if scope in client.scopes)
        if requested is not None and not scopes:
            raise AuthError("none of the requested scopes is granted to this client",
                            code="invalid_scope")
        token = secrets.token_urlsafe(32)
        self.storage.add_token(token_hash(token), client.client_id, " ".join(scopes),
                               at + self.token_lifetime)
        return token, Caller(client.client_id, scopes), self.token_lifetime

    def caller(self, token: str, *, at: int) -> Caller:
        """The caller of a bearer token; :class:`AuthError` ``invalid_token`` or
        ``token_expired``."""
        if not token or len(token) > 200:
            raise AuthError("Invalid token provided", code="invalid_token")
        key = token_hash(token)
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None and cached[0] > now:
            caller, expires_at = cached[1], cached[2]
        else:
            found = self.storage.token(key)
            if found is None:
                raise AuthError("Invalid token provided", code="invalid_token")
            caller, expires_at = Caller(found[0], tuple(found[1].split())), found[2]
            with self._lock:
                if len(self._cache) > 10_000:
                    self._cache.clear()
                self._cache[key] = (now + TOKEN_CACHE_SECONDS, caller, expires_at)
        if at >= expires_at:
            raise AuthError("the access token has expired", code="token_expired")
        return caller

    def forget(self) -> None:
        with self._lock:
            self._cache.clear()
