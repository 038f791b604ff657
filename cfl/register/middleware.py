"""The register's ASGI middleware (plain ASGI, no per-request objects): access log, security
headers, time limit, rate limits and request body bounds. Each refusal is a JSON error body
``{"code": …, "message": …}``, never a traceback."""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable
from typing import Any

import anyio

from cfl.timeutil import format_time

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Any]
Send = Callable[[Message], Any]
ASGIApp = Callable[..., Any]

ACCESS_LOG = logging.getLogger("cfl.register.access")

#: Headers every response carries (HSTS is ignored by browsers over plain HTTP).
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"strict-transport-security", b"max-age=31536000; includeSubDomains"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
)
#: The Content-Security-Policy of a response that sets none itself: nothing loads, nothing
#: frames it.
DEFAULT_CSP = b"default-src 'none'; frame-ancestors 'none'; base-uri 'none'"


async def send_json_error(send: Send, status: int, code: str, message: str,
                          headers: tuple[tuple[bytes, bytes], ...] = ()) -> None:
    body = json.dumps({"code": code, "message": message}).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"), *headers]})
    await send({"type": "http.response.body", "body": body})


class SecurityHeaders:
    """Adds :data:`SECURITY_HEADERS` to every response and :data:`DEFAULT_CSP` where the
    response sets no policy of its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                names = {name.lower() for name, _ in headers}
                headers.extend(h for h in SECURITY_HEADERS if h[0] not in names)
                if b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", DEFAULT_CSP))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, sending)


class AccessLog:
    """One structured log line per request: time, client address, method, path (never the
    query, which may hold search words), status, bytes, milliseconds and the PACT client id
    if the request was authenticated (``scope["cfl.client"]``). No header, body or token is
    ever logged."""

    def __init__(self, app: ASGIApp, *, clock: Callable[[], Any]) -> None:
        self.app = app
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not ACCESS_LOG.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0
        size = 0

        async def sending(message: Message) -> None:
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            client = scope.get("client")
            ACCESS_LOG.info(json.dumps({
                "time": format_time(self.clock()),
                "remote": client[0] if client else None,
                "method": scope.get("method"),
                "path": scope.get("path", "")[:300],
                "status": status,
                "bytes": size,
                "ms": round((time.perf_counter() - started) * 1000, 2),
                "client": scope.get("cfl.client"),
            }, ensure_ascii=True))


class TimeLimit:
    """Ends a request with a body (an upload: POST, PUT, PATCH) that takes longer than
    ``seconds``, a slow upload included, with 503 (or cuts the connection if the response
    has started). Requests without a body do bounded work and are left to uvicorn's
    timeouts (a cancel scope per request would cost more than they do)."""

    def __init__(self, app: ASGIApp, *, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        with anyio.move_on_after(self.seconds) as scope_timer:
            await self.app(scope, receive, sending)
        if scope_timer.cancelled_caught and not started:
            await send_json_error(send, 503, "timeout",
                                  f"the request took longer than {self.seconds:g} s")


class RateLimit:
    """Token buckets per client: the PACT client of a valid bearer token, else the remote
    address. ``per_minute`` requests each; publishing (POST under /api/) has its own,
    smaller bucket. Counted per process."""

    def __init__(self, app: ASGIApp, *, per_minute: int, publishes_per_minute: int,
                 who: Callable[[Scope], str]) -> None:
        self.app = app
        self.rates = {"request": per_minute, "publish": publishes_per_minute}
        self.who = who
        self.buckets: dict[tuple[str, str], tuple[float, float]] = {}

    def _take(self, kind: str, key: str) -> float:
        """0 if a request may go ahead now, else the seconds until it may."""
        rate = self.rates[kind]
        now = time.monotonic()
        tokens, last = self.buckets.get((kind, key), (float(rate), now))
        tokens = min(float(rate), tokens + (now - last) * rate / 60.0)
        if tokens < 1.0:
            self.buckets[(kind, key)] = (tokens, now)
            return (1.0 - tokens) * 60.0 / rate
        self.buckets[(kind, key)] = (tokens - 1.0, now)
        if len(self.buckets) > 100_000:  # forget idle clients rather than grow without bound
            self.buckets.clear()
        return 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        key = self.who(scope)
        kinds = ["request"]
        if scope.get("method") == "POST" and scope.get("path", "").startswith("/api/"):
            kinds.append("publish")
        for kind in kinds:
            wait = self._take(kind, key)
            if wait:
                await send_json_error(
                    send, 429, "TooManyRequests",
                    f"too many requests; at most {self.rates[kind]} per minute",
                    ((b"retry-after", str(math.ceil(wait)).encode()),))
                return
        await self.app(scope, receive, send)


class BodyLimit:
    """Refuses a request body larger than ``max_bytes`` (413) before it is parsed: by its
    Content-Length, and by counting what arrives when there is none."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await send_json_error(send, 400, "BadRequest", "bad Content-Length")
                    return
                if declared > self.max_bytes:
                    await send_json_error(send, 413, "too_large",
                                          f"the body is {declared} bytes; at most "
                                          f"{self.max_bytes} are accepted")
                    return
        received = 0
        too_large = False

        async def receiving() -> Message:
            nonlocal received, too_large
            message: Message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    too_large = True
                    raise BodyTooLarge()
            return message

        try:
            await self.app(scope, receiving, send)
        except BodyTooLarge:
            await send_json_error(send, 413, "too_large",
                                  f"the body is larger than {self.max_bytes} bytes")


class BodyTooLarge(Exception):
    """Raised into the application when an upload outgrows the bound while it is read."""
