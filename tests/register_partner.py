"""A PACT partner for the event tests: a small server with its own ``/auth/token`` and
``/3/events`` that records the events a register sends it (run by uvicorn in a thread)."""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from register_world import free_port
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

PARTNER_ID = "register-at-partner"
PARTNER_SECRET = "partner-secret-" + secrets.token_hex(8)


@dataclass
class Partner:
    url: str
    events: list[dict[str, Any]] = field(default_factory=list)
    content_types: list[str] = field(default_factory=list)
    tokens: set[str] = field(default_factory=set)
    server: uvicorn.Server | None = None

    def wait_for(self, request_id: str, timeout: float = 30.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event in self.events:
                if event.get("data", {}).get("requestEventId") == request_id:
                    return event
            time.sleep(0.2)
        raise AssertionError(f"no answer to {request_id} arrived: {self.events}")


def start_partner() -> Partner:
    partner = Partner("")

    async def token(request: Request) -> Response:
        expected = base64.b64encode(f"{PARTNER_ID}:{PARTNER_SECRET}".encode()).decode()
        if request.headers.get("authorization") != f"Basic {expected}":
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        issued = secrets.token_urlsafe(16)
        partner.tokens.add(issued)
        return JSONResponse({"access_token": issued, "token_type": "Bearer",
                             "expires_in": 3600})

    async def events(request: Request) -> Response:
        header = request.headers.get("authorization", "")
        if header.removeprefix("Bearer ") not in partner.tokens:
            return JSONResponse({"code": "BadRequest", "message": "Invalid token provided"},
                                status_code=401)
        partner.content_types.append(request.headers.get("content-type", ""))
        partner.events.append(json.loads(await request.body()))
        return Response(status_code=200)

    app = Starlette(routes=[Route("/auth/token", token, methods=["POST"]),
                            Route("/3/events", events, methods=["POST"])])
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    partner.url, partner.server = f"http://127.0.0.1:{port}", server
    return partner
